"""Chapter 1's tables.

``ch1.baselines``: the classifiers the book measures its first network
against (random guessing, average darkness, the SVM), ours beside the book's."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import baselines
from ..errors import NnsciError
from ..tables import table
from .summary import book_value

# The book's SVM was fitted on all 50,000 training images (mnist_svm.py).
BOOK_SVM_TRAIN_SIZE = 50000


def _need(inputs, key):
    if key not in inputs:
        raise NnsciError(f"ch1.baselines needs --input {key}=PATH")
    return inputs[key]


def tuned_numbers(inputs, n_test):
    """ch1.base.svm_tuned (test accuracy, percent), its one error in N, and the chosen C and gamma,
    from ``--input svm_tuned`` (nnsci svm-tuned); none without it."""
    if "svm_tuned" not in inputs:
        return {}
    from ..io import read_json

    t = read_json(inputs["svm_tuned"])
    if t["test_n"] != n_test:
        raise NnsciError(f"{inputs['svm_tuned']}: scored {t['test_n']} test images, not {n_test}")
    errors = t["test_n"] - t["test_correct"]
    return {"ch1.base.svm_tuned": round(100.0 * t["test_correct"] / t["test_n"], 2),
            "ch1.base.svm_tuned.error_one_in": round(t["test_n"] / max(errors, 1), 2),
            "ch1.base.svm_tuned.C": t["C"], "ch1.base.svm_tuned.gamma": t["gamma"],
            "ch1.base.svm_tuned.train_size": t["size"]}


@table("ch1.baselines")
def baselines_table(inputs, scale):
    """Random guessing, average darkness and the SVM on the 10,000 test images.

    Random guessing and average darkness are cheap, so they use all the data
    at every scale; the SVM's training-set size is whatever ``--input svm``
    was fitted with (the ci and quick scales cap it)."""
    from ..config import run_seed_sequence, root_seed
    from ..data.mnist import load_mnist

    data = load_mnist(_need(inputs, "mnist"))
    test_y = data["test_y"]
    n_test = len(test_y)
    n_train = len(data["training_y"])

    guesses = baselines.random_guesses(n_test, run_seed_sequence(root_seed(inputs), "ch1.base.random"))
    random_correct = int(np.sum(guesses == test_y))
    expected = baselines.random_guess_expected_accuracy()

    darkness_pred = baselines.average_darkness_predictions(
        data["training_x"], data["training_y"], data["test_x"])
    darkness_correct = int(np.sum(darkness_pred == test_y))

    svm = baselines.load_svm_result(_need(inputs, "svm"))
    if svm["test_n"] != n_test:
        raise NnsciError(f"{inputs['svm']}: scored {svm['test_n']} test images, "
                         f"but {inputs['mnist']} has {n_test}")

    def pct(k, n=n_test):
        return round(100.0 * k / n, 2)

    book_random, book_darkness, book_svm = (book_value(f"ch1.base.{k}") for k in ("random", "darkness", "svm"))

    rows = [
        ("random guessing (expected)", round(expected * n_test), round(100 * expected, 2),
         None, book_random, "none"),
        ("random guessing (seeded uniform guesses)", random_correct, pct(random_correct),
         None, book_random, "none"),
        ("average darkness", darkness_correct, pct(darkness_correct),
         book_darkness, pct(book_darkness, 10000), n_train),
        ("SVM (sklearn SVC, 2014 defaults)", svm["test_correct"], pct(svm["test_correct"]),
         book_svm, pct(book_svm, 10000), svm["size"]),
    ]
    df = pd.DataFrame(rows, columns=["baseline", f"ours: correct of {n_test}", "ours: %",
                                     "book: correct of 10000", "book: %", "training images"])
    # None, not NaN, where the book printed no count (keeps the others integers).
    df["book: correct of 10000"] = pd.Series([r[3] for r in rows], dtype=object)

    svm_note = ("" if svm["size"] == BOOK_SVM_TRAIN_SIZE else
                f" **At this scale ({scale.name}) the SVM was fitted on the first {svm['size']:,} "
                f"training images, not the book's 50,000, so its count is not comparable with {book_svm:,}.**")
    # Chapter 3's more_data_svm.json: the same SVM's validation accuracy by training-set size.
    book_pct = book_value(f"ch3.more_data.svm.size{svm['size']}")
    book_validation = (f"the book's chapter 3 (more_data_svm.json) gives {book_pct}% at this size"
                       if book_pct is not None else
                       f"the book's chapter 3 gives {book_value('ch3.more_data.svm.size50000')}% at 50,000")
    notes = f"""
All counts are on the {n_test:,} test images; "training images" is how many of the
{n_train:,} training images the baseline was fitted on.

- Random guessing: the book says only "about 10%". The seeded row draws one uniform digit per
  test image (numpy `default_rng`, seed from the root seed and the id `ch1.base.random`).
- Average darkness is `mnist_average_darkness.py`: darkness = sum of the 784 pixels; each test
  image gets the digit whose mean training darkness is nearest. We sum the raw bytes exactly;
  the book's k/256 floats scale every darkness by 1/256 and give the same predictions (checked
  on the full data: {book_darkness:,} either way). The Japanese text says "訓練データ" (training data);
  the English text and the code score the test images, as we do.
- SVM is `mnist_svm.py`: scikit-learn `SVC` with the 2014 defaults pinned (RBF kernel, C = 1,
  gamma = 1/784, tol = 1e-3, shrinking), fitted on the first "training images" of the training
  set with pixels k/256. Today's default gamma='scale' would score differently.{svm_note}
- Tuned SVM (`ch1.base.svm_tuned`, the book cites "above 98.5 percent"): the same SVC with C and gamma
  chosen on the validation set by a small grid fitted on a subset (nnsci/svm_tuned.py), then fitted on
  the SVM's training images; `ch1.base.svm_tuned.C` and `.gamma` are the chosen pair.
- SVM validation accuracy at this size: {svm['validation_correct']} of {svm['validation_n']}
  ({pct(svm['validation_correct'], svm['validation_n'])}%; {book_validation}).
"""
    numbers = {
        "ch1.base.random": pct(random_correct),
        "ch1.base.random_expected": round(100 * expected, 2),
        "ch1.base.darkness": darkness_correct,
        "ch1.base.svm": svm["test_correct"],
        "ch1.base.svm_train_size": svm["size"],
        "ch1.base.svm_validation": svm["validation_correct"],
        **tuned_numbers(inputs, n_test),
        # MNIST itself: the book's 60,000 training images are our training + validation sets
        "ch1.mnist.train": {"value": n_train + len(data["validation_y"]), "of": 60000},
        "ch1.mnist.test": {"value": n_test, "of": 10000},
        "ch1.mnist.side": math.isqrt(int(np.prod(data["test_x"].shape[1:]))),
    }
    return df, notes, numbers
