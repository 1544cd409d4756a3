"""Small drawing functions for the book's diagrams: a layered network, a single neuron with its
weights and bias, a chain of neurons, and the activation curve a neuron computes.

A diagram is described by a plain dict (its data: layer sizes from a layer plan, weights, the
activation), and :func:`draw` turns the dict into a figure, so tests check the data, not pixels.
The activation curves call the engine's own scalar rules (:mod:`nnsci.engine.functions`); the
perceptron's step is the book's 0 for z < 0, 1 otherwise."""

from __future__ import annotations

import numpy as np

from .ch4_draw import draw_network
from .style import BLUE, new_figure, plt, save

MAX_SHOWN = 8       # a layer with more neurons draws MAX_SHOWN - 1 of them and a "⋮"
CURVE_Z = (-5.0, 5.0)
GAP = 4.0           # between the columns of a layered network


# -- data ------------------------------------------------------------------------------


def plan_sizes(plan):
    """The layer sizes of a dense layer plan: the input's neuron count, then each layer's outputs."""
    sizes = [int(np.prod(plan.input_shape))]
    for ly in plan.layers:
        if len(ly.out_shape) != 1:
            raise ValueError(f"a {ly.kind} layer has no single size; draw it as a box diagram")
        sizes.append(int(ly.out_shape[0]))
    return sizes


def spec_plan(chapter, experiment):
    """The layer plan of one experiment of config/experiments/<chapter>.yaml, as training compiles it."""
    from ..config import load_experiments
    from ..engine.plan import compile_net

    s = load_experiments(chapter)[experiment]
    return compile_net(s["net"], hidden=s.get("hidden", "sigmoid"), cost=s.get("cost", "cross_entropy"))


def activation_curve(name, n=401):
    """(z, a(z)) on [-5, 5]: ``step`` is the perceptron's rule, any other name the engine's activation."""
    z = np.linspace(*CURVE_Z, n)
    if name == "step":
        return z, np.where(z < 0, 0.0, 1.0)
    from ..engine.functions import activate, activation_code

    kind = activation_code(name)
    return z, np.array([activate(float(v), kind) for v in z])


def perceptron_output(weights, bias, x):
    """The perceptron's output for input ``x``: 1 if w·x + b > 0, else 0 (the book's eq. 2)."""
    return int(np.dot(weights, x) + bias > 0)


# -- drawing -----------------------------------------------------------------------------


def _shown(n):
    return n if n <= MAX_SHOWN else MAX_SHOWN


def draw_layers(ax, sizes, names):
    """Columns of neurons, fully connected; a layer over MAX_SHOWN neurons ends in a "⋮"."""
    pos = {}
    for l, n in enumerate(sizes):
        k = _shown(n)
        for j in range(k):
            pos[l, j] = (GAP * l, (k - 1) / 2 - j)
    for l in range(len(sizes) - 1):
        for j in range(_shown(sizes[l])):
            for k in range(_shown(sizes[l + 1])):
                (x0, y0), (x1, y1) = pos[l, j], pos[l + 1, k]
                ax.plot([x0, x1], [y0, y1], color="#BBBBBB", lw=0.5, zorder=1)
    top = (MAX_SHOWN - 1) / 2
    for l, n in enumerate(sizes):
        k = _shown(n)
        for j in range(k):
            x, y = pos[l, j]
            ellipsis = n > MAX_SHOWN and j == k - 2
            if ellipsis:
                ax.text(x, y, "\u22ee", ha="center", va="center", fontsize=14, zorder=3)
            else:
                ax.add_patch(plt.Circle((x, y), 0.3, fc="white", ec="black", lw=1, zorder=2))
        ax.text(GAP * l, -top - 1.0, f"{names[l]}\n({n} neurons)", ha="center", va="top", fontsize=8)
    ax.set_xlim(-1.5, GAP * (len(sizes) - 1) + 1.5)
    ax.set_ylim(-top - 2.4, top + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")


def layer_names(n_layers):
    hidden = ["hidden layer"] if n_layers == 3 else [f"hidden layer {i}" for i in range(1, n_layers - 1)]
    return ["input layer"] + hidden + ["output layer"]


def draw_neuron(ax, d):
    """One neuron: inputs on the left with their weights, the bias beside it, its output on the right."""
    n = len(d["inputs"])
    weights = d.get("weights") or [""] * n
    draw_network(ax, [n, 1], names=d["inputs"], edge_text={(0, j, 0): str(w) for j, w in enumerate(weights)},
                 beside={(1, 0): d["bias"]} if d.get("bias") is not None else None)
    ax.annotate("", xy=(2.8, 0), xytext=(1.85, 0), arrowprops={"arrowstyle": "->"})
    ax.text(2.9, 0, d.get("output", "output"), ha="left", va="center", fontsize=10)
    ax.set_xlim(-0.5, 4.6)
    if d.get("activation"):
        inset = ax.inset_axes([0.66, 0.06, 0.3, 0.26])
        z, a = activation_curve(d["activation"])
        inset.plot(z, a, color=BLUE, lw=1.5)
        inset.set_xticks([])
        inset.set_yticks([0, 1])
        inset.set_title(d["activation"], fontsize=7)
        inset.tick_params(labelsize=6)


def draw_chain(ax, d):
    """Neurons in a row, one per layer: weight w_j into neuron j, bias b_j inside it, then the cost."""
    n = d["neurons"]
    draw_network(ax, [1] + [1] * n, names=["x"],
                 edge_text={(l, 0, 0): f"w{l + 1}" for l in range(n)},
                 inside={(l + 1, 0): f"b{l + 1}" for l in range(n)})
    end = 1.6 * n
    ax.annotate("", xy=(end + 1.0, 0), xytext=(end + 0.25, 0), arrowprops={"arrowstyle": "->"})
    ax.text(end + 1.1, 0, "C", ha="left", va="center", fontsize=12, style="italic")
    ax.set_xlim(-0.5, end + 1.6)


def draw(out, d):
    """Draw the diagram described by ``d`` (kind network, neuron or chain) into ``out``."""
    if d["kind"] == "network":
        sizes = d["sizes"]
        fig, ax = new_figure(figsize=(1.9 * len(sizes) + 0.6, 4.4))
        draw_layers(ax, sizes, d.get("names") or layer_names(len(sizes)))
    else:
        fig, ax = new_figure(figsize=(6.4, 3.2) if d["kind"] == "neuron" else (8.0, 2.4))
        (draw_neuron if d["kind"] == "neuron" else draw_chain)(ax, d)
    ax.set_title(d["title"], fontsize=9)
    save(fig, out)
