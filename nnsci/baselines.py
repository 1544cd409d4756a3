"""Chapter 1's baselines: random guessing, average darkness, and the SVM.

The book measures its first network against classifiers that need no neural
network at all (section "Toward deep learning" of chapter 1):

- guessing a digit uniformly at random is right about 10% of the time;
- ``mnist_average_darkness.py`` classifies by how much ink an image has: 2,225
  of the 10,000 test images right;
- ``mnist_svm.py`` fits scikit-learn's ``SVC()`` with its 2014 defaults on the
  50,000 training images: 9,435 of 10,000 right.

The SVM is fitted once per training-set size and kept (``results/svm/``) so
that chapter 3's accuracy-versus-size comparison reuses the same fits."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from .errors import NnsciError
from .io import atomic_path, sha256_file, write_json

log = logging.getLogger("nnsci.baselines")

N_DIGITS = 10


#### Random guessing
def random_guess_expected_accuracy(n_classes=N_DIGITS):
    """The expected fraction right when every guess is uniform over the classes."""
    return 1.0 / n_classes


def random_guesses(n, seed_sequence, n_classes=N_DIGITS):
    """``n`` digits drawn uniformly, from a seed of their own (reproducible)."""
    rng = np.random.default_rng(seed_sequence)
    return rng.integers(0, n_classes, size=n)


#### Average darkness (mnist_average_darkness.py)
def darkness(images):
    """The darkness of each image: the sum of its pixel values.

    uint8 images are summed exactly in int64; float images in float64. The
    book used ``load_data()``'s floats k/256, which only scales every darkness
    by 1/256 and so chooses the same nearest digit."""
    images = np.asarray(images)
    acc = np.int64 if images.dtype.kind in "ui" else np.float64
    return images.sum(axis=1, dtype=acc)


def avg_darknesses(images, labels, n_classes=N_DIGITS):
    """The mean darkness of the training images of each digit (index = digit)."""
    d = darkness(images).astype(np.float64)
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=n_classes)
    if np.any(counts == 0):
        raise NnsciError(f"average darkness needs every digit in the training data; "
                         f"missing {np.flatnonzero(counts == 0).tolist()}")
    return np.bincount(labels, weights=d, minlength=n_classes) / counts


def guess_digit(darknesses, avgs):
    """The digit whose mean darkness is nearest to each image's darkness.

    A tie goes to the smaller digit, as ``min`` over the book's dict of
    digits 0..9 did."""
    distances = np.abs(np.asarray(darknesses, dtype=np.float64)[:, None] - avgs[None, :])
    return np.argmin(distances, axis=1)


def average_darkness_predictions(train_x, train_y, test_x, n_classes=N_DIGITS):
    """Train on (train_x, train_y), then guess a digit for each test image."""
    return guess_digit(darkness(test_x), avg_darknesses(train_x, train_y, n_classes))


#### The SVM (mnist_svm.py)
# scikit-learn's SVC() defaults as of 2014 (version 0.15), the ones the book's
# ``svm.SVC()`` ran with. Since 0.22 the default gamma is 'scale', which scores
# differently, so every parameter that affects the result is pinned here.
# break_ties=False and decision_function_shape leave predict() as libsvm's
# one-vs-one vote, which is what 0.15 did. probability stays at its default
# (False; passing it is deprecated since 1.9).
SVM_PARAMS = dict(
    kernel="rbf",
    C=1.0,
    gamma=1.0 / 784,        # 2014's gamma=0.0 meant 1/n_features
    degree=3,
    coef0=0.0,
    shrinking=True,
    tol=1e-3,
    class_weight=None,
    max_iter=-1,
    break_ties=False,
    decision_function_shape="ovr",
    cache_size=2000,        # MB of kernel cache: speed only, not results
)


def svm_classifier():
    """A fresh ``SVC`` with the book's settings."""
    from sklearn.svm import SVC

    return SVC(**SVM_PARAMS)


def fit_svm(mnist_npz, size, out_npz):
    """Fit the SVM on the first ``size`` training images; predict validation and test.

    Writes ``out_npz`` (predictions and counts correct on both sets) and,
    beside it, a ``.json`` with the counts, the parameters, the input's sha256
    and the timings. Pixels are k/256 floats as in the book's ``load_data()``."""
    from .data.mnist import load_mnist, to_float
    from .provenance import provenance

    size = int(size)
    data = load_mnist(mnist_npz)
    n_train = len(data["training_y"])
    if not 1 <= size <= n_train:
        raise NnsciError(f"svm: size must be between 1 and {n_train}, got {size}")
    x = to_float(data["training_x"][:size], dtype=np.float64)
    y = data["training_y"][:size].astype(np.int64)
    if len(np.unique(y)) < 2:
        raise NnsciError(f"svm: the first {size} training images of {mnist_npz} hold only one digit")

    clf = svm_classifier()
    t0 = time.perf_counter()
    clf.fit(x, y)
    fit_s = time.perf_counter() - t0
    log.info("fitted SVC on %d images in %.1f s (%d support vectors)", size, fit_s, clf.n_support_.sum())

    result, predict_s = {}, {}
    for split in ("validation", "test"):
        t0 = time.perf_counter()
        pred = clf.predict(to_float(data[f"{split}_x"], dtype=np.float64)).astype(np.uint8)
        predict_s[split] = time.perf_counter() - t0
        correct = int(np.sum(pred == data[f"{split}_y"]))
        result[split] = (pred, correct, len(pred))
        log.info("%s: %d of %d values correct", split, correct, len(pred))

    out_npz = Path(out_npz)
    with atomic_path(out_npz, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            size=np.int64(size),
            validation_pred=result["validation"][0], test_pred=result["test"][0],
            validation_correct=np.int64(result["validation"][1]),
            test_correct=np.int64(result["test"][1]),
            validation_n=np.int64(result["validation"][2]), test_n=np.int64(result["test"][2]),
        )
    write_json(out_npz.with_suffix(".json"), provenance(
        what="sklearn SVC fitted on the first `size` training images (mnist_svm.py)",
        size=size,
        validation_correct=result["validation"][1], validation_n=result["validation"][2],
        test_correct=result["test"][1], test_n=result["test"][2],
        n_support=int(clf.n_support_.sum()),
        params=SVM_PARAMS,
        input={"mnist": str(mnist_npz), "sha256": sha256_file(mnist_npz)},
        wall_s={"fit": round(fit_s, 3), "predict_validation": round(predict_s["validation"], 3),
                "predict_test": round(predict_s["test"], 3)},
    ))
    return result


def load_svm_result(path):
    """The counts of a fitted SVM (``results/svm/size<N>.npz``) as a dict."""
    try:
        with np.load(path) as z:
            return {k: int(z[k]) for k in ("size", "validation_correct", "validation_n",
                                           "test_correct", "test_n")}
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found (run `nnsci svm` first)") from None
    except (KeyError, ValueError, OSError) as e:
        raise NnsciError(f"{path}: not an SVM result of `nnsci svm` ({e})") from None
