"""Chapter 3's training-curve figures (docs/fidelity.md, "Chapter 3's figures"), from the replica
runs, with the author's stored series (config/reference/book_series.yaml) drawn beside ours where we have them;
and small figures for the problems (L1, early stopping, halve-eta, momentum) and P3.7's fits.

Axes, titles and colours follow the figure scripts: blue #2A6EA6 first, orange #FFA933 second;
multiple_eta's three colours are the script's own."""

from __future__ import annotations

import numpy as np

from ..experiments import ch3_runs, ch3_stats
from ..experiments import run_ids
from ..experiments.summary import accuracy_percent, load_runs
from . import figure
from .style import BLUE, COLORS, GREY, ORANGE, new_figure, save



def _run(inputs, scale, run):
    results = inputs.get("results", "results")
    return load_runs(results, [run])[0]


def _from_epoch(n_epochs, book_min):
    """The book's x-minimum where the run is long enough, else 0 (small scales)."""
    return book_min if n_epochs > book_min + 1 else 0


def _book_points(run, kind, scale_to=1.0):
    series = ch3_runs.book_series().get(run, {}).get(kind)
    if series is None:
        return None, None
    pairs = sorted(ch3_stats._book_pairs(series))
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs], float) * scale_to


def _curve(out, inputs, scale, run, kind, title, book_min):
    """One monitor of one replica run against the epoch, from ``book_min`` on (figures 3.8-3.11, 3.13-3.14)."""
    m = _run(inputs, scale, run)
    y = accuracy_percent(m, kind) if "accuracy" in kind else np.asarray(m[kind], float)
    x0 = _from_epoch(len(y), book_min)
    epochs = np.arange(len(y))
    fig, ax = new_figure(figsize=(6, 4))
    ax.plot(epochs[x0:], y[x0:], color=BLUE, lw=1.2, label="ours (replica)")
    # The book's stored points, where our run is on the same data as the book's.
    same_data = m["n_evaluation"] == 10000 or kind.startswith("training")
    scale_to = {"evaluation_accuracy": 0.01, "training_accuracy": 100.0 / 1000}.get(kind, 1.0)
    bx, by = _book_points(run, kind, scale_to)
    if bx is not None and same_data:
        keep = (bx >= x0) & (bx < len(y))
        ax.plot(bx[keep], by[keep], "o", ms=4, mfc="none", color=GREY, label="book (stored)")
    ax.set_xlim(x0, max(len(y), x0 + 1))
    ax.set_title(title)
    ax.set_xlabel("Epoch")
    ax.legend(loc="best", fontsize=8)
    save(fig, out)


def _overlay(out, inputs, scale, run):
    """Test and training accuracy (%) of a 50,000-image replica (figures 3.12 and 3.15), ylim 90-100."""
    m = _run(inputs, scale, run)
    ev, tr = accuracy_percent(m, "evaluation_accuracy"), accuracy_percent(m, "training_accuracy")
    fig, ax = new_figure(figsize=(6, 4))
    ax.plot(ev, color=BLUE, label="Accuracy on the test data")
    ax.plot(tr, color=ORANGE, label="Accuracy on the training data")
    bx, by = _book_points(run, "evaluation_accuracy", 0.01)
    if bx is not None and m["n_evaluation"] == 10000:
        ax.plot(bx[bx < len(ev)], by[bx < len(ev)], ls="--", color=GREY, lw=0.8, label="test, book (stored)")
    ax.set_xlim(0, max(len(ev) - 1, 1))
    lo = min(90.0, float(min(ev.min(), tr.min())) - 1)
    ax.set_ylim(lo, 100)
    ax.set_xlabel("Epoch")
    ax.legend(loc="lower right", fontsize=8)
    save(fig, out)


# The run each figure draws is ch3_runs.FIGURE_RUNS[name] (the rules read the same mapping).
RUNS = ch3_runs.FIGURE_RUNS

