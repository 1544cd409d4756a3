"""Chapter 3's trained results: the replicas of the author's seeded scripts, our seeds, the
problems, and the more-data curves with their power-law fits (book_catalog_ch1-3.md 1.3, 4, 6).

Two kinds of run answer the book here. The *replicas* (``rng: nielsen``) retrain the author's
figure scripts on his own random streams; the book's stored per-epoch numbers (the repo's
``fig/*.json``, catalog section 6, copied below as ``BOOK``) are what they must reproduce: the
1,000-image runs epoch for epoch, the 50,000-image runs in their first epochs. The *our-seed*
runs (``rng: ours``, 5 seeds) compare statistically, by the best of the first three seeds (the
book's statistic) and the mean and sd over seeds.

Beyond the book (P3.7): a saturating power law acc(n) = a - b n^-c fitted to each
accuracy-versus-training-set-size curve, its asymptote a extrapolated, uncertainty by
bootstrap. scipy is not a dependency, so the fit is a grid over c with linear least squares for
(a, b) at each c: for fixed c the model is linear in a and b. The asymptote is bounded by 100%."""

from __future__ import annotations

import math

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import load_experiments
from ..errors import NnsciError
from ..tables import table
from . import run_ids
from .summary import book_value, load_runs, seed_statistics

# ---------------------------------------------------------------------------------------------
# The book's data: the author's stored per-epoch results behind the chapter 3 plots, as the
# catalog (book_catalog_ch1-3.md section 6, from the repo's fig/*.json) gives them. Counts are
# out of 10,000 (test or validation); costs as stored. For overfitting.json and regularized.json
# the catalog gives landmark epochs only ({epoch: value}); elsewhere whole series.
BOOK = {
    "ch3.overfit1000": {
        "evaluation_accuracy": {0: 5887, 1: 6505, 2: 6970, 199: 8190, 280: 8221, 374: 8227, 399: 8223},
        "training_accuracy": {0: 690, 1: 749, 2: 812, 67: 1000},
        "evaluation_cost": {0: 2.0763, 14: 1.2028, 399: 1.7731},
        "training_cost": {0: 1.8434, 199: 0.00977, 399: 0.00420},
    },
    "ch3.l2_1000": {
        "evaluation_accuracy": {0: 5898, 199: 8558, 280: 8645, 383: 8710, 399: 8695},
        "training_accuracy": {68: 1000},
        "evaluation_cost": {391: 0.8837},
        "training_cost": {0: 3.0055, 199: 0.2603, 399: 0.1154},
    },
    "ch3.overfit_full": {
        "evaluation_accuracy": [9136, 9275, 9307, 9377, 9450, 9429, 9468, 9488, 9494, 9424, 9483, 9483,
                                9505, 9499, 9508, 9508, 9445, 9524, 9524, 9524, 9494, 9527, 9518, 9505,
                                9533, 9529, 9512, 9530, 9532, 9531],
        "training_accuracy": {0: 45708, 29: 48932},
        "evaluation_cost": {19: 0.3551},
        "training_cost": {0: 0.5599, 29: 0.1722},
    },
    "ch3.l2_full": {
        "evaluation_accuracy": [9212, 9341, 9375, 9424, 9532, 9537, 9504, 9541, 9578, 9538, 9579, 9530,
                                9590, 9543, 9607, 9597, 9576, 9546, 9600, 9634, 9544, 9606, 9614, 9607,
                                9621, 9637, 9620, 9511, 9649, 9561],
        "training_accuracy": {28: 48561},
    },
    "ch3.multi_eta.eta0.025": {"training_cost": [
        0.8781, 0.6741, 0.598, 0.5553, 0.5175, 0.4942, 0.4726, 0.4607, 0.443, 0.431, 0.4231, 0.4141, 0.4057,
        0.4011, 0.3916, 0.3871, 0.3812, 0.376, 0.373, 0.3706, 0.3655, 0.3634, 0.3575, 0.3554, 0.3537, 0.3501,
        0.3495, 0.346, 0.3439, 0.3392]},
    "ch3.multi_eta.eta0.25": {"training_cost": [
        0.495, 0.4063, 0.4048, 0.3716, 0.3738, 0.3715, 0.3537, 0.3557, 0.3432, 0.3434, 0.3368, 0.3453, 0.3351,
        0.3476, 0.3492, 0.3385, 0.3284, 0.3318, 0.3313, 0.3302, 0.3274, 0.326, 0.32, 0.3342, 0.3388, 0.3252,
        0.3268, 0.3249, 0.3306, 0.3388]},
    "ch3.multi_eta.eta2.5": {"training_cost": [
        0.9249, 0.8392, 0.8875, 0.7963, 0.7812, 1.1366, 0.7879, 0.7678, 0.7369, 0.8013, 0.7443, 0.7373, 0.8025,
        0.8519, 0.7987, 0.8024, 0.8065, 0.8147, 0.8253, 0.7504, 0.9366, 0.8824, 0.8612, 0.7249, 0.8041, 0.8396,
        0.8339, 0.8828, 0.8858, 0.8607]},
    "ch3.winit30.new": {"evaluation_accuracy": [
        9270, 9414, 9470, 9504, 9537, 9550, 9587, 9594, 9596, 9594, 9616, 9595, 9622, 9630, 9636, 9641, 9625,
        9652, 9637, 9634, 9642, 9639, 9649, 9646, 9646, 9653, 9646, 9653, 9640, 9650]},
    "ch3.winit30.old": {"evaluation_accuracy": [
        8643, 9044, 9141, 9231, 9299, 9327, 9385, 9416, 9433, 9449, 9476, 9489, 9500, 9535, 9521, 9548, 9564,
        9573, 9585, 9592, 9596, 9615, 9607, 9605, 9606, 9622, 9637, 9648, 9635, 9637]},
    "ch3.winit100.new": {"evaluation_accuracy": [
        9295, 9481, 9547, 9592, 9664, 9673, 9702, 9719, 9726, 9726, 9732, 9732, 9730, 9734, 9745, 9751, 9757,
        9761, 9764, 9766, 9758, 9767, 9756, 9752, 9777, 9775, 9770, 9770, 9771, 9781]},
    "ch3.winit100.old": {"evaluation_accuracy": [
        8994, 9181, 9260, 9364, 9427, 9449, 9497, 9512, 9560, 9578, 9603, 9616, 9626, 9629, 9644, 9671, 9674,
        9679, 9700, 9708, 9707, 9717, 9729, 9720, 9719, 9745, 9751, 9754, 9755, 9742]},
}
MORE_DATA_SIZES = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]
BOOK_MORE_DATA_NN = [69.09, 76.37, 85.29, 88.85, 91.27, 93.24, 94.89, 95.85, 95.97]    # more_data.json
BOOK_MORE_DATA_SVM = [25.07, 48.93, 75.13, 83.87, 88.49, 91.46, 92.45, 93.47, 94.48]   # more_data_svm.json

