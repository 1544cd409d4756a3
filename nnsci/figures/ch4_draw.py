"""Chapter 4's drawing helpers: network diagrams, panels, graphs and 3-D surfaces, shared by the
figures of figures/ch4.py and figures/ch4_xy.py (the maths is in nnsci.universality)."""

from __future__ import annotations

import numpy as np

from . import style
from .style import ORANGE, plt

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


def still(out, draw, *args, three_d=False):
    """One panel: ``draw(net, ax, *args)`` on a new panel, saved to ``out``."""
    fig, net, ax = new_panel(three_d=three_d)
    draw(net, ax, *args)
    style.save(fig, out)


def video(out, draw, frames, three_d=False):
    """One of the book's videos: a GIF frame of ``draw(net, ax, *args)`` for each args of ``frames``."""
    def one(args):
        fig, net, ax = new_panel(three_d=three_d, dpi=GIF_DPI)
        draw(net, ax, *args)
        return fig

    style.animate(out, frames, one, duration_ms=120)
