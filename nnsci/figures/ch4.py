"""Chapter 4: every computed figure of "A visual proof that neural nets can compute any function".

Each figure is the book's interactive figure in its default state (catalog §2.3),
named after the book's element or image file; the maths is in
:mod:`nnsci.universality`, this module only draws. Where the book pairs a network
diagram with a graph, the diagram is drawn from the same parameters as the graph.
The three videos of the book are animated GIFs of the catalogued parameter sweeps."""

from __future__ import annotations

import numpy as np

from .. import universality as U
from . import figure, style
from .style import BLUE, ORANGE, plt

# (name, extension, catalog ids): one output file per unique computed figure of the book.
# The book repeats four figures (fig4.05, fig4.17, fig4.33, fig4.39); each repeat is the same file.
CATALOG = [
    ("function", "png", "fig4.01 fig4.05 fig4.17"),
    ("basic_manipulation", "png", "fig4.07"),
    ("create_step_function", "gif", "fig4.08"),
    ("high_weight_function", "png", "fig4.09"),
    ("step", "png", "fig4.10"),
    ("step_parameterization", "png", "fig4.11"),
    ("two_hn_network", "png", "fig4.12"),
    ("bump_function", "png", "fig4.13"),
    ("bump_fn", "png", "fig4.14"),
    ("double_bump", "png", "fig4.15"),
    ("five_bumps", "png", "fig4.16"),
    ("inverted_function", "png", "fig4.18 fig4.39"),
    ("design_function", "png", "fig4.19"),
    ("ti_graph", "png", "fig4.21"),
    ("step_3d", "gif", "fig4.22"),
    ("ti_graph_redux", "png", "fig4.23"),
    ("y_step", "png", "fig4.24"),
    ("bump_3d", "png", "fig4.25"),
    ("bump_3d_y", "png", "fig4.26"),
    ("xy_bump", "png", "fig4.27"),
    ("tower", "png", "fig4.28"),
    ("many_towers", "png", "fig4.29 fig4.33"),
    ("tower_construction", "png", "fig4.30"),
    ("tower_construction_movie", "gif", "fig4.31"),
    ("the_two_towers", "png", "fig4.32"),
    ("sigmoid", "png", "fig4.35"),
    ("sigmoid_like", "png", "fig4.36"),
    ("ramping", "png", "fig4.37"),
    ("failure", "png", "fig4.38"),
    ("series_of_bumps", "png", "fig4.40"),
    ("half_bumps", "png", "fig4.41"),
    ("shifted_bumps", "png", "fig4.42"),
]


def figure_names():
    """The names of the chapter's figures (``ch4.<name>`` is the registry id)."""
    return [name for name, _, _ in CATALOG]


def figure_files():
    """The output file of each figure, ``<name>.<ext>``, relative to results/ch4/figures/."""
    return [f"{name}.{ext}" for name, ext, _ in CATALOG]


# The book's five-bump widget starts from random heights; ours are one fixed draw.
FIVE_BUMPS_SEED = 20140902

# The book's video frames: the scale may ask for fewer (``gif_frames_max``).
GIF_FRAMES = 36
GIF_DPI = 70

SURFACE = "#ff5555"
PANE = (0xDD / 255, 0xDD / 255, 0xDD / 255, 1.0)
BUMP_COLORS = ["red", "green", "blue", "magenta", "orange"]


def gif_frames(scale):
    from ..config import as_scale

    return as_scale(scale).gif_frames(GIF_FRAMES)


def camera_view(camera=(-0.4, -1.5, 0.8), target=(0.4, 0.0, 0.6)):
    """(elevation, azimuth) in degrees of the book's three.js camera, for mplot3d's view_init.

    The book's perspective camera sits close to the surface, so the same angle
    looks flatter in mplot3d's orthographic-like view; we add 15° of elevation."""
    d = np.subtract(camera, target)
    azim = np.degrees(np.arctan2(d[1], d[0]))
    elev = np.degrees(np.arctan2(d[2], np.hypot(d[0], d[1])))
    return float(elev) + 15.0, float(azim)