CURVES = {
    "overfitting1": ("training_cost", "Cost on the training data", 200),
    "overfitting2": ("evaluation_accuracy", "Accuracy (%) on the test data", 200),
    "overfitting3": ("evaluation_cost", "Cost on the test data", 0),
    "overfitting4": ("training_accuracy", "Accuracy (%) on the training data", 0),
    "regularized1": ("training_cost", "Cost on the training data", 200),
    "regularized2": ("evaluation_accuracy", "Accuracy (%) on the test data", 200),
}


# The book's figure number of each curve.
CURVE_FIGURES = {"overfitting1": "3.8", "overfitting2": "3.9", "overfitting3": "3.10",
                 "overfitting4": "3.11", "regularized1": "3.13", "regularized2": "3.14"}


def _register_curve(name, args):
    doc = (f"Figure {CURVE_FIGURES[name]}: {args[1].lower()} per epoch of {RUNS[name][0]} "
           f"(1,000 training images{', L2 with lambda = 0.1' if 'regularized' in name else ''}), "
           f"from epoch {args[2]} at the full scale; dashed: the book's stored series.")
    figure(f"ch3.{name}", doc=doc)(
        lambda out, inputs, scale: _curve(out, inputs, scale, RUNS[name][0], *args))


for _name, _args in CURVES.items():
    _register_curve(_name, _args)


@figure("ch3.overfitting_full")
def overfitting_full(out, inputs, scale):
    """Figure 3.12: test and training accuracy per epoch of ch3.overfit_full (all 50,000 training
    images, no regularisation)."""
    _overlay(out, inputs, scale, RUNS["overfitting_full"][0])


@figure("ch3.regularized_full")
def regularized_full(out, inputs, scale):
    """Figure 3.15: test and training accuracy per epoch of ch3.l2_full (50,000 images, lambda = 5)."""
    _overlay(out, inputs, scale, RUNS["regularized_full"][0])


def weight_initialization(out, inputs, scale, script):
    """Validation accuracy, old (large) vs new (default) init (figures 3.30-3.31), ylim 85-100."""
    fig, ax = new_figure(figsize=(6, 4))
    lo, drew_book = 85.0, False
    for part, color, label in (("old", BLUE, "Old approach to weight initialization"),
                               ("new", ORANGE, "New approach to weight initialization")):
        m = _run(inputs, scale, f"{script}.{part}")
        acc = accuracy_percent(m)
        lo = min(lo, float(acc.min()) - 1)
        ax.plot(acc, color=color, label=label)
        bx, by = _book_points(f"{script}.{part}", "evaluation_accuracy", 0.01)
        if m["n_evaluation"] == 10000:
            ax.plot(bx[bx < len(acc)], by[bx < len(acc)], ls="--", lw=0.8, color=color, alpha=0.6)
            drew_book = True
    ax.set_xlim(0, max(len(acc) - 1, 1))
    ax.set_ylim(lo, 100)
    ax.set_title("Classification accuracy")
    ax.set_xlabel("Epoch")
    ax.legend(loc="lower right", fontsize=8, title="dashed: book (stored)" if drew_book else None,
              title_fontsize=7)
    save(fig, out)


for _n in (30, 100):
    figure(f"ch3.weight_initialization_{_n}",
           doc=f"Figure {'3.30' if _n == 30 else '3.31'}: validation accuracy per epoch of a "
               f"[784, {_n}, 10] network, old (N(0, 1)) against new (N(0, 1/n_in)) weight "
               f"initialisation (ch3.winit{_n}); dashed: the book's stored series.")(
        lambda out, inputs, scale, _n=_n: weight_initialization(out, inputs, scale,
                                                                RUNS[f"weight_initialization_{_n}"][0]))

ETA_COLORS = {"eta0.025": "#2A6EA6", "eta0.25": "#FFCD33", "eta2.5": "#FF7033"}