REPLICA_SINGLE = ["ch3.overfit1000", "ch3.l2_1000", "ch3.overfit_full", "ch3.l2_full"]
REPLICA_SCRIPTS = ["ch3.more_data", "ch3.multi_eta", "ch3.winit30", "ch3.winit100"]
REPLICAS = REPLICA_SINGLE + REPLICA_SCRIPTS
# One training job per book script; every experiment id in it is its own seeding (fresh streams).
REPLICA_JOBS = {"overfitting": REPLICA_SINGLE, "more_data": ["ch3.more_data"], "multiple_eta": ["ch3.multi_eta"],
                "weight_initialization": ["ch3.winit30", "ch3.winit100"]}
MONITORS = ("evaluation_accuracy", "training_accuracy", "evaluation_cost", "training_cost")
COST_DECIMALS = 4   # the catalog prints the stored costs to 4 significant figures or so


# ---------------------------------------------------------------------------------------------
# Which runs exist at a scale
def our_experiments():
    """Every our-seed experiment of config/experiments/ch3.yaml (rng: ours), in file order."""
    return [k for k, v in load_experiments("ch3").items() if v.get("rng", "ours") == "ours"]


def more_data_epochs_and_lambda(size):
    """more_data.py's schedule: num_epochs = 1500000/size (Python 2 integer division), lambda = size*0.0001."""
    return 1500000 // size, size * 0.0001


