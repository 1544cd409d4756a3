"""Chapter 7's figures (beyond the book, issue 15).

- ``ch7.optimizers``: validation accuracy per epoch of each optimiser at its chosen rate (mean over
  seeds), one panel per data set and net;
- ``ch7.lr_grid``: the learning-rate grids: mean best validation accuracy against eta per optimiser;
- ``ch7.gradients_mnist``, ``ch7.gradients_fashion``: chapter 5's speed-of-learning curves (seed 0)
  for each of the 18 configurations, and the accuracy of all (chapter 5's ``ch5.cures`` style);
- ``ch7.modern``: each seed's validation and test accuracy per epoch against the book's ensemble."""

from __future__ import annotations

import numpy as np

from ..experiments import ch7 as X
from ..experiments import run_ids
from ..experiments.summary import load_runs
from . import figure
from .style import GREY, new_figure, save

COLORS = ["#2A6EA6", "#FFA933", "#FF5555", "#55AA55", "#9467BD", "#8C564B", "#E377C2", "#17BECF"]


def _optimizer_panels(out, inputs, scale, draw, xlabel, ylabel, legend_loc, log_x=False):
    """Experiment 1's 2 x 2 panels (data set x net): ``draw(ax, result, colour, optimiser)`` draws
    each optimiser's line in each panel."""
    res = X.optimizer_results(inputs.get("results", "results"), scale)
    fig, axes = new_figure(2, 2, figsize=(12, 9), squeeze=False)
    panels = [(d, n) for d in X.DATASETS for n in X.OPT_NETS]
    for ax, (d, n) in zip(axes.ravel(), panels):
        for c, o in zip(COLORS, X.OPTIMIZERS):
            draw(ax, res[(d, n, o)], c, o)
        if log_x:
            ax.set_xscale("log")
        ax.set_title(f"{X.DATASET_LABELS[d]}, {X.NET_LABELS[n]}", fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc=legend_loc, fontsize=7)
    fig.tight_layout()
    save(fig, out)


@figure("ch7.optimizers")
def optimizers(out, inputs, scale):
    """Experiment 1: validation accuracy per epoch (mean over seeds) of eight optimisers, each at the
    learning rate chosen on validation, on [784, 30, 10] and [784, 100, 10], MNIST and Fashion-MNIST."""
    def draw(ax, r, c, o):
        p = r["points"][r["chosen"]]
        curves = np.array([X.percent(m["evaluation_accuracy"], m["n_evaluation"]) for m in p["runs"]])
        ep = np.arange(1, curves.shape[1] + 1)
        ax.plot(ep, curves.mean(axis=0), color=c, lw=1.4, marker="o" if len(ep) < 4 else None, ms=3,
                label=f"{X.OPT_LABELS[o]} (eta {p['eta']:g})")

    _optimizer_panels(out, inputs, scale, draw, "epoch", "validation accuracy (%), mean over seeds",
                      "lower right")


@figure("ch7.lr_grid")
def lr_grid(out, inputs, scale):
    """Experiment 1's learning-rate grids: mean (over seeds) best validation accuracy against eta for
    each optimiser; the chosen rate circled."""
    def draw(ax, r, c, o):
        etas = [p["eta"] for p in r["points"]]
        vals = [np.mean([s["best_validation"] for s in p["summaries"]]) for p in r["points"]]
        ax.plot(etas, vals, color=c, lw=1.2, marker="o", ms=3, label=X.OPT_LABELS[o])
        ax.plot([etas[r["chosen"]]], [vals[r["chosen"]]], "o", ms=9, mfc="none", color=c)

    _optimizer_panels(out, inputs, scale, draw, "learning rate eta",
                      "best validation accuracy (%), mean over seeds", "lower left", log_x=True)


def gradients_figure(out, inputs, scale, dataset):
    import matplotlib

    results = inputs.get("results", "results")
    exps = X.gradient_experiments(dataset)
    n_cols = 6
    n_rows = len(exps) // n_cols + 1
    fig, axes = new_figure(n_rows, n_cols, figsize=(3.2 * n_cols, 2.8 * n_rows), squeeze=False)
    cmap = matplotlib.colormaps["viridis"]
    flat = axes.ravel()
    acc = []
    for ax, exp in zip(flat, exps):
        runs = load_runs(results, run_ids(exp, scale))
        c = X.weight_speed_curves(runs[0])
        n = c.shape[1]
        for l in range(n):
            ax.plot(np.arange(len(c)), np.maximum(c[:, l], 1e-12), color=cmap(l / max(n - 1, 1) * 0.9), lw=1.2,
                    marker="o" if len(c) < 4 else None, ms=2,
                    label=f"layer {l + 1}" if l in (0, n - 1) else None)
        ax.set_yscale("log")
        best = np.array([X.percent(m["evaluation_accuracy"], m["n_evaluation"]).max() for m in runs])
        _, _, _, a, k = exp.split(".")
        depth, norm = X.describe_depth(k)
        acc.append((f"{a} {k}", best))
        ax.set_title(f"{a}, {depth} layers, {norm}: {best.mean():.1f}%", fontsize=8)
        ax.set_xlabel("epoch", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(loc="lower left", fontsize=6)
    for extra in flat[len(exps):]:
        extra.set_visible(False)
    ax = flat[len(exps)]
    ax.set_visible(True)
    ax.barh(np.arange(len(acc)), [b.mean() for _, b in acc],
            xerr=[b.std(ddof=1) if len(b) > 1 else 0 for _, b in acc], color=COLORS[0])
    ax.set_yticks(np.arange(len(acc)), [a for a, _ in acc], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("best validation %", fontsize=7)
    fig.suptitle(f"{X.DATASET_LABELS[dataset]}: speed of learning ||dC/dW^l|| per hidden layer (seed 0) "
                 "and accuracy", fontsize=11)
    fig.tight_layout()
    save(fig, out)


for _d in X.DATASETS:
    figure(f"ch7.gradients_{_d}",
           doc=f"Experiment 2 on {X.DATASET_LABELS[_d]}: chapter 5's speed of learning (its probe's "
               "weight-gradient norm ||dC/dW^l||) per "
               "hidden layer (seed 0) for sigmoid (Xavier), ReLU and GELU (He) nets of 4 and 8 hidden "
               "layers without normalisation, with BatchNorm and with LayerNorm, and their validation "
               "accuracy (mean and sd over seeds).")(
        lambda out, inputs, scale, _d=_d: gradients_figure(out, inputs, scale, _d))


@figure("ch7.modern")
def modern(out, inputs, scale):
    """Experiment 3: chapter 6's final network with AdamW, one-cycle and on-the-fly augmentation:
    validation (thin) and test (thick) accuracy per epoch of each seed, and the book's ensemble."""
    runs = load_runs(inputs.get("results", "results"), run_ids(X.MODERN, scale))
    fig, ax = new_figure(figsize=(8, 6))
    for c, m in zip(COLORS, runs):
        ep = np.arange(1, m["epochs_run"] + 1)
        ax.plot(ep, X.percent(m["evaluation_accuracy"], m["n_evaluation"]), color=c, lw=0.8, alpha=0.6)
        ax.plot(ep, X.percent(m["test_accuracy"], m["n_test"]), color=c, lw=1.6, label=m["run"])
    ax.axhline(X.BOOK_ENSEMBLE, color=GREY, ls="--", lw=1, label=f"book's ensemble of 5: {X.BOOK_ENSEMBLE}%")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.set_title("ch6.dropout's net, AdamW + one-cycle + on-the-fly augmentation")
    ax.legend(loc="lower right", fontsize=8)
    save(fig, out)
