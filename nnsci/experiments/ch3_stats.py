"""Chapter 3's statistics: P3.7's power law fitted to the more-data curves, with its bootstrap, and
the replicas measured against the author's stored series (and the book's numbers they give).

Beyond the book (P3.7): a saturating power law acc(n) = a - b n^-c fitted to each
accuracy-versus-training-set-size curve, its asymptote a extrapolated, uncertainty by
bootstrap. The fit is a grid over c with linear least squares for (a, b) at each c: for fixed c
the model is linear in a and b, written with libm's pow and numpy's fixed-order sums so that it
gives the same bytes on every machine (scipy's optimisers call LAPACK, whose rounding depends on
the CPU). The asymptote is bounded by 100%."""

from __future__ import annotations

import math

import numpy as np

from .. import claims
from ..errors import NnsciError
from . import run_ids
from .ch3_runs import REPLICAS, book_series
from .summary import in_book, load_runs


# ---------------------------------------------------------------------------------------------
# P3.7: acc(n) = a - b n^-c
C_GRID = np.linspace(0.02, 2.0, 397)


A_MAX = 100.0   # an accuracy's asymptote cannot pass 100%
PLATEAU_BAND = 0.001   # ch3.overfit1000.plateau_epoch: within 0.1 points (10 of 10,000 images) of the best


def _linear_fit(n, acc, c, a_max=A_MAX):
    """For fixed c the model a - b n^-c is linear in (a, b): least squares, and its residual.

    Where the unconstrained a would pass ``a_max``, a is held at a_max and only b is fitted
    (the constrained least squares on the boundary). Written with libm's pow and numpy's
    fixed-order sums (not LAPACK, nor numpy's SIMD power), so the fit has the same bytes on
    every machine."""
    x = np.array([math.pow(v, -c) for v in n])
    xm, ym = np.sum(x) / len(x), np.sum(acc) / len(acc)
    b = -float(np.sum((x - xm) * (acc - ym)) / np.sum((x - xm) * (x - xm)))
    a = float(ym + b * xm)
    if a_max is not None and a > a_max:
        a = a_max
        b = float(np.sum(x * (a_max - acc)) / np.sum(x * x))
    r = acc - (a - b * x)
    return float(a), float(b), float(np.sum(r * r))


def fit_power_law(n, acc, c_grid=C_GRID):
    """Least-squares (a, b, c) of acc = a - b n^-c: the best c of a grid, refined by a finer grid.

    Needs at least 4 distinct sizes (3 parameters plus one degree of freedom)."""
    n = np.asarray(n, float)
    acc = np.asarray(acc, float)
    if len(np.unique(n)) < 4:
        raise NnsciError(f"a power-law fit needs at least 4 distinct sizes, got {len(np.unique(n))}")
    sse = np.array([_linear_fit(n, acc, c)[2] for c in c_grid])
    i = int(np.argmin(sse))
    step = c_grid[1] - c_grid[0]
    fine = np.linspace(max(c_grid[0], c_grid[i] - step), c_grid[i] + step, 41)
    sse_f = np.array([_linear_fit(n, acc, c)[2] for c in fine])
    c = float(fine[int(np.argmin(sse_f))])
    a, b, s = _linear_fit(n, acc, c)
    return {"a": float(a), "b": float(b), "c": c, "sse": s}


def power_law(n, fit):
    return fit["a"] - fit["b"] * np.asarray(n, float) ** -fit["c"]


def bootstrap_power_law(n, acc, seeds=None, reps=200, rng_seed=0, c_grid=None):
    """Bootstrap spread of the fit: over seeds when a (sizes x seeds) array is given (each
    replicate averages a resample of the seeds at every size), else over the points (pairs
    resampled, keeping at least 4 distinct sizes). Returns the replicate fits' a, b, c arrays."""
    c_grid = np.linspace(0.02, 2.0, 100) if c_grid is None else c_grid
    rng = np.random.default_rng(rng_seed)
    n = np.asarray(n, float)
    out = {"a": [], "b": [], "c": []}
    for _ in range(reps):
        if seeds is not None and np.asarray(seeds).shape[1] > 1:
            s = np.asarray(seeds)
            idx = rng.integers(0, s.shape[1], size=s.shape)
            y, x = np.take_along_axis(s, idx, axis=1).mean(axis=1), n
        else:
            idx = rng.integers(0, len(n), size=len(n))
            if len(np.unique(n[idx])) < 4:
                continue
            x, y = n[idx], np.asarray(acc, float)[idx]
        f = fit_power_law(x, y, c_grid)
        for k in out:
            out[k].append(f[k])
    return {k: np.array(v) for k, v in out.items()}


def fit_with_band(curve, reps=200):
    """Fit, bootstrap and a 68% band of the fitted curve (None where too few sizes)."""
    if len(np.unique(curve["n"])) < 4:
        return None
    fit = fit_power_law(curve["n"], curve["acc"])
    boot = bootstrap_power_law(curve["n"], curve["acc"], curve.get("seeds"), reps=reps)
    fit["a_lo"], fit["a_hi"] = (float(np.percentile(boot["a"], 16)), float(np.percentile(boot["a"], 84)))
    fit["a_sd"] = float(np.std(boot["a"], ddof=1)) if len(boot["a"]) > 1 else 0.0
    fit["boot"] = boot
    return fit


# ---------------------------------------------------------------------------------------------
# Replica against the book's stored series
def _book_pairs(book_series):
    return book_series.items() if isinstance(book_series, dict) else enumerate(book_series)


