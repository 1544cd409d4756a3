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


def circuit_outputs(d, x):
    """Run a circuit of perceptrons (``d["gates"]`` in order: name -> bias, ``d["edges"]``: (from, to,
    weight)) on the inputs ``x`` (name -> 0 or 1); returns every node's value."""
    value = dict(x)
    for gate, bias in d["gates"].items():
        ins = [(value[a], w) for a, b, w in d["edges"] if b == gate]
        value[gate] = perceptron_output([w for _, w in ins], bias, [v for v, _ in ins])
    return value


# -- drawing -----------------------------------------------------------------------------


def _shown(n):
    return n if n <= MAX_SHOWN else MAX_SHOWN


def draw_layers(ax, sizes, names, edge_marks=None, neuron_marks=None):
    """Columns of neurons, fully connected; a layer over MAX_SHOWN neurons ends in a "⋮".
    ``edge_marks[(l, j, k)]`` labels the edge from neuron j of layer l to neuron k of layer l + 1 (drawn
    bold), ``neuron_marks[(l, j)]`` neuron j of layer l (0-based)."""
    edge_marks, neuron_marks = edge_marks or {}, neuron_marks or {}
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
    for (l, j, k), text in edge_marks.items():
        (x0, y0), (x1, y1) = pos[l, j], pos[l + 1, k]
        ax.plot([x0, x1], [y0, y1], color=BLUE, lw=2, zorder=1)
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.35, text, ha="center", fontsize=11, color=BLUE)
    for (l, j), text in neuron_marks.items():
        x, y = pos[l, j]
        ax.text(x + 0.4, y, text, ha="left", va="center", fontsize=11, color=BLUE, zorder=4,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
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


def draw_circuit(ax, d):
    """Perceptrons at fixed places: inputs as names, gates as circles with their bias, weighted edges
    (a repeated edge is drawn as a second, curved one), and the labelled outputs."""
    pos = d["at"]
    pairs = [(a, b) for a, b, _ in d["edges"]]
    for i, (a, b, w) in enumerate(d["edges"]):
        rad = 0.0 if pairs.count((a, b)) == 1 else (-0.3 if pairs.index((a, b)) == i else 0.3)
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=1, arrowprops={
            "arrowstyle": "->", "color": "#999999", "shrinkA": 12, "shrinkB": 14,
            "connectionstyle": f"arc3,rad={rad}"})
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.text(x0 + 0.55 * (x1 - x0) - rad * (y1 - y0) / 2, y0 + 0.55 * (y1 - y0) + rad * (x1 - x0) / 2,
                str(w), fontsize=7, ha="center", va="center", color="#555555", zorder=3,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
    for name, (x, y) in pos.items():
        if name in d["gates"]:
            ax.add_patch(plt.Circle((x, y), 0.25, fc="white", ec="black", lw=1, zorder=2))
            ax.text(x + 0.22, y + 0.22, str(d["gates"][name]), fontsize=7, color="#555555", va="bottom")
        else:
            ax.text(x, y, name, ha="center", va="center", fontsize=11, style="italic")
    for gate, text in d["outputs"].items():
        x, y = pos[gate]
        ax.annotate("", xy=(x + 1.0, y), xytext=(x + 0.27, y), arrowprops={"arrowstyle": "->"})
        ax.text(x + 1.1, y, text, ha="left", va="center", fontsize=9)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 3.0)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_sketch(ax, d):
    """A small network with the book's labels: ``draw_network``'s own arguments, and an output label."""
    draw_network(ax, d["sizes"], **{k: d[k] for k in ("edges", "names", "inside", "beside", "edge_text") if k in d})
    if d.get("output"):
        x = 1.6 * (len(d["sizes"]) - 1)
        ax.annotate("", xy=(x + 0.9, 0), xytext=(x + 0.25, 0), arrowprops={"arrowstyle": "->"})
        ax.text(x + 1.0, 0, d["output"], ha="left", va="center", fontsize=9)
        ax.set_xlim(-0.5, x + 2.4)


