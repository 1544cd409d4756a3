"""Chapter 5's figures from trained and freshly drawn networks (docs/fidelity.md, "Chapter 5: the speed of learning").

- ``ch5.initial_gradient`` (fig5.05): the signed mean dC/db of the top six neurons of each hidden layer
  of a freshly drawn [784, 30, 30, 10] net, as bars on the neurons;
- ``ch5.training_speed_{2,3,4}_layers`` (fig5.06-08): ||delta^l|| of each hidden layer during 500 epochs
  of full-batch gradient descent, log y axis, generate_gradient.py's look;
- beyond the book: ``ch5.training_speed_4_layers_sgd`` (the same with mini-batches of 10) and
  ``ch5.cures`` (tanh, ReLU + He, deeper sigmoid nets: speed curves and accuracy side by side)."""

from __future__ import annotations

import numpy as np

from ..config import root_seed
from ..config import load_experiments
from ..experiments import run_ids
from ..experiments.ch5 import (INITIAL, cure_experiments, initial_network, mean_bias_gradient, probe_data,
                               speed_curves)
from ..experiments.summary import accuracy_percent, load_runs
from ..errors import NnsciError
from . import figure
from .style import GREY, new_figure, save

# generate_gradient.py's line colours, one per hidden layer.
LAYER_COLORS = ["#2A6EA6", "#FFA933", "#FF5555", "#55FF55"]
BAR_COLOR = "#FFA933"
SHOWN_NEURONS = 6       # the widget draws the top six neurons of each hidden layer


# -- fig5.05 -------------------------------------------------------------------------------------------


@figure("ch5.initial_gradient")
def initial_gradient(out, inputs, scale):
    """The bars of fig5.05: delta^1 and delta^2 of the first six neurons, for draw 0 of ch5.grad0.2.

    Seed dependent, like the book's; what it shows is that the second layer's bars are mostly much
    larger than the first's."""
    if "mnist" not in inputs:
        raise NnsciError("ch5.initial_gradient needs --input mnist=PATH")
    from ..config import run_seed_sequence
    from ..data.mnist import load_mnist

    net = initial_network(INITIAL[2], run_seed_sequence(root_seed(inputs), "ch5.grad0.2.s0"))
    data = probe_data(load_mnist(inputs["mnist"]))
    deltas = [mean_bias_gradient(net, data, l)[:SHOWN_NEURONS] for l in (1, 2)]

    fig, ax = new_figure(figsize=(6, 5))
    ax.grid(False)
    xs, ys = (0.0, 2.5), np.arange(SHOWN_NEURONS)[::-1] * 1.0
    for y1 in ys:
        for y2 in ys:
            ax.plot(xs, (y1, y2), color="#BBBBBB", lw=0.6, zorder=1)
    scale_bar = 0.8 / max(float(np.abs(np.concatenate(deltas)).max()), 1e-12)   # tallest bar: 0.8 units
    for x, d in zip(xs, deltas):
        for y, g in zip(ys, d):
            ax.add_patch(_circle(x, y))
            ax.add_patch(_bar(x, y, g * scale_bar))
            ax.annotate(f"{g:+.4f}", (x + (-0.2 if x == 0 else 0.2), y), ha="right" if x == 0 else "left",
                        va="center", fontsize=8, color=GREY)
    ax.set_xlim(-1.3, 3.8)
    ax.set_ylim(-0.9, SHOWN_NEURONS + 0.1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.text(0, SHOWN_NEURONS - 0.45, "hidden layer 1", ha="center")
    ax.text(2.5, SHOWN_NEURONS - 0.45, "hidden layer 2", ha="center")
    ax.set_title("dC/db at initialisation, [784, 30, 30, 10] (seed ch5.grad0.2.s0)", fontsize=9)
    save(fig, out)


def _circle(x, y):
    from matplotlib.patches import Circle

    return Circle((x, y), 0.16, facecolor="white", edgecolor="#333333", lw=1.0, zorder=2)


def _bar(x, y, height):
    """A bar standing on the neuron's centre, up for positive dC/db."""
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.05, y), 0.1, height, facecolor=BAR_COLOR, edgecolor="none", zorder=3)


# -- fig5.06-08 and the mini-batch variant ----------------------------------------------------------