def compare_series(ours, book_series, kind):
    """How our per-epoch series meets the book's: epochs compared, exact, max |diff|, first miss.

    Accuracies (counts) must be equal; costs equal to the stored decimals (4 significant figures
    at most in the catalog), i.e. |diff| below half a unit of the last printed digit."""
    compared = exact = 0
    first_miss, max_diff = None, 0.0
    for e, v in _book_pairs(book_series):
        if e >= len(ours):
            continue
        compared += 1
        d = abs(float(ours[e]) - float(v))
        max_diff = max(max_diff, d)
        if "accuracy" in kind:
            ok = d == 0
        else:
            ok = d <= 0.5 * 10.0 ** (_last_decimal(v))
        exact += ok
        if not ok and first_miss is None:
            first_miss = e
    return {"compared": compared, "exact": exact, "first_miss": first_miss, "max_diff": max_diff}


def _last_decimal(v):
    """The exponent of the last printed digit of a stored cost (0.00977 -> -5, 0.4 -> -1)."""
    s = repr(float(v)).rstrip("0")
    return -(len(s.split(".")[1]) if "." in s else 0)


def replica_comparison_rows(results, scale):
    rows = []
    for exp in REPLICAS:
        if exp == "ch3.more_data":
            continue
        for rid in run_ids(exp, scale):
            m = load_runs(results, [rid])[0]
            for kind, series in book_series().get(rid, {}).items():
                same = (m["n_evaluation"] == 10000 if kind.startswith("evaluation")
                        else m["n_training"] == book_training_size(rid))
                c = compare_series(m[kind], series, kind) if same else \
                    {"compared": 0, "exact": 0, "first_miss": None, "max_diff": float("nan")}
                rows.append({"run": rid, "monitor": kind, "n_train": m["n_training"], "n_eval": m["n_evaluation"],
                             "same data": same, **c})
    return rows


def book_training_size(run):
    """The training-set size of the author's run: 1,000 for the two small overfitting runs, else 50,000."""
    return 1000 if run in ("ch3.overfit1000", "ch3.l2_1000") else 50000


# ---------------------------------------------------------------------------------------------
# Numbers of the book's ids
def _count(value, of):
    """A count over its own denominator, for the check (scaled to the book's when they differ)."""
    return {"value": int(value), "of": int(of)}


def _pct(count, of):
    return 100.0 * count / of


def overfitting_numbers(exp, m, numbers):
    """Numbers of overfitting.py's runs (ch3.overfit1000 etc.) from one replica's metrics."""
    ev, tr = m["evaluation_accuracy"], m["training_accuracy"]
    n_ev, n_tr = m["n_evaluation"], m["n_training"]
    ec, tc = m["evaluation_cost"], m["training_cost"]
    best = int(np.argmax(ev))
    best_train = int(np.argmax(tr))
    book_ids = {"ch3.overfit1000": "overfit1000", "ch3.l2_1000": "l2_1000",
                "ch3.overfit_full": "overfit_full", "ch3.l2_full": "l2_full"}
    b = "ch3." + book_ids[exp]
    full = exp.endswith("_full")
    if full:
        numbers[f"{b}.{'best_test' if exp == 'ch3.overfit_full' else 'best'}"] = _count(ev[best], n_ev)
        numbers[f"{b}.{'best_test_epoch' if exp == 'ch3.overfit_full' else 'best_epoch'}"] = best
        numbers[f"{b}.best_train"] = _count(tr[best_train], n_tr)
        gap = _pct(tr[best_train], n_tr) - _pct(ev[best], n_ev)
        numbers[f"{b}.gap"] = round(gap, 4)
    else:
        numbers[f"{b}.best"] = _count(ev[best], n_ev)
        numbers[f"{b}.best_epoch"] = best
        if exp == "ch3.overfit1000":
            numbers[f"{b}.gap"] = round(100.0 - _pct(ev[best], n_ev), 4)
            # "improvement stops around epoch 280": the first epoch within 0.1 points of the best
            numbers[f"{b}.plateau_epoch"] = claims.plateau_epoch(ev, PLATEAU_BAND * n_ev)
            numbers[f"{b}.train_acc.final"] = round(_pct(tr[-1], n_tr), 4)
    for e, v in _book_pairs(book_series()[exp]["evaluation_accuracy"]):
        if e < len(ev) and (not full or e in (0, 1, 2, 29)) and in_book(f"{b}.test_acc.epoch{e}"):
            numbers[f"{b}.test_acc.epoch{e}"] = _count(ev[e], n_ev)
    for e in (0, 1, 2):
        if e < len(tr) and in_book(f"{b}.train_acc.epoch{e}"):
            numbers[f"{b}.train_acc.epoch{e}"] = _count(tr[e], n_tr)
    full_epochs = [i for i, a in enumerate(tr) if a == n_tr]
    if full_epochs and in_book(f"{b}.train_acc.first_full_epoch"):
        numbers[f"{b}.train_acc.first_full_epoch"] = full_epochs[0]
    if ec:
        i = int(np.argmin(ec))
        numbers[f"{b}.test_cost.min"] = round(float(ec[i]), 6)
        if in_book(f"{b}.test_cost.min_epoch"):
            numbers[f"{b}.test_cost.min_epoch"] = i
        for e in (0, 399):
            if e < len(ec) and in_book(f"{b}.test_cost.epoch{e}"):
                numbers[f"{b}.test_cost.epoch{e}"] = round(float(ec[e]), 6)
    for e in (0, 199, 29, 399):
        if tc and e < len(tc) and in_book(f"{b}.train_cost.epoch{e}"):
            numbers[f"{b}.train_cost.epoch{e}"] = round(float(tc[e]), 6)