# -- the network diagram -------------------------------------------------------


def draw_network(ax, sizes, inside=None, beside=None, edge_text=None, edges=None, names=None,
                 edge_at=None, gaps=None):
    """A neuron-and-weight sketch: ``sizes`` neurons per layer, inputs first.

    ``inside[(l, j)]`` is written in neuron j of layer l (a step point), ``beside[(l, j)]``
    to its right (a bias), ``edge_text[(l, j, k)]`` on the edge from neuron j of layer l to
    neuron k of layer l + 1 (a weight), ``names[j]`` on input j. ``edges`` defaults to
    all edges between consecutive layers; ``gaps[l]`` spaces layer l's neurons. Returns
    the neurons' positions."""
    inside, beside, edge_text = inside or {}, beside or {}, edge_text or {}
    gap = 1.0 if max(sizes) <= 5 else 0.55
    gaps = gaps or [gap] * len(sizes)
    pos = {(l, j): (1.6 * l, ((n - 1) / 2 - j) * gaps[l]) for l, n in enumerate(sizes) for j in range(n)}
    if edges is None:
        edges = [(l, j, k) for l in range(len(sizes) - 1)
                 for j in range(sizes[l]) for k in range(sizes[l + 1])]
    r = 0.22 if gap == 1.0 else 0.21
    for l, j, k in edges:
        (x0, y0), (x1, y1) = pos[l, j], pos[l + 1, k]
        ax.plot([x0, x1], [y0, y1], color="#999999", lw=0.8, zorder=1)
        if (l, j, k) in edge_text:  # near the hidden neuron, as in the book
            t = edge_at or (0.6 if l == 0 else 0.45)
            x, y, ha = x0 + t * (x1 - x0), y0 + t * (y1 - y0), "center"
            if l > 0 and max(sizes) > 5:  # a tall layer: beside the neuron, or it reads as the next one's
                x, y, ha = x0 + 0.28, y0, "left"
            ax.text(x, y, edge_text[l, j, k], fontsize=7, ha=ha, va="center", color="#555555",
                    zorder=3, bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    for (l, j), (x, y) in pos.items():
        if l == 0:
            ax.text(x, y, (names or "xyz")[j], ha="center", va="center", fontsize=11,
                    style="italic", zorder=4)
            continue
        ax.add_patch(plt.Circle((x, y), r, fc="white", ec="black", lw=1, zorder=2))
        if (l, j) in inside:
            ax.text(x, y, inside[l, j], ha="center", va="center", fontsize=6.5 if gap == 1.0 else 5.5,
                    zorder=4)
        if (l, j) in beside:
            ax.text(x + r + 0.05, y + r, beside[l, j], ha="left", va="bottom", fontsize=7,
                    color="#555555", zorder=4)
    ys = [y for _, y in pos.values()]
    ax.set_xlim(-0.5, 1.6 * (len(sizes) - 1) + 0.9)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return pos


def one_input_net(ax, hidden, inside=None, beside=None, w_in=None, w_out=None, edge_at=None):
    """x -> ``hidden`` neurons -> one output, with input weights ``w_in[j]`` and output weights ``w_out[j]``."""
    edge_text = {(0, 0, j): t for j, t in (w_in or {}).items()}
    edge_text.update({(1, j, 0): t for j, t in (w_out or {}).items()})
    draw_network(ax, [1, hidden, 1], inside={(1, j): t for j, t in (inside or {}).items()},
                 beside={(1, j): t for j, t in (beside or {}).items()}, edge_text=edge_text,
                 edge_at=edge_at)


def two_input_net(ax, hidden, inside=None, w_out=None, from_y=(), beside=None):
    """x, y -> ``hidden`` step neurons (those in ``from_y`` take y, the others x) -> one output."""
    edges = [(0, 1 if j in from_y else 0, j) for j in range(hidden)] + [(1, j, 0) for j in range(hidden)]
    draw_network(ax, [2, hidden, 1], inside={(1, j): t for j, t in (inside or {}).items()},
                 beside=beside, edge_text={(1, j, 0): t for j, t in (w_out or {}).items()},
                 edges=edges, names="xy")


# -- panels ------------------------------------------------------------------------


def new_panel(diagram=True, three_d=False, dpi=None, figsize=None):
    """A figure with the network sketch on the left (if ``diagram``) and the graph on the right."""
    fig = plt.figure(figsize=figsize or ((8.0 if diagram else 4.6), 3.4), dpi=dpi)
    gs = fig.add_gridspec(1, 2 if diagram else 1, width_ratios=[1, 1.35] if diagram else [1])
    net = fig.add_subplot(gs[0]) if diagram else None
    ax = fig.add_subplot(gs[-1], projection="3d" if three_d else None)
    fig.subplots_adjust(left=0.06, right=0.96, bottom=0.14, top=0.9)
    return fig, net, ax


def graph(ax, x, y, title, ylim=(0, 1), yticks=(1,), color=ORANGE, label=None):
    """The book's 2-D graph: x on [0, 1] with tick 1, the given y range and ticks."""
    ax.plot(x, y, color=color, lw=2, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(*ylim)
    ax.set_xticks([0, 1] if ylim[0] < 0 else [1])
    ax.set_yticks(list(yticks))
    ax.set_xlabel("x")
    ax.set_title(title, fontsize=10)
    if ylim[0] < 0:
        ax.axhline(0, color="black", lw=0.6)


def jump_grid(*jumps, n=801):
    """x on [0, 1] with the left limit and value at each jump, so ideal steps draw as vertical lines."""
    j = np.asarray(jumps, dtype=float)
    return np.unique(np.concatenate([np.linspace(0, 1, n), j - 1e-9, j]).clip(0, 1))


def surface_grid(*jumps, n=61, eps=0.006):
    """A 1-D grid on [0, 1] dense where a steep step sits, so its wall renders sharp."""
    j = np.asarray(jumps, dtype=float)
    return np.unique(np.concatenate([np.linspace(0, 1, n), j - eps, j, j + eps]).clip(0, 1))


def surface(ax, x, y, z_fn, title, zlim=(0, 1)):
    """Draw z_fn(X, Y) as the book's red, shaded surface on grey panes."""
    X, Y = np.meshgrid(x, y)
    Z = z_fn(X, Y)
    ax.plot_surface(X, Y, Z, color=SURFACE, shade=True, linewidth=0, antialiased=False,
                    rcount=len(y), ccount=len(x))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_zlim(*zlim)
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_zticks(sorted({zlim[0], 0, zlim[1]}))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color(PANE)
    ax.view_init(*camera_view())
    ax.set_title(title, fontsize=10)


def fmt(v, digits=2):
    """A parameter as the book prints it (a true minus sign)."""
    return f"{v:.{digits}f}".replace("-", "\u2212")


def fmt_num(v):
    return f"{v:g}".replace("-", "\u2212")


# -- f(x) and the single neuron ------------------------------------------------------


@figure("ch4.function")
def function(out, inputs, scale):
    """fig4.01 (= fig4.05, fig4.17): the function f to compute."""
    fig, _, ax = new_panel(diagram=False)
    x = np.linspace(0, 1, 1001)
    graph(ax, x, U.goal(x), "f(x)", color=BLUE)
    style.save(fig, out)


def draw_neuron(net, ax, w, b, guide=False):
    """The top hidden neuron σ(wx + b) and its graph (figs 4.07, 4.09, 4.10 and the step video)."""
    one_input_net(net, 2, beside={0: f"b = {fmt_num(b)}"}, w_in={0: f"w = {fmt_num(w)}"})
    x = np.linspace(0, 1, 2001)
    graph(ax, x, U.neuron_output(x, w, b), "Output from top hidden neuron")
    if guide:
        s = U.step_position(w, b)
        ax.axvline(s, color="#555555", lw=1, ls="--")
        ax.text(s + 0.02, 0.5, f"\u2212b/w = {s:.2f}", fontsize=9)


@figure("ch4.basic_manipulation")
def basic_manipulation(out, inputs, scale):
    """fig4.07: σ(wx + b) of the top hidden neuron at the widget's start, w = 8, b = -4."""
    fig, net, ax = new_panel()
    draw_neuron(net, ax, 8, -4)
    style.save(fig, out)


@figure("ch4.high_weight_function")
def high_weight_function(out, inputs, scale):
    """fig4.09: w = 999, b = -400 is almost a step, at -b/w ≈ 0.40."""
    fig, net, ax = new_panel()
    draw_neuron(net, ax, 999, -400)
    style.save(fig, out)


@figure("ch4.step")
def step_fig(out, inputs, scale):
    """fig4.10: w = 100, b = -40, with the guide line at the step point -b/w = 0.40."""
    fig, net, ax = new_panel()
    draw_neuron(net, ax, 100, -40, guide=True)
    style.save(fig, out)


def create_step_sweep(n):
    """The step video (fig4.08): w rises from 8 past 100 while b = -ws moves the step from 0.5 to 0.3."""
    w = np.geomspace(8, 105, n)
    s = np.linspace(0.5, 0.3, n)
    return w, U.bias_for_step(w, s)


@figure("ch4.create_step_function")
def create_step_function(out, inputs, scale):
    """fig4.08 (video): the neuron becomes a step as w grows."""
    frames = []
    for w, b in zip(*create_step_sweep(gif_frames(scale))):
        fig, net, ax = new_panel(dpi=GIF_DPI)
        draw_neuron(net, ax, round(float(w), 1), round(float(b), 1))
        frames.append(style.canvas_rgb(fig))
        plt.close(fig)
    style.save_gif(frames, out, duration_ms=120)


# -- steps and bumps (ideal steps, as the book's widgets draw them) --------------------


@figure("ch4.step_parameterization")
def step_parameterization(out, inputs, scale):
    """fig4.11: the top hidden neuron as an ideal step at s = 0.40 (the neuron shows s)."""
    fig, net, ax = new_panel()
    s = 0.40
    one_input_net(net, 2, inside={0: fmt(s)})
    x = jump_grid(s)
    graph(ax, x, U.step(x, s), "Output from top hidden neuron")
    style.save(fig, out)


def draw_weighted_steps(net, ax, steps, weights, ylim=(-1.5, 2), yticks=(-1, 1, 2), labels=None):
    """Hidden step neurons at ``steps`` with output weights ``weights`` and their weighted output."""
    n = len(steps)
    one_input_net(net, n, inside={j: fmt(s, 1 if n > 4 else 2) for j, s in enumerate(steps)},
                  w_out=labels or {j: fmt_num(w) for j, w in enumerate(weights)})
    x = jump_grid(*steps)
    graph(ax, x, U.weighted_steps(x, steps, weights), "Weighted output from hidden layer",
          ylim=ylim, yticks=yticks)


@figure("ch4.two_hn_network")
def two_hn_network(out, inputs, scale):
    """fig4.12: w1 step(0.40) + w2 step(0.60) with w1 = 0.6, w2 = 1.2."""
    fig, net, ax = new_panel()
    draw_weighted_steps(net, ax, [0.40, 0.60], [0.6, 1.2],
                        labels={0: "w\u2081 = 0.6", 1: "w\u2082 = 1.2"})
    style.save(fig, out)


@figure("ch4.bump_function")
def bump_function(out, inputs, scale):
    """fig4.13: w1 = 0.8, w2 = -0.8 make a bump of height 0.8 on [0.4, 0.6]."""
    fig, net, ax = new_panel()
    draw_weighted_steps(net, ax, [0.40, 0.60], [0.8, -0.8],
                        labels={0: "w\u2081 = 0.8", 1: "w\u2082 = \u22120.8"})
    style.save(fig, out)


@figure("ch4.bump_fn")
def bump_fn(out, inputs, scale):
    """fig4.14: the bump parametrized by its height, h = 0.6 on [0.40, 0.60]."""
    fig, net, ax = new_panel()
    h = 0.6
    draw_weighted_steps(net, ax, [0.40, 0.60], [h, -h], labels={0: "h", 1: "\u2212h"})
    ax.text(0.05, 1.6, f"h = {fmt(h, 1)}", fontsize=9)
    style.save(fig, out)


def bump_pairs(starts, ends, heights):
    """The steps and output weights (h, -h per pair) of a hidden layer of bump pairs."""
    steps = [s for pair in zip(starts, ends) for s in pair]
    weights = [w for h in heights for w in (h, -h)]
    return steps, weights


@figure("ch4.double_bump")
def double_bump(out, inputs, scale):
    """fig4.15: h = -1.2 on [0.40, 0.60] and h = 0.3 on [0.70, 0.90]."""
    fig, net, ax = new_panel()
    steps, weights = bump_pairs([0.40, 0.70], [0.60, 0.90], [-1.2, 0.3])
    draw_weighted_steps(net, ax, steps, weights)
    style.save(fig, out)


def five_bump_heights():
    """One fixed draw of the widget's random start heights (fig4.16)."""
    return U.random_bump_heights(np.random.default_rng(FIVE_BUMPS_SEED), 5)


def draw_five_bumps(net, ax, heights, ylim=(-1.5, 2), yticks=(-1, 1, 2)):
    s = U.bump_steps(len(heights))
    steps, weights = bump_pairs(s[:-1], s[1:], heights)
    draw_weighted_steps(net, ax, steps, weights, ylim=ylim, yticks=yticks,
                        labels={2 * i: fmt(h) for i, h in enumerate(heights)}
                        | {2 * i + 1: fmt(-h) for i, h in enumerate(heights)})


@figure("ch4.five_bumps")
def five_bumps(out, inputs, scale):
    """fig4.16: five bumps on [0, 0.2], ..., [0.8, 1] with the widget's random heights."""
    fig, net, ax = new_panel(figsize=(8.5, 4.6))
    draw_five_bumps(net, ax, five_bump_heights())
    style.save(fig, out)


@figure("ch4.inverted_function")
def inverted_function(out, inputs, scale):
    """fig4.18 (= fig4.39): σ^{-1}∘f, what the hidden layer's weighted output must be."""
    fig, _, ax = new_panel(diagram=False)
    x = np.linspace(0, 1, 1001)
    graph(ax, x, U.inverted_goal(x), "\u03c3\u207b\u00b9\u2218f(x)", ylim=(-2, 2),
          yticks=(-2, -1, 1, 2), color=BLUE)
    style.save(fig, out)


@figure("ch4.design_function")
def design_function(out, inputs, scale):
    """fig4.19: the challenge solved: the five bump heights with the least average deviation
    from σ^{-1}∘f (the per-bin medians), scored as the book's widget scores them."""
    fig, net, ax = new_panel(figsize=(8.5, 4.6))
    h = U.best_bump_heights(5)
    draw_five_bumps(net, ax, h, ylim=(-2.5, 3), yticks=(-2, -1, 1, 2, 3))
    x = np.linspace(0, 1, 1001)
    ax.plot(x, U.inverted_goal(x), color=BLUE, lw=2)
    dev = U.average_deviation(h)
    ax.text(0.03, 2.5, f"Average deviation: {dev:.2f}", fontsize=9)
    if dev < 0.405:
        ax.text(0.03, 2.0, "Success!", fontsize=9, color="green")
    style.save(fig, out)


# -- two inputs -----------------------------------------------------------------------


def draw_xy_neuron(net, ax, w1, b):
    """A neuron with inputs x, y, weights w1 and w2 = 0 and bias b, and its surface σ(w1 x + b)."""
    draw_network(net, [2, 1, 1], edge_text={(0, 0, 0): f"w\u2081 = {fmt_num(w1)}", (0, 1, 0): "w\u2082 = 0"},
                 beside={(1, 0): f"b = {fmt_num(b)}"}, names="xy")
    x = surface_grid(U.step_position(w1, b), n=51)
    surface(ax, x, np.array([0.0, 1.0]), lambda X, Y: U.neuron_output(X, w1, b), "Output")


@figure("ch4.ti_graph")
def ti_graph(out, inputs, scale):
    """fig4.21: σ(w1 x + b) with w1 = 8, b = -5, w2 = 0: y makes no difference."""
    fig, net, ax = new_panel(three_d=True)
    draw_xy_neuron(net, ax, 8, -5)
    style.save(fig, out)


def step_3d_sweep(n):
    """The 3-D step video (fig4.22): w1 from 8 to 100, b = -0.625 w1 keeping the step where it starts."""
    w = np.geomspace(8, 100, n)
    return w, U.bias_for_step(w, U.step_position(8, -5))


@figure("ch4.step_3d")
def step_3d(out, inputs, scale):
    """fig4.22 (video): the two-input neuron becomes a step in x as w1 grows."""
    frames = []
    for w, b in zip(*step_3d_sweep(gif_frames(scale))):
        fig, net, ax = new_panel(three_d=True, dpi=GIF_DPI)
        draw_xy_neuron(net, ax, round(float(w), 1), round(float(b), 1))
        frames.append(style.canvas_rgb(fig))
        plt.close(fig)
    style.save_gif(frames, out, duration_ms=120)


def draw_xy_step(out, axis):
    fig, net, ax = new_panel(three_d=True)
    s = 0.5
    two_input_net(net, 2, inside={0: fmt(s)}, from_y={0} if axis == "y" else ())
    net.text(0.1, -1.3, f"step in {axis}", fontsize=8)
    g = surface_grid(s)
    x, y = (g, np.array([0.0, 1.0])) if axis == "x" else (np.array([0.0, 1.0]), g)
    surface(ax, x, y, lambda X, Y: U.step_xy(X, Y, s, axis), "Output")
    style.save(fig, out)


@figure("ch4.ti_graph_redux")
def ti_graph_redux(out, inputs, scale):
    """fig4.23: the x-step σ(1000(x - s)) with s = 0.50."""
    draw_xy_step(out, "x")


@figure("ch4.y_step")
def y_step(out, inputs, scale):
    """fig4.24: the y-step σ(1000(y - s)) with s = 0.50."""
    draw_xy_step(out, "y")


def draw_xy_bump(out, axis):
    fig, net, ax = new_panel(three_d=True)
    s1, s2, h = 0.3, 0.7, 0.6
    two_input_net(net, 2, inside={0: fmt(s1), 1: fmt(s2)}, w_out={0: "h", 1: "\u2212h"},
                  from_y={0, 1} if axis == "y" else ())
    net.text(0.1, -1.3, f"h = {fmt(h, 1)}", fontsize=8)
    g = surface_grid(s1, s2)
    surface(ax, g, g, lambda X, Y: U.bump_xy(X, Y, s1, s2, h, axis),
            "Weighted output from hidden layer")
    style.save(fig, out)


@figure("ch4.bump_3d")
def bump_3d(out, inputs, scale):
    """fig4.25: h[σ(1000(x - 0.3)) - σ(1000(x - 0.7))] with h = 0.6: a ridge in x."""
    draw_xy_bump(out, "x")


@figure("ch4.bump_3d_y")
def bump_3d_y(out, inputs, scale):
    """fig4.26: the same bump in y."""
    draw_xy_bump(out, "y")


XS, YS = (0.4, 0.6), (0.3, 0.7)  # the tower's x and y step points


def tower_net(net, h, b=None):
    """The tower network: x-steps 0.40, 0.60 and y-steps 0.30, 0.70 with weights h, -h, h, -h."""
    two_input_net(net, 4, inside={0: fmt(XS[0]), 1: fmt(XS[1]), 2: fmt(YS[0]), 3: fmt(YS[1])},
                  w_out={0: "h", 1: "\u2212h", 2: "h", 3: "\u2212h"}, from_y={2, 3},
                  beside=None if b is None else {(2, 0): f"b = {fmt(b)}"})
    net.text(0.1, -2.2, f"h = {fmt(h)}", fontsize=8)


@figure("ch4.xy_bump")
def xy_bump(out, inputs, scale):
    """fig4.27: x-bump + y-bump with h = 0.3: 2h where they cross, h on the ridges."""
    fig, net, ax = new_panel(three_d=True)
    h = 0.3
    tower_net(net, h)
    g = surface_grid(*XS, *YS)
    surface(ax, g, g, lambda X, Y: U.tower_input(X, Y, h, XS, YS), "Weighted output from hidden layer")
    style.save(fig, out)


@figure("ch4.tower")
def tower(out, inputs, scale):
    """fig4.28: the ideal tower, 0.7 on [0.4, 0.6] × [0.3, 0.7] and 0 elsewhere."""
    fig, _, ax = new_panel(diagram=False, three_d=True)
    g = surface_grid(*XS, *YS, eps=1e-6)
    surface(ax, g, g, lambda X, Y: U.ideal_tower(X, Y, 0.7, XS, YS), "Tower function")
    style.save(fig, out)


@figure("ch4.many_towers")
def many_towers(out, inputs, scale):
    """fig4.29 (= fig4.33): a 5 × 5 grid of towers of heights (i² + j²)/50."""
    fig, _, ax = new_panel(diagram=False, three_d=True)
    edges = np.arange(1, 5) / 4.999
    g = surface_grid(*edges, eps=1e-6)
    surface(ax, g, g, U.many_towers, "Many towers")
    style.save(fig, out)


def draw_tower_construction(net, ax, h, b):
    tower_net(net, h, b)
    g = surface_grid(*XS, *YS)
    surface(ax, g, g, lambda X, Y: U.tower_network(X, Y, h, b, XS, YS), "Output")


@figure("ch4.tower_construction")
def tower_construction(out, inputs, scale):
    """fig4.30: σ(b + h(x-bump + y-bump)) at the widget's start, h = 0.3, b = -0.5."""
    fig, net, ax = new_panel(three_d=True)
    draw_tower_construction(net, ax, 0.3, -0.5)
    style.save(fig, out)


def tower_sweep(n):
    """The tower video (fig4.31): h from 0.3 to 10 with the output bias b = -3h/2."""
    h = np.geomspace(0.3, 10, n)
    return h, U.tower_output_bias(h, 2)


@figure("ch4.tower_construction_movie")
def tower_construction_movie(out, inputs, scale):
    """fig4.31 (video): as h grows with b = -3h/2, the output becomes a tower of height 1."""
    frames = []
    for h, b in zip(*tower_sweep(gif_frames(scale))):
        fig, net, ax = new_panel(three_d=True, dpi=GIF_DPI)
        draw_tower_construction(net, ax, float(h), float(b))
        frames.append(style.canvas_rgb(fig))
        plt.close(fig)
    style.save_gif(frames, out, duration_ms=120)


@figure("ch4.the_two_towers")
def the_two_towers(out, inputs, scale):
    """fig4.32: two tower sub-networks; the second hidden layer's output weighted 0.7 and 0.5."""
    fig, net, ax = new_panel(three_d=True, figsize=(8.5, 4.6))
    w1, w2 = 0.7, 0.5
    (xs1, ys1), (xs2, ys2) = U.TWO_TOWERS
    points = [*xs1, *ys1, *xs2, *ys2]
    takes_y = {2, 3, 6, 7}
    edges = ([(0, 1 if j in takes_y else 0, j) for j in range(8)]
             + [(1, j, j // 4) for j in range(8)] + [(2, 0, 0), (2, 1, 0)])
    pos = draw_network(net, [2, 8, 2, 1], inside={(1, j): fmt(s) for j, s in enumerate(points)},
                       edge_text={(2, 0, 0): fmt_num(w1), (2, 1, 0): fmt_num(w2)}, edges=edges,
                       names="xy", gaps=[1.0, 0.55, 2.2, 1.0])
    for k in range(2):  # the book's boxes around each sub-network
        (x0, top), (x1, _), (_, bottom) = pos[1, 4 * k], pos[2, k], pos[1, 4 * k + 3]
        net.add_patch(plt.Rectangle((x0 - 0.35, bottom - 0.3), x1 - x0 + 0.7, top - bottom + 0.6,
                                    fill=False, ec="#bbbbbb", ls="--"))
    g = surface_grid(*sorted(set(points)), eps=1e-6)
    surface(ax, g, g, lambda X, Y: U.two_towers(X, Y, w1, w2), "Weighted output")
    style.save(fig, out)


# -- other activation functions ---------------------------------------------------------


def draw_activation(out, fn, title):
    fig, _, ax = new_panel(diagram=False)
    z = np.linspace(-3, 3, 1201)
    ax.plot(z, fn(z), color=BLUE, lw=2)
    ax.set_xlim(-3, 3)
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 1])
    ax.set_xlabel("z")
    ax.set_title(title, fontsize=10)
    style.save(fig, out)


@figure("ch4.sigmoid")
def sigmoid(out, inputs, scale):
    """fig4.35: σ(z) on [-3, 3]."""
    draw_activation(out, U.sigma, "\u03c3(z)")


@figure("ch4.sigmoid_like")
def sigmoid_like(out, inputs, scale):
    """fig4.36: s(z) = σ(z) + 0.2 sin(10z) e^{-|z|}, another activation that makes steps."""
    draw_activation(out, U.sigmoid_like, "s(z)")


@figure("ch4.ramping")
def ramping(out, inputs, scale):
    """fig4.37: s(wx + b) with w = 6, b = -3."""
    fig, net, ax = new_panel()
    w, b = 6, -3
    draw_network(net, [1, 1], edge_text={(0, 0, 0): f"w = {fmt_num(w)}"}, beside={(1, 0): f"b = {fmt_num(b)}"})
    x = np.linspace(0, 1, 1001)
    graph(ax, x, U.neuron_output(x, w, b, U.sigmoid_like), "Output from neuron")
    style.save(fig, out)


# -- the window of failure and its fix ----------------------------------------------------


@figure("ch4.failure")
def failure(out, inputs, scale):
    """fig4.38: σ(50x - 25): in the window [0.45, 0.55] the neuron is no step."""
    fig, _, ax = new_panel(diagram=False)
    ax.axvspan(*U.FAILURE_WINDOW, color="#cceecc", zorder=0)
    x = np.linspace(0, 1, 1001)
    graph(ax, x, U.neuron_output(x, 50, -25), "Output from neuron")
    style.save(fig, out)


def draw_series(out, starts, heights):
    """The five coloured sigmoid bumps of the fix-up figures over σ^{-1}∘f's axis."""
    fig, _, ax = new_panel(diagram=False)
    x = np.linspace(0, 1, 2001)
    for row, c in zip(U.series_bumps(x, starts, heights), BUMP_COLORS):
        ax.plot(x, row, color=c, lw=1.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(-2, 2)
    ax.set_xticks([1])
    ax.set_yticks([-2, -1, 1, 2])
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("x")
    style.save(fig, out)


@figure("ch4.series_of_bumps")
def series_of_bumps(out, inputs, scale):
    """fig4.40: bumps of weight 300 with H = [-1.3, -1.8, -0.5, -0.9, 0.3]."""
    draw_series(out, U.SERIES_STARTS, U.SERIES_H)


@figure("ch4.half_bumps")
def half_bumps(out, inputs, scale):
    """fig4.41: the same bumps with H halved (the first of two approximations of σ^{-1}∘f / 2)."""
    draw_series(out, U.SERIES_STARTS, np.asarray(U.SERIES_H) / 2)


@figure("ch4.shifted_bumps")
def shifted_bumps(out, inputs, scale):
    """fig4.42: the second approximation, its bumps shifted by half a bump (+0.1)."""
    draw_series(out, U.SHIFTED_STARTS, U.SHIFTED_H)