def speed_figure(out, inputs, scale, experiment, title):
    """One line per hidden layer for seed 0, the other seeds thin and faint; log y axis."""
    runs = load_runs(inputs.get("results", "results"), run_ids(experiment, scale))
    curves = [speed_curves(m) for m in runs]
    fig, ax = new_figure(figsize=(8, 6))
    for k, c in reversed(list(enumerate(curves))):
        epochs = np.arange(len(c))
        for l in range(c.shape[1]):
            ax.plot(epochs, c[:, l], color=LAYER_COLORS[l % len(LAYER_COLORS)],
                    lw=1.5 if k == 0 else 0.6, alpha=1.0 if k == 0 else 0.35,
                    label=f"Hidden layer {l + 1}" if k == 0 else None)
    ax.set_yscale("log")
    ax.set_xlim(0, len(curves[0]))
    ax.set_xlabel("Number of epochs of training")
    ax.set_title(title)
    ax.legend(loc="upper right")
    if len(curves) > 1:
        others = "seed 1" if len(curves) == 2 else f"seeds 1-{len(curves) - 1}"
        ax.text(0.01, 0.01, f"thick: seed 0; thin: {others}", transform=ax.transAxes,
                fontsize=8, color=GREY)
    save(fig, out)


def _register_speed(n_hidden):
    figure(f"ch5.training_speed_{n_hidden}_layers",
           doc=f"Figure 5.{n_hidden + 4}: the speed of learning (the norm of the gradient of each "
               f"hidden layer) per epoch of ch5.speed{n_hidden}, a network with {n_hidden} hidden "
               "layers trained on full-batch gradient descent; thick: seed 0.")(
        lambda out, inputs, scale: speed_figure(out, inputs, scale, f"ch5.speed{n_hidden}",
                                                f"Speed of learning: {n_hidden} hidden layers"))


for _n in (2, 3, 4):
    _register_speed(_n)


@figure("ch5.training_speed_4_layers_sgd")
def training_speed_4_layers_sgd(out, inputs, scale):
    """Beyond the book's figures: the speed of learning of figure 5.8's four hidden layers under
    mini-batch SGD (mini-batch 10, ch5.speed4_sgd) instead of full-batch gradient descent."""
    speed_figure(out, inputs, scale, "ch5.speed4_sgd",
                 "Speed of learning: 4 hidden layers, mini-batch SGD (mb 10)")


# -- beyond the book: what cures it ---------------------------------------------------------------


@figure("ch5.cures")
def cures(out, inputs, scale):
    """One panel of per-layer speed curves per run (seed 0), and the validation accuracy of all.

    Hidden layers are coloured from dark (first) to light (last), so a fan of lines is a gradient
    that shrinks layer by layer and a bundle is one that does not."""
    import matplotlib

    results = inputs.get("results", "results")
    specs = load_experiments("ch5")
    exps = cure_experiments()
    n_cols = 4
    n_rows = (len(exps) + 1 + n_cols - 1) // n_cols
    fig, axes = new_figure(n_rows, n_cols, figsize=(4 * n_cols, 3.2 * n_rows), squeeze=False)
    axes = axes.ravel()
    cmap = matplotlib.colormaps["viridis"]
    accuracy = []
    for ax, exp in zip(axes, exps):
        runs = load_runs(results, run_ids(exp, scale))
        c = speed_curves(runs[0])
        n = c.shape[1]
        for l in range(n):
            ax.plot(np.arange(len(c)), c[:, l], color=cmap(l / max(n - 1, 1) * 0.9), lw=1.3,
                    label=f"layer {l + 1}" if l in (0, n - 1) else None)
        ax.set_yscale("log")
        best = np.array([accuracy_percent(m).max() for m in runs])
        accuracy.append((exp, best))
        ax.set_title(f"{exp.split('.', 2)[2]}: {n} x {specs[exp].get('hidden', 'sigmoid')}, "
                     f"{best.mean():.1f}%", fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.legend(loc="lower left", fontsize=7)
    ax = axes[len(exps)]
    names = [e.split(".", 2)[2] for e, _ in accuracy]
    ax.barh(np.arange(len(names)), [b.mean() for _, b in accuracy],
            xerr=[b.std(ddof=1) if len(b) > 1 else 0 for _, b in accuracy], color=LAYER_COLORS[0])
    ax.set_yticks(np.arange(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("best validation accuracy (%), mean over seeds", fontsize=8)
    for extra in axes[len(exps) + 1:]:
        extra.set_visible(False)
    fig.suptitle("Speed of learning ||delta^l|| per hidden layer (seed 0) and accuracy", fontsize=11)
    fig.tight_layout()
    save(fig, out)