def capped_sizes(sizes, cap):
    """The training-set sizes a scale can tell apart: each size capped at ``cap``, de-duplicated.

    Returns ``[(requested size, effective size)]`` keeping the first requested size for each
    effective one: at ci (cap 2,000) the sizes 5,000 to 50,000 all train on 2,000 images, so only
    sizes up to 2,000 are distinct points of the curve."""
    out, seen = [], set()
    for s in sizes:
        eff = min(int(s), int(cap)) if cap else int(s)
        if eff not in seen:
            seen.add(eff)
            out.append((int(s), eff))
    return out


def more_data_our_experiments(scale):
    """The more_data_ours experiments worth training at this scale (one per distinct size)."""
    return [f"ch3.more_data_ours.n{s}" for s, _ in capped_sizes(MORE_DATA_SIZES, scale.get("train_size_max"))]


def trained_our_experiments(scale):
    """Our-seed experiments that the chapter 3 rules train at this scale."""
    keep = set(more_data_our_experiments(scale))
    return [e for e in our_experiments() if not e.startswith("ch3.more_data_ours.") or e in keep]


def run_files(experiments, scale):
    """Every file a training job of these experiments writes (the rules' outputs)."""
    return [f"results/runs/{r}/{f}" for e in experiments for r in run_ids(e, scale)
            for f in ("metrics.json", "weights.npz", "provenance.json")]


# Our-seed experiments are trained in families, one job (one process) each: at small scales a
# process start (imports, data, compiled-kernel cache) costs more than the runs, and a family is
# what one figure or comparison reads. Every our-seed experiment belongs to exactly one family.
TRAINING_FAMILIES = {
    "ce": ["ch3.ce30", "ch3.ce100"],
    "full": ["ch3.overfit_full_ours", "ch3.l2_full_ours"],
    "l2_100": ["ch3.l2_100", "ch3.l2_100_tuned"],
    "winit": ["ch3.winit30_new", "ch3.winit30_old", "ch3.winit100_new", "ch3.winit100_old"],
    "eta": ["ch3.eta0.025", "ch3.eta0.25", "ch3.eta2.5"],
    "hp": ["ch3.hp.bad", "ch3.hp.784_10_a", "ch3.hp.784_10_b", "ch3.hp.784_10_c", "ch3.hp.784_10_d"],
    "l1": ["ch3.unregularized", "ch3.l1_0.5", "ch3.l1_2"],
    "early_a": ["ch3.early_stop", "ch3.windowed"],
    "early_b": ["ch3.early_stop_b", "ch3.windowed_b"],
    "early_c": ["ch3.early_stop_c", "ch3.windowed_c"],
    "schedule": ["ch3.halve_eta", "ch3.momentum0.5", "ch3.momentum0.9"],
    "more_data": None,   # the distinct sizes at the scale: more_data_our_experiments(scale)
}


def training_families(scale):
    """{family: [experiments]} at this scale; checks that the families cover every experiment once."""
    fam = {k: (v if v is not None else more_data_our_experiments(scale)) for k, v in TRAINING_FAMILIES.items()}
    listed = [e for v in fam.values() for e in v]
    expected = trained_our_experiments(scale)
    if sorted(listed) != sorted(expected):
        missing, extra = set(expected) - set(listed), set(listed) - set(expected)
        raise NnsciError(f"chapter 3 training families: missing {sorted(missing)}, unknown {sorted(extra)}")
    return fam


