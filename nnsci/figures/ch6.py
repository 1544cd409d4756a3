"""Chapter 6's figures (docs/fidelity.md, "The ensemble, its errors and the filters").

- ``ch6.digits`` (fig6.01/03): chapter 1's strip of the first six training images;
- ``ch6.ensemble_errors`` (fig6.02/15): conv.py's ``plot_errors``, a 5 x 8 grid of the vote's errors,
  the true label at the top right (24, 5) and the vote at the bottom right (24, 24);
- ``ch6.net_full_layer_0`` (fig6.10) and ``ch6.net_full_layer_1``: conv.py's ``plot_filters`` of the
  ensemble's first net, binary colour map (white = small weight, black = large);
- ``ch6.tanh``: the tanh problem's validation accuracy per epoch, tanh against sigmoid;
- ``ch6.lambda_sweep``: beyond the book, conv.py's lambda sweeps;
- ``ch6.toy_conv`` (fig6.13) and ``ch6.simple_conv`` (fig6.14): diagrams drawn from the layer plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine.network import load_network
from ..errors import NnsciError
from ..experiments import ch6 as X
from ..experiments import run_ids
from ..experiments.summary import load_runs
from . import figure
from .ch1 import digits as ch1_digits
from .style import BLUE, COLORS, ORANGE, new_figure, save

SIDE = 28


@figure("ch6.digits")
def digits(out, inputs, scale):
    """fig6.01 and fig6.03: the first six training images ("504192"), columns 3:25, side by side."""
    ch1_digits(out, inputs, scale)


def _cell(ax, image):
    ax.matshow(image, cmap="binary")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


@figure("ch6.ensemble_errors")
def ensemble_errors(out, inputs, scale):
    """conv.py's plot_errors: up to 40 errors on a 5 x 8 grid, true label top right, vote bottom right."""
    pred = X.load_predictions(inputs)
    wrong, voted = X.ensemble_errors(pred)
    rows, cols = X.GRID
    fig, axes = new_figure(rows, cols, figsize=(8, 5.5))
    images = pred["images"].reshape(-1, SIDE, SIDE)
    for k, ax in enumerate(np.ravel(axes)):
        if k < len(wrong):
            i = wrong[k]
            _cell(ax, images[i])
            ax.text(24, 5, str(int(pred["labels"][i])))
            ax.text(24, 24, str(int(voted[i])), color="red")
        else:
            ax.axis("off")
    fig.suptitle(f"the vote's errors: {len(wrong)} of {len(pred['labels'])} test images"
                 + (" (the first 40)" if len(wrong) > rows * cols else ""), fontsize=9)
    save(fig, out)


def filters(inputs, scale, layer, channel=0):
    """(maps, k, k) weights of conv layer ``layer`` (1-based) on input channel ``channel`` of
    the ensemble's first net, in Theano's stored orientation (what plot_filters draws)."""
    results = inputs.get("results", "results")
    run = run_ids(X.ENSEMBLE, scale)[0]
    spec = X._run_spec(results, run)
    net = load_network(Path(results) / "runs" / run / "weights.npz", spec)
    ly = net.layers[layer - 1]
    if ly.kind != "convpool":
        raise NnsciError(f"{run}: layer {layer} is {ly.kind}, not a conv layer")
    return net.weights(layer)[:, channel], run