@figure("ch3.multiple_eta")
def multiple_eta(out, inputs, scale):
    """Training cost per epoch for three learning rates (figure 3.32); dashed: the book's stored costs."""
    fig, ax = new_figure(figsize=(6, 4))
    for rid in run_ids(RUNS["multiple_eta"][0], scale):
        key = rid.split("ch3.multi_eta.", 1)[1]
        m = _run(inputs, scale, rid)
        c = np.asarray(m["training_cost"], float)
        ax.plot(c, "o-", ms=3, color=ETA_COLORS[key], label=f"η = {key[3:]}")
        if m["n_training"] == 50000:
            bx, by = _book_points(rid, "training_cost")
            ax.plot(bx[bx < len(c)], by[bx < len(c)], ls="--", lw=0.8, color=ETA_COLORS[key])
    ax.set_xlim(0, 30 if len(c) >= 30 else max(len(c), 1))
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Cost")
    ax.legend(loc="upper right", fontsize=8)
    save(fig, out)


# ---- more data --------------------------------------------------------------------------------
def _more_data(out, inputs, scale, log, comparison=False, fit=False):
    curves = ch3_runs.more_data_curves(inputs, scale)
    fig, ax = new_figure(figsize=(6, 4))
    if comparison or fit:
        names = [("replica", BLUE, "Neural network accuracy (%)"), ("svm", ORANGE, "SVM accuracy (%)")]
    else:
        names = [("replica", BLUE, None)]
    for name, color, label in names:
        if name not in curves:
            continue
        c = curves[name]
        ax.plot(c["n"], c["acc"], color=color, label=label)
        ax.plot(c["n"], c["acc"], "o", color=ORANGE if not (comparison or fit) else color)
    o = curves["ours"]
    if len(o["seeds"]) and o["seeds"].shape[1] > 1:
        lo, hi = o["seeds"].min(axis=1), o["seeds"].max(axis=1)
        ax.fill_between(o["n"], lo, hi, color=BLUE, alpha=0.15, lw=0, label="NN, our seeds (range)")
    bk = curves["book_nn"]
    ax.plot(bk["n"], bk["acc"], ls="--", color=GREY, lw=0.8, label="NN, book (stored)")
    if comparison or fit:
        bs = curves["book_svm"]
        ax.plot(bs["n"], bs["acc"], ls=":", color=GREY, lw=0.8, label="SVM, book (stored)")
    if fit:
        grid = np.logspace(2, np.log10(5e5), 200)
        for name, color in (("ours", BLUE), ("svm", ORANGE), ("book_nn", GREY)):
            f = ch3_stats.fit_with_band(curves[name]) if name in curves else None
            if f is None:
                continue
            ys = np.array([ch3_stats.power_law(grid, {"a": a, "b": b, "c": c})
                           for a, b, c in zip(f["boot"]["a"], f["boot"]["b"], f["boot"]["c"])])
            ax.plot(grid, ch3_stats.power_law(grid, f), color=color, lw=0.8,
                    label=f"{name} fit: a = {f['a']:.1f}%")
            if len(ys) > 2:
                ax.fill_between(grid, np.percentile(ys, 16, axis=0), np.percentile(ys, 84, axis=0),
                                color=color, alpha=0.12, lw=0)
    if log or comparison or fit:
        ax.set_xscale("log")
        ax.set_xlim(100, 5e5 if fit else 50000)
    else:
        ax.set_xlim(0, 50000)
    ax.set_ylim(25 if (comparison or fit) else 60, 100)
    ax.set_title("Accuracy (%) on the validation data" if not (comparison or fit) else
                 ("P3.7: acc(n) = a - b n^-c, 68% bootstrap bands" if fit else ""))
    ax.set_xlabel("Training set size")
    ax.legend(loc="lower right", fontsize=7)
    save(fig, out)


figure("ch3.more_data", doc="Figure 3.21: validation accuracy against the training-set size "
       "(ch3.more_data, the book's script replicated; band: our seeds; dashed: the book's stored "
       "curve).")(lambda out, inputs, scale: _more_data(out, inputs, scale, log=False))