# ---------------------------------------------------------------------------------------------
# Final accuracy from saved weights (more_data.py measured once, after the last epoch)
def load_network(weights_path, spec):
    """Rebuild a trained network from its weights.npz and resolved spec (the engine's loader)."""
    from ..engine import load_network as engine_load_network

    return engine_load_network(weights_path, spec)


class Evaluator:
    """Accuracy of saved runs on their own evaluation set (the spec's, as scaled)."""

    def __init__(self, mnist_path):
        from .train import DataStore

        if not mnist_path:
            raise NnsciError("the more_data curves need --input mnist=PATH (the prepared MNIST .npz)")
        self.store = DataStore({"mnist": mnist_path})

    def final_percent(self, results, metrics):
        from ..engine import accuracy

        spec = metrics["spec"]
        net = load_network(Path(results) / "runs" / metrics["run"] / "weights.npz", spec)
        data = self.store.get(spec["eval"], spec["dtype"], spec["net"][-1])
        return 100.0 * accuracy(net, data) / len(data)


def distinct_by_training_size(runs):
    """Keep the first run of each effective training-set size (see ``capped_sizes``)."""
    out, seen = [], set()
    for m in runs:
        if m["n_training"] not in seen:
            seen.add(m["n_training"])
            out.append(m)
    return out


def more_data_curves(inputs, scale):
    """Validation accuracy (%) against training-set size: the replica, our seeds, the SVM, the book.

    Returns a dict of curves, each ``{"n": sizes, "acc": percents}``; ours also carries
    ``"seeds"``: an array (sizes x seeds)."""
    results = inputs.get("results", "results")
    ev = Evaluator(inputs.get("mnist"))
    curves = {"book_nn": {"n": np.array(MORE_DATA_SIZES, float), "acc": np.array(BOOK_MORE_DATA_NN)},
              "book_svm": {"n": np.array(MORE_DATA_SIZES, float), "acc": np.array(BOOK_MORE_DATA_SVM)}}
    replica = distinct_by_training_size(load_runs(results, run_ids("ch3.more_data", scale)))
    curves["replica"] = {"n": np.array([m["n_training"] for m in replica], float),
                         "acc": np.array([ev.final_percent(results, m) for m in replica])}
    n_ours, seeds = [], []
    for exp in more_data_our_experiments(scale):
        runs = load_runs(results, run_ids(exp, scale))
        n_ours.append(runs[0]["n_training"])
        seeds.append([ev.final_percent(results, m) for m in runs])
    seeds = np.array(seeds)
    curves["ours"] = {"n": np.array(n_ours, float), "acc": seeds.mean(axis=1), "seeds": seeds}
    svm = svm_curve(inputs)
    if svm is not None:
        curves["svm"] = svm
    return curves


def svm_curve(inputs):
    """The SVM's validation accuracy from ``--input svm<N>=results/svm/size<N>.npz`` files."""
    from ..baselines import load_svm_result

    pts = []
    for key, path in inputs.items():
        if key.startswith("svm") and key[3:].isdigit():
            r = load_svm_result(path)
            pts.append((r["size"], 100.0 * r["validation_correct"] / r["validation_n"]))
    if not pts:
        return None
    pts.sort()
    return {"n": np.array([p[0] for p in pts], float), "acc": np.array([p[1] for p in pts])}


# ---------------------------------------------------------------------------------------------
# P3.7: acc(n) = a - b n^-c
C_GRID = np.linspace(0.02, 2.0, 397)