def _filters_figure(out, inputs, scale, layer, cols, rows):
    w, run = filters(inputs, scale, layer)
    fig, axes = new_figure(rows, cols, figsize=(cols * 1.0, rows * 1.0))
    for k, ax in enumerate(np.ravel(axes)):
        if k < len(w):
            ax.imshow(w[k], cmap="binary", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.suptitle(f"{run}: conv layer {layer}" + (", input channel 0" if layer > 1 else ""), fontsize=8)
    save(fig, out)


@figure("ch6.net_full_layer_0")
def net_full_layer_0(out, inputs, scale):
    """fig6.10: plot_filters(nets[0], 0, 5, 4): the 20 first-layer 5x5 filters, 5 columns x 4 rows."""
    _filters_figure(out, inputs, scale, 1, 5, 4)


@figure("ch6.net_full_layer_1")
def net_full_layer_1(out, inputs, scale):
    """plot_filters(nets[0], 1, 8, 5): the 40 second-layer filters on input channel 0, 8 x 5."""
    _filters_figure(out, inputs, scale, 2, 8, 5)


@figure("ch6.tanh")
def tanh_figure(out, inputs, scale):
    """The tanh problem: validation accuracy per epoch of tanh and sigmoid ch6.conv2, every seed."""
    results = inputs.get("results", "results")
    fig, ax = new_figure(figsize=(7, 4.5))
    for exp, color in zip(X.TANH, (ORANGE, BLUE)):
        for k, m in enumerate(load_runs(results, run_ids(exp, scale))):
            acc = 100.0 * np.asarray(m["evaluation_accuracy"], float) / m["n_evaluation"]
            ax.plot(np.arange(len(acc)), acc, color=color, alpha=1.0 if k == 0 else 0.5,
                    label=f"{exp} ({'tanh' if 'tanh' in exp else 'sigmoid'})" if k == 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title("tanh against sigmoid (every seed)")
    ax.legend(loc="lower right")
    save(fig, out)


@figure("ch6.lambda_sweep")
def lambda_sweep(out, inputs, scale):
    """conv.py's lambda sweeps: test accuracy at best validation against lambda, seeds as dots."""
    results = inputs.get("results", "results")
    fig, ax = new_figure(figsize=(7, 4.5))
    labels = []
    for sweep, color in zip(X.SWEEPS, COLORS):
        pts = X.sweep_points(results, sweep, scale)
        labels = sorted({l for l, _ in pts} | set(labels))
    pos = {l: i for i, l in enumerate(labels)}   # lambda 0 on a log axis: categorical positions
    for (sweep, what), color in zip(X.SWEEPS.items(), COLORS):
        pts = X.sweep_points(results, sweep, scale)
        xs = [pos[l] for l, _ in pts]
        ax.plot(xs, [st["mean"] for _, st in pts], "-o", color=color, label=f"{sweep} ({what})")
        for x, (_, st) in zip(xs, pts):
            ax.plot([x] * len(st["tests"]), st["tests"], ".", color=color, alpha=0.5)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([f"{l:g}" for l in labels])
    ax.set_xlabel("lambda (network3's L2 penalty)")
    ax.set_ylabel("test accuracy at best validation (%)")
    ax.legend(loc="lower left", fontsize=8)
    save(fig, out)


def _diagram(out, plan, title):
    """Boxes from a layer plan: the input, each ConvPool layer as convolution and pooling, each
    dense layer, the output; the shapes come from the plan."""
    stages = [(f"{'×'.join(str(s) for s in plan.input_shape[1:])}\ninput neurons", plan.input_shape)]
    for ly in plan.layers:
        if ly.kind == "convpool":
            m, h, w = ly.conv_shape
            stages.append((f"{m}×{h}×{w}\nconvolutional\n({ly.k}×{ly.k} fields)", ly.conv_shape))
            stages.append((f"{ly.out_shape[0]}×{ly.out_shape[1]}×{ly.out_shape[2]}\n{ly.pool}×{ly.pool} max-pooling",
                           ly.out_shape))
        elif ly.kind == "dense":
            stages.append((f"{ly.n_out} {ly.activation}\nneurons", ly.out_shape))
        else:
            stages.append((f"{ly.n_out} neuron output\n(softmax)", ly.out_shape))
    fig, ax = new_figure(figsize=(2.0 * len(stages), 3))
    ax.set_xlim(0, len(stages))
    ax.set_ylim(0, 1)
    ax.axis("off")
    for i, (text, shape) in enumerate(stages):
        side = shape[-1] if len(shape) == 3 else 0
        h = 0.2 + 0.5 * (side / 28 if side else min(1.0, shape[0] / 100) * 0.6)
        ax.add_patch(_rect(i + 0.2, 0.55 - h / 2, 0.6, h))
        ax.text(i + 0.5, 0.12, text, ha="center", va="center", fontsize=8)
        if i:
            ax.annotate("", xy=(i + 0.2, 0.55), xytext=(i - 0.2, 0.55), arrowprops={"arrowstyle": "->"})
    ax.set_title(title, fontsize=9)
    save(fig, out)


def _rect(x, y, w, h):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor="#DDE8F3", edgecolor=BLUE)


@figure("ch6.toy_conv")
def toy_conv(out, inputs, scale):
    """fig6.13: 28x28 -> 3x24x24 -> 3x12x12 -> 10 outputs, from the toy net's layer plan."""
    _diagram(out, X.toy_plan(), "fig6.13: the toy convolutional network")


@figure("ch6.simple_conv")
def simple_conv(out, inputs, scale):
    """fig6.14: 28x28 -> 20x24x24 -> 20x12x12 -> 100 sigmoid -> 10 softmax (ch6.conv1's plan)."""
    _diagram(out, X.simple_conv_plan(), "fig6.14: ch6.conv1")