CELL, MAP_SHIFT, LAYER_GAP = 0.1, 0.35, 1.2


def _grid(ax, x, y, side, fill="white"):
    """A square of side x side neurons, its top-left corner at (x, y), as a grid of cells."""
    from matplotlib.patches import Rectangle

    w = side * CELL
    ax.add_patch(Rectangle((x, y - w), w, w, fc=fill, ec="black", lw=0.8, zorder=2))
    for i in range(1, side):
        ax.plot([x + i * CELL] * 2, [y - w, y], color="#CCCCCC", lw=0.25, zorder=2)
        ax.plot([x, x + w], [y - i * CELL] * 2, color="#CCCCCC", lw=0.25, zorder=2)


def _square(ax, x, y, row, col, k):
    from matplotlib.patches import Rectangle

    corner = (x + col * CELL, y - (row + k) * CELL)
    ax.add_patch(Rectangle(corner, k * CELL, k * CELL, fc="#9DC3E6", ec=BLUE, lw=1, zorder=3))
    return corner[0] + k * CELL, corner[1], corner[1] + k * CELL


def draw_fields(ax, d):
    """Squares of neurons, layer by layer (a layer of m maps drawn as m stacked squares); each link
    marks a k x k field of the layer on its left and the one neuron of each next map it feeds (every
    map of a convolution; a pooling unit feeds the same map only)."""
    xs, x = [], 0.0
    for ly in d["layers"]:
        xs.append(x)
        x += ly["side"] * CELL + (ly["maps"] - 1) * MAP_SHIFT + LAYER_GAP
    for ly, x0 in zip(d["layers"], xs):
        for m in reversed(range(ly["maps"])):
            _grid(ax, x0 + m * MAP_SHIFT, -m * MAP_SHIFT, ly["side"])
        ax.text(x0 + ly["side"] * CELL / 2, -ly["side"] * CELL - (ly["maps"] - 1) * MAP_SHIFT - 0.3,
                ly["label"], ha="center", va="top", fontsize=8)
    for l, link in enumerate(d["links"]):
        row, col = link["at"]
        for m in range(d["layers"][l + 1]["maps"]):
            src = m if link.get("per_map") else 0
            right, low, high = _square(ax, xs[l] + src * MAP_SHIFT, -src * MAP_SHIFT, row, col, link["k"])
            x1, y1 = xs[l + 1] + m * MAP_SHIFT, -m * MAP_SHIFT
            tx, ty, _ = _square(ax, x1, y1, row, col, 1)
            for y in (low, high):
                ax.plot([right, tx - CELL], [y, ty + CELL / 2], color=BLUE, lw=0.6, zorder=4)
    ax.set_xlim(-0.3, x - LAYER_GAP + 0.3)
    ax.set_ylim(-max(ly["side"] * CELL + (ly["maps"] - 1) * MAP_SHIFT for ly in d["layers"]) - 1.0, 0.4)
    ax.set_aspect("equal")
    ax.axis("off")


SIZES = {"neuron": (6.4, 3.2), "chain": (8.0, 2.4), "circuit": (7.2, 4.4), "sketch": (6.4, 4.4), "fields": (8.0, 4.4)}
DRAW = {"neuron": draw_neuron, "chain": draw_chain, "circuit": draw_circuit, "sketch": draw_sketch, "fields": draw_fields}


def draw(out, d):
    """Draw the diagram described by ``d`` (kind network, neuron, chain, circuit, sketch or fields) into ``out``."""
    if d["kind"] == "network":
        sizes = d["sizes"]
        fig, ax = new_figure(figsize=(1.9 * len(sizes) + 0.6, 4.4))
        draw_layers(ax, sizes, d.get("names") or layer_names(len(sizes)), d.get("edge_marks"),
                    d.get("neuron_marks"))
    else:
        fig, ax = new_figure(figsize=SIZES[d["kind"]])
        DRAW[d["kind"]](ax, d)
    ax.set_title(d["title"], fontsize=9)
    save(fig, out)