A_MAX = 100.0   # an accuracy's asymptote cannot pass 100%


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
            for kind, series in BOOK.get(rid, {}).items():
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
            numbers[f"{b}.train_acc.final"] = round(_pct(tr[-1], n_tr), 4)
    for e, v in _book_pairs(BOOK[exp]["evaluation_accuracy"]):
        if e < len(ev) and (not full or e in (0, 1, 2, 29)) and f"{b}.test_acc.epoch{e}" in _book_ids():
            numbers[f"{b}.test_acc.epoch{e}"] = _count(ev[e], n_ev)
    for e in (0, 1, 2):
        if e < len(tr) and f"{b}.train_acc.epoch{e}" in _book_ids():
            numbers[f"{b}.train_acc.epoch{e}"] = _count(tr[e], n_tr)
    full_epochs = [i for i, a in enumerate(tr) if a == n_tr]
    if full_epochs and f"{b}.train_acc.first_full_epoch" in _book_ids():
        numbers[f"{b}.train_acc.first_full_epoch"] = full_epochs[0]
    if ec:
        i = int(np.argmin(ec))
        numbers[f"{b}.test_cost.min"] = round(float(ec[i]), 6)
        if f"{b}.test_cost.min_epoch" in _book_ids():
            numbers[f"{b}.test_cost.min_epoch"] = i
        for e in (0, 399):
            if e < len(ec) and f"{b}.test_cost.epoch{e}" in _book_ids():
                numbers[f"{b}.test_cost.epoch{e}"] = round(float(ec[e]), 6)
    for e in (0, 199, 29, 399):
        if tc and e < len(tc) and f"{b}.train_cost.epoch{e}" in _book_ids():
            numbers[f"{b}.train_cost.epoch{e}"] = round(float(tc[e]), 6)


_IDS = None


def _book_ids():
    global _IDS
    if _IDS is None:
        from ..reference import load_book

        _IDS = set(load_book())
    return _IDS


def _fmt(v, sd=None, d=2):
    if v is None:
        return ""
    return f"{v:.{d}f}" if sd is None else f"{v:.{d}f} ± {sd:.{d}f}"


def _book_cell(number_id):
    v = book_value(number_id)
    return "" if v is None else f"{v:g}"


# ---------------------------------------------------------------------------------------------
# The results table
def replica_rows(results, scale, numbers):
    rows = []
    for exp in REPLICA_SINGLE:
        m = load_runs(results, run_ids(exp, scale))[0]
        overfitting_numbers(exp, m, numbers)
        st = seed_statistics([m])
        bid = "ch3.overfit_full.best_test" if exp == "ch3.overfit_full" else f"{exp}.best"
        rows.append(_replica_row(exp, m, st, _book_cell(bid)))
    for exp in ("ch3.winit30", "ch3.winit100"):
        for rid in run_ids(exp, scale):
            m = load_runs(results, [rid])[0]
            ev = m["evaluation_accuracy"]
            key = f"{exp}.{rid.rsplit('.', 1)[1]}"
            numbers[f"{key}.epoch0"] = _count(ev[0], m["n_evaluation"])
            if len(ev) >= 30:
                numbers[f"{key}.epoch29"] = _count(ev[29], m["n_evaluation"])
            rows.append(_replica_row(rid, m, seed_statistics([m]), ""))
    for rid in run_ids("ch3.multi_eta", scale):
        m = load_runs(results, [rid])[0]
        tc = m["training_cost"]
        numbers[f"{rid}.epoch0"] = round(float(tc[0]), 6)
        if len(tc) >= 30:
            numbers[f"{rid}.epoch29"] = round(float(tc[29]), 6)
        if rid.endswith("eta2.5"):
            numbers[f"{rid}.max"] = round(float(max(tc)), 6)
        rows.append({"run": rid, "kind": "replica", "n train": m["n_training"], "epochs": len(tc),
                     "book": "", "best %": "", "at epoch": "", "final %": "",
                     "final training cost": _fmt(float(tc[-1]), d=4)})
    return rows


def _replica_row(run, m, st, book):
    return {"run": run, "kind": "replica", "n train": m["n_training"], "epochs": st["epochs"], "book": book,
            "best %": _fmt(st["book_statistic"]), "at epoch": st["book_statistic_epoch"],
            "final %": _fmt(st["final_mean"])}