figure("ch3.more_data_log", doc="Figure 3.22 (and 3.25): the more-data curve of figure 3.21 on "
       "a log scale of training-set size.")(lambda out, inputs, scale: _more_data(out, inputs, scale, log=True))
figure("ch3.more_data_comparison", doc="Figure 3.26: the network's and the SVM's validation "
       "accuracy against the training-set size (log scale); dotted/dashed: the book's stored "
       "curves.")(lambda out, inputs, scale: _more_data(out, inputs, scale, True, True))
figure("ch3.more_data_fit", doc="Beyond the book's figures (problem P3.7): power laws "
       "acc(n) = a - b n^-c fitted to the more-data curves, with 68% bootstrap bands, extrapolated "
       "to 500,000 images.")(lambda out, inputs, scale: _more_data(out, inputs, scale, True, fit=True))


# ---- the problems: mean validation accuracy over seeds, with the seed range ------------------
def _seed_band(ax, inputs, scale, experiment, color, label, ls="-"):
    runs = load_runs(inputs.get("results", "results"), run_ids(experiment, scale))
    curves = [accuracy_percent(m) for m in runs]
    n = max(len(c) for c in curves)
    padded = np.full((len(curves), n), np.nan)
    for i, c in enumerate(curves):
        padded[i, :len(c)] = c
    x = np.arange(n)
    ax.plot(x, np.nanmean(padded, axis=0), color=color, lw=1.2, ls=ls, label=label)
    ax.fill_between(x, np.nanmin(padded, axis=0), np.nanmax(padded, axis=0), color=color, alpha=0.15, lw=0)
    for c in curves:   # where each seed stopped
        ax.plot(len(c) - 1, c[-1], "|", color=color, ms=8)


def _problem(out, inputs, scale, title, experiments):
    fig, ax = new_figure(figsize=(6, 4))
    for i, (exp, label) in enumerate(experiments):
        # a pair of stopping rules on one setup shares its colour; the windowed rule is dashed
        pairs = title.startswith("P3.3")
        color = COLORS[(i // 2 if pairs else i) % len(COLORS)]
        _seed_band(ax, inputs, scale, exp, color, label, ls="--" if pairs and i % 2 else "-")
    ax.set_title(title)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Validation accuracy (%)")
    ax.legend(loc="lower right", fontsize=8)
    save(fig, out)


# (title, a label for each experiment of RUNS[name], in its order)
PROBLEMS = {
    "l1": ("P3.1: L1 regularisation", ["unregularised", "L1, λ₁ = 0.5", "L1, λ₁ = 2"]),
    "early_stopping": ("P3.3/P3.4: early stopping (| = where a seed stopped)",
                       ["A, no improvement in 10", "A, windowed 10", "B, no improvement in 10", "B, windowed 10",
                        "C, no improvement in 10", "C, windowed 10"]),
    "halve_eta": ("E3.5: halve η after 10 epochs without improvement",
                  ["fixed η = 0.5, early stopping", "halving η"]),
    "momentum": ("P3.6: momentum (η = 0.1, λ = 5)", ["μ = 0", "μ = 0.5", "μ = 0.9"]),
}


def _register_problem(name, title, labels):
    if len(labels) != len(RUNS[name]):
        raise RuntimeError(f"ch3.{name}: {len(labels)} labels for {len(RUNS[name])} experiments")
    experiments = list(zip(RUNS[name], labels))
    doc = (f"Beyond the book's figures ({title}): validation accuracy per epoch, the mean over "
           f"seeds with their range as a band, of {', '.join(RUNS[name])}.")
    figure(f"ch3.{name}", doc=doc)(
        lambda out, inputs, scale: _problem(out, inputs, scale, title, experiments))


for _name, (_title, _labels) in PROBLEMS.items():
    _register_problem(_name, _title, _labels)
