"""The tuned SVM chapter 1 cites (``ch1.base.svm_tuned``: "above 98.5 percent", about one error in 70):
an RBF ``SVC`` whose C and gamma are chosen on the validation set.

A small grid over C and gamma is fitted on the first ``min(size // 2, GRID_TRAIN_MAX)`` training
images and scored on the first ``GRID_VALIDATION`` validation images; the best pair (ties to the first
in grid order) is then fitted on the first ``size`` training images (50,000 at the full scale) and
scored on the whole test set. libsvm has no randomness here, so the same data give
the same counts."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np

from .baselines import SVM_PARAMS
from .errors import NnsciError
from .io import sha256_file, write_json

GRID = {"C": (1.0, 10.0), "gamma": (0.01, 0.03, 0.1)}
GRID_TRAIN_MAX = 5000   # images of the grid's fits (ci: half the scale's cap of 2,000)
GRID_VALIDATION = 1000  # validation images that score each pair of the grid


def tuned_classifier(C, gamma):
    """The book's SVC settings with C and gamma replaced."""
    from sklearn.svm import SVC

    return SVC(**{**SVM_PARAMS, "C": C, "gamma": gamma})


def grid_search(x, y, xv, yv, grid=GRID):
    """``[(C, gamma, correct)]`` of every pair of the grid, and the best pair (ties: the first)."""
    scores = []
    for C, gamma in itertools.product(grid["C"], grid["gamma"]):
        clf = tuned_classifier(C, gamma).fit(x, y)
        scores.append((C, gamma, int(np.sum(clf.predict(xv) == yv))))
    best = max(scores, key=lambda s: s[2])   # max keeps the first of equal scores
    return scores, best[:2]


def fit_tuned_svm(mnist_npz, size, out_json):
    """Choose C and gamma by the grid, fit on the first ``size`` images, write ``out_json``."""
    from .data.mnist import load_mnist, to_float
    from .provenance import provenance

    data = load_mnist(mnist_npz)
    size = int(size)
    if not 1 <= size <= len(data["training_y"]):
        raise NnsciError(f"svm-tuned: size must be between 1 and {len(data['training_y'])}, got {size}")
    x = to_float(data["training_x"][:size], dtype=np.float64)
    y = data["training_y"][:size].astype(np.int64)
    g = max(1, min(size // 2, GRID_TRAIN_MAX))
    t0 = time.perf_counter()
    scores, (C, gamma) = grid_search(x[:g], y[:g], to_float(data["validation_x"][:GRID_VALIDATION], dtype=np.float64),
                                     data["validation_y"][:GRID_VALIDATION])
    clf = tuned_classifier(C, gamma).fit(x, y)
    pred = clf.predict(to_float(data["test_x"], dtype=np.float64))
    result = dict(size=size, grid_size=g, grid_validation=min(GRID_VALIDATION, len(data["validation_y"])),
                  grid=[{"C": c, "gamma": gm, "validation_correct": k} for c, gm, k in scores],
                  C=C, gamma=gamma, test_correct=int(np.sum(pred == data["test_y"])), test_n=len(pred))
    write_json(Path(out_json), provenance(
        what="RBF SVC with C and gamma chosen on the validation set (ch1.base.svm_tuned)", **result,
        input={"mnist": str(mnist_npz), "sha256": sha256_file(mnist_npz)},
        wall_s=round(time.perf_counter() - t0, 3)))
    return result