OUR_BOOK_IDS = {"ch3.ce30": "ch3.ce30.best", "ch3.ce100": "ch3.ce100.best", "ch3.l2_100": "ch3.l2_100.best",
                "ch3.l2_100_tuned": "ch3.l2_100_tuned.best", "ch3.overfit_full_ours": "ch3.overfit_full.best_test",
                "ch3.l2_full_ours": "ch3.l2_full.best"}
HP_TRANSCRIPT = {"ch3.hp.bad": [0, 1, 2, 27, 28, 29], "ch3.hp.784_10_a": [0, 1, 2],
                 "ch3.hp.784_10_b": [0, 1, 2, 3], "ch3.hp.784_10_c": [0, 1, 2, 3], "ch3.hp.784_10_d": [0, 1, 2, 3]}


def our_rows(results, scale, numbers):
    """One row per our-seed experiment with an accuracy monitor (not more_data_ours)."""
    rows = []
    for exp in our_experiments():
        if exp.startswith("ch3.more_data_ours."):
            continue
        runs = load_runs(results, run_ids(exp, scale))
        row = {"run": exp, "kind": f"ours ({len(runs)} seeds)", "n train": runs[0]["n_training"],
               "epochs": max(m["epochs_run"] for m in runs), "book": _book_cell(OUR_BOOK_IDS.get(exp, ""))}
        if runs[0]["evaluation_accuracy"]:
            st = seed_statistics(runs)
            row.update({"best %": _fmt(st["book_statistic"]), "at epoch": st["book_statistic_epoch"],
                        "final %": _fmt(st["final_of_book_seed"]),
                        "best % over seeds": _fmt(st["best_mean"], st["best_sd"]),
                        "final % over seeds": _fmt(st["final_mean"], st["final_sd"]),
                        "epochs run over seeds": _fmt(np.mean([m["epochs_run"] for m in runs]),
                                                      np.std([m["epochs_run"] for m in runs], ddof=1)
                                                      if len(runs) > 1 else 0.0, 1)})
            numbers[f"{exp}.best_mean"] = round(st["best_mean"], 4)
            numbers[f"{exp}.final_mean"] = round(st["final_mean"], 4)
            if exp in OUR_BOOK_IDS and not exp.endswith("_ours"):   # the replicas own overfit_full's, l2_full's ids
                numbers[OUR_BOOK_IDS[exp]] = round(st["book_statistic"], 4)
            elif exp in OUR_BOOK_IDS:
                numbers[f"{exp}.best"] = round(st["book_statistic"], 4)
                if exp == "ch3.ce100":
                    numbers["ch3.ce100.error_rate"] = round(100.0 - st["book_statistic"], 4)
            chosen = runs[0]["evaluation_accuracy"]   # a transcript is one run: seed 0
            for e in HP_TRANSCRIPT.get(exp, []):
                if e < len(chosen):
                    numbers[f"{exp}.epoch{e}"] = _count(chosen[e], runs[0]["n_evaluation"])
        if runs[0]["training_cost"] and not runs[0]["evaluation_accuracy"]:
            final = [m["training_cost"][-1] for m in runs]
            row["final training cost"] = _fmt(float(np.mean(final)), float(np.std(final, ddof=1))
                                              if len(final) > 1 else 0.0, 4)
            numbers[f"{exp}.final_cost_mean"] = round(float(np.mean(final)), 6)
        if exp == "ch3.halve_eta":
            row["final eta over seeds"] = " ".join(f"{m['eta'][-1]:.4g}" for m in runs)
        rows.append(row)
    return rows


