"""Stated rules that turn a curve into one of the book's numbers read from a plot, and the
verdict of a claim the book makes without a number (docs/fidelity.md, "The book's claims, checked").

Pure functions over lists of numbers: the chapters' tables call them on their runs' curves."""

from __future__ import annotations

import math

HOLDS, FAILS, UNDECIDED = "holds", "fails", "not decided at this scale"


def flat_steps(values, band=0.05) -> int:
    """The number of steps a curve stays "hardly changed": the first step k at which
    ``|values[k] - values[0]| > band`` (the curve's length when it never leaves the band)."""
    for k, v in enumerate(values):
        if abs(v - values[0]) > band:
            return k
    return len(values)


def plateau_epoch(accuracy, band) -> int:
    """The epoch where improvement stops: the first epoch whose accuracy is within ``band``
    (in the curve's own unit) of the best accuracy of the whole curve."""
    best = max(accuracy)
    return next(e for e, a in enumerate(accuracy) if a >= best - band)


def epochs_to_reach(accuracy, target):
    """Epochs of training (epoch 0 is the first, so it counts 1) until the accuracy first reaches
    ``target``; None when it never does."""
    for e, a in enumerate(accuracy):
        if a >= target:
            return e + 1
    return None


def speedup_to_reach(slow, fast):
    """How many times fewer epochs the ``fast`` curve needs than the ``slow`` one to reach the slow
    curve's best accuracy: ``epochs_to_reach(slow, max(slow)) / epochs_to_reach(fast, max(slow))``;
    None when the fast curve never reaches it."""
    target = max(slow)
    fast_epochs = epochs_to_reach(fast, target)
    if fast_epochs is None:
        return None
    return epochs_to_reach(slow, target) / fast_epochs


def verdict(a, b, claim, sd_a=0.0, sd_b=0.0) -> str:
    """Does ``a {claim} b`` hold (claim ``"<"`` or ``">"``)? "holds" or "fails" when the two differ
    by more than the sum of their standard deviations (one sd each), "not decided at this scale"
    when they do not, or when a value is missing or not finite."""
    if claim not in ("<", ">"):
        raise ValueError(f"claim must be '<' or '>', not {claim!r}")
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return UNDECIDED
    diff = a - b if claim == ">" else b - a
    if abs(diff) <= sd_a + sd_b:
        return UNDECIDED
    return HOLDS if diff > 0 else FAILS


def similar(a, b, margin) -> str:
    """"Similar": "holds" when ``|a - b| <= margin``, else "fails" (undecided when a value is missing)."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return UNDECIDED
    return HOLDS if abs(a - b) <= margin else FAILS


def claim(claim_id, book, statistic, ours, test, result) -> dict:
    """One checked claim, as the metrics JSON stores it and the check report shows it: its id, the
    book's words, the statistic compared, our values of it, the stated test and its verdict."""
    if result not in (HOLDS, FAILS, UNDECIDED):
        raise ValueError(f"claim {claim_id}: verdict {result!r} is none of {HOLDS}, {FAILS}, {UNDECIDED}")
    return {"id": claim_id, "book": book, "statistic": statistic, "ours": ours, "test": test, "verdict": result}