def problem_notes(results, scale):
    """Say, from the runs, what the problems found (P3.1, P3.3/3.4, E3.5, P3.6)."""
    def stat(exp):
        st = seed_statistics(load_runs(results, run_ids(exp, scale)))
        return st["best_mean"], st["best_sd"], st["final_mean"]

    lines = []
    base = stat("ch3.unregularized")
    l1 = {e: stat(e) for e in ("ch3.l1_0.5", "ch3.l1_2")}
    best = max(l1, key=lambda e: l1[e][0])
    beats = l1[best][0] > base[0]
    lines.append(f"- P3.1 (L1): best lambda_1 here is {best.split('_', 1)[1]} with peak validation accuracy "
                 f"{l1[best][0]:.2f} ± {l1[best][1]:.2f}% against {base[0]:.2f} ± {base[1]:.2f}% unregularised: "
                 f"it {'beats' if beats else 'does NOT beat'} the unregularised run at this scale.")
    for a, b in (("ch3.early_stop", "ch3.windowed"), ("ch3.early_stop_b", "ch3.windowed_b"),
                 ("ch3.early_stop_c", "ch3.windowed_c")):
        ra, rb = (load_runs(results, run_ids(x, scale)) for x in (a, b))
        ea, eb = (np.mean([m["epochs_run"] for m in r]) for r in (ra, rb))
        lines.append(f"- P3.4 {a} vs {b}: no-improvement-in-10 stops after {ea:.1f} epochs (peak "
                     f"{stat(a)[0]:.2f}%), windowed after {eb:.1f} (peak {stat(b)[0]:.2f}%).")
    h = load_runs(results, run_ids("ch3.halve_eta", scale))
    lines.append(f"- E3.5 halve-eta: {np.mean([m['epochs_run'] for m in h]):.1f} epochs on average, peak "
                 f"{stat('ch3.halve_eta')[0]:.2f}%; stopped by the 1/128 rule in "
                 f"{sum(m['stopped_early'] for m in h)} of {len(h)} seeds.")
    w = stat("ch3.winit30_new")
    for e in ("ch3.momentum0.5", "ch3.momentum0.9"):
        s = stat(e)
        lines.append(f"- P3.6 {e}: peak {s[0]:.2f} ± {s[1]:.2f}% against {w[0]:.2f} ± {w[1]:.2f}% without "
                     f"momentum (ch3.winit30_new, same eta 0.1).")
    return "\n".join(lines)


def parameter_counts():
    """ch3.params: weights and biases of [784,30,10] (23,860) and [784,100,10] (79,510)."""
    from ..engine import Network

    return {"ch3.params.net30": Network([784, 30, 10]).n_params,
            "ch3.params.net100": Network([784, 100, 10]).n_params}


@table("ch3.results")
def results_table(inputs, scale):
    results = inputs.get("results", "results")
    numbers = {}
    rows = replica_rows(results, scale, numbers) + our_rows(results, scale, numbers)
    numbers.update(parameter_counts())
    comp = replica_comparison_rows(results, scale)
    for r in comp:
        if r["same data"]:
            numbers[f"{r['run']}.{r['monitor']}.book_epochs_exact"] = r["exact"]
    notes = ["**Replicas against the author's stored series** (book_catalog_ch1-3.md section 6; "
             "accuracies must be equal, costs equal to the stored decimals; at small scales the "
             "data are capped, and a monitor on other data than the book's is not compared):", "",
             "| run | monitor | n train | n eval | epochs compared | exact | first miss | max abs diff |",
             "|---|---|---|---|---|---|---|---|"]
    for r in comp:
        if not r["same data"]:
            notes.append(f"| {r['run']} | {r['monitor']} | {r['n_train']} | {r['n_eval']} | "
                         f"not comparable (other data than the book's) | | | |")
            continue
        notes.append(f"| {r['run']} | {r['monitor']} | {r['n_train']} | {r['n_eval']} | {r['compared']} | "
                     f"{r['exact']} | {'' if r['first_miss'] is None else r['first_miss']} | {r['max_diff']:.4g} |")
    notes += ["", "**Problems** (our seeds):", "", problem_notes(results, scale), "", """\
Conventions. "best %" is the best epoch's accuracy (replica: its one run; ours: the best of the
first three seeds, the book's statistic) and "at epoch" counts from 0 as the stored JSONs do;
"final %" is the last epoch. Replica runs use the book's streams in float64 (rng: nielsen);
our-seed runs use float32 and 5 seeds (fewer at small scales). Accuracy is on the run's own
evaluation set (test or validation, as the book's call). The hp.* numbers `.epochK` are seed 0's
transcript. The gap of overfit_full is 97.86 - 95.33 = 2.53 (the book prints 1.53, a misprint)."""]
    return pd.DataFrame(rows), "\n".join(notes), numbers


@table("ch3.more_data")
def more_data_table(inputs, scale):
    curves = more_data_curves(inputs, scale)
    numbers, rows = {}, []
    rep = dict(zip(curves["replica"]["n"].astype(int), curves["replica"]["acc"]))
    ours = {int(n): (a, s) for n, a, s in zip(curves["ours"]["n"], curves["ours"]["acc"], curves["ours"]["seeds"])}
    svm = dict(zip(curves["svm"]["n"].astype(int), curves["svm"]["acc"])) if "svm" in curves else {}
    for size, nn_book, svm_book in zip(MORE_DATA_SIZES, BOOK_MORE_DATA_NN, BOOK_MORE_DATA_SVM):
        if size not in rep and size not in ours and size not in svm:
            continue
        o = ours.get(size)
        rows.append({"size": size, "book NN %": nn_book, "replica NN %": _fmt(rep.get(size)),
                     "replica vs book": "" if size not in rep else
                     ("exact" if round(rep[size], 2) == nn_book else f"{rep[size] - nn_book:+.2f}"),
                     "ours NN % (seeds)": "" if o is None else _fmt(o[0], float(np.std(o[1], ddof=1))
                                                                   if len(o[1]) > 1 else 0.0),
                     "book SVM %": svm_book, "our SVM %": _fmt(svm.get(size))})
        if size in rep:
            numbers[f"ch3.more_data.nn.size{size}"] = round(rep[size], 4)
        if size in svm:
            numbers[f"ch3.more_data.svm.size{size}"] = round(svm[size], 4)
        if o is not None:
            numbers[f"ch3.more_data_ours.size{size}.mean"] = round(float(o[0]), 4)
    fit_rows = []
    for name in ("book_nn", "book_svm", "replica", "ours", "svm"):
        if name not in curves:
            continue
        f = fit_with_band(curves[name])
        if f is None:
            fit_rows.append(f"| {name} | too few distinct sizes ({len(curves[name]['n'])}) | | | |")
            continue
        numbers[f"ch3.p3_7.{name}.asymptote"] = round(f["a"], 4)
        fit_rows.append(f"| {name} | {f['a']:.2f} [{f['a_lo']:.2f}, {f['a_hi']:.2f}] | {f['b']:.4g} | "
                        f"{f['c']:.3f} | {np.sqrt(f['sse'] / len(curves[name]['n'])):.3f} |")
    notes = f"""\
Sizes: more_data.py's nine, each trained for 1,500,000/size epochs with lambda = size/10,000; a scale
that caps the training set (ci: {scale.get('train_size_max')}) collapses the larger sizes onto the cap,
so only the distinct sizes are trained (ours) or shown (the replica still trains all nine in the
script's order, to keep its random streams). Accuracy is on the validation data, once, after the last
epoch (from the saved weights), as more_data.py measured it. SVM: `rule svm`, the 2014 defaults.

**P3.7, beyond the book: acc(n) = a - b n^-c** fitted by least squares (a grid over c, linear in a, b),
the asymptote a (bounded by 100%) with a 68% bootstrap interval (over seeds for ours, over points
otherwise):

| curve | asymptote a (%) | b | c | rms residual |
|---|---|---|---|---|
""" + "\n".join(fit_rows) + """

An asymptote is an extrapolation of a handful of points: read it as "where this curve is heading"
under the model, not as a prediction of what more data would give."""
    return pd.DataFrame(rows), notes, numbers
