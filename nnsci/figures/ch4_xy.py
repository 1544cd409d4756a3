"""Chapter 4, two inputs: steps, bumps and towers over (x, y), many towers, and the fix-up of the
window of failure (figures 4.21-4.42); the one-input figures are in figures/ch4.py."""

from __future__ import annotations

import numpy as np

from .. import universality as U
from . import figure, style
from .style import BLUE, plt
from .ch4_draw import (
    BUMP_COLORS, draw_network, fmt, fmt_num, gif_frames, graph, new_panel, still, surface, surface_grid,
    two_input_net, video,
)


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
    still(out, draw_xy_neuron, 8, -5, three_d=True)


def step_3d_sweep(n):
    """The 3-D step video (fig4.22): w1 from 8 to 100, b = -0.625 w1 keeping the step where it starts."""
    w = np.geomspace(8, 100, n)
    return w, U.bias_for_step(w, U.step_position(8, -5))


@figure("ch4.step_3d")
def step_3d(out, inputs, scale):
    """fig4.22 (video): the two-input neuron becomes a step in x as w1 grows."""
    frames = [(round(float(w), 1), round(float(b), 1)) for w, b in zip(*step_3d_sweep(gif_frames(scale)))]
    video(out, draw_xy_neuron, frames, three_d=True)


def draw_xy(out, axis, bump=False):
    """The two-input network and its surface: a step at s = 0.50, or (``bump``) h = 0.6 between
    0.30 and 0.70, in x or in y (the hidden neurons then read y)."""
    fig, net, ax = new_panel(three_d=True)
    starts = (0.3, 0.7) if bump else (0.5,)
    h = 0.6
    two_input_net(net, 2, inside={i: fmt(s) for i, s in enumerate(starts)},
                  w_out={0: "h", 1: "\u2212h"} if bump else None,
                  from_y=set(range(len(starts))) if axis == "y" else ())
    net.text(0.1, -1.3, f"h = {fmt(h, 1)}" if bump else f"step in {axis}", fontsize=8)
    g = surface_grid(*starts)
    if bump:
        surface(ax, g, g, lambda X, Y: U.bump_xy(X, Y, *starts, h, axis), "Weighted output from hidden layer")
    else:
        x, y = (g, np.array([0.0, 1.0])) if axis == "x" else (np.array([0.0, 1.0]), g)
        surface(ax, x, y, lambda X, Y: U.step_xy(X, Y, starts[0], axis), "Output")
    style.save(fig, out)


@figure("ch4.ti_graph_redux")
def ti_graph_redux(out, inputs, scale):
    """fig4.23: the x-step σ(1000(x - s)) with s = 0.50."""
    draw_xy(out, "x")


@figure("ch4.y_step")
def y_step(out, inputs, scale):
    """fig4.24: the y-step σ(1000(y - s)) with s = 0.50."""
    draw_xy(out, "y")


@figure("ch4.bump_3d")
def bump_3d(out, inputs, scale):
    """fig4.25: h[σ(1000(x - 0.3)) - σ(1000(x - 0.7))] with h = 0.6: a ridge in x."""
    draw_xy(out, "x", bump=True)


@figure("ch4.bump_3d_y")
def bump_3d_y(out, inputs, scale):
    """fig4.26: the same bump in y."""
    draw_xy(out, "y", bump=True)


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
    still(out, draw_tower_construction, 0.3, -0.5, three_d=True)


def tower_sweep(n):
    """The tower video (fig4.31): h from 0.3 to 10 with the output bias b = -3h/2."""
    h = np.geomspace(0.3, 10, n)
    return h, U.tower_output_bias(h, 2)


@figure("ch4.tower_construction_movie")
def tower_construction_movie(out, inputs, scale):
    """fig4.31 (video): as h grows with b = -3h/2, the output becomes a tower of height 1."""
    frames = [(float(h), float(b)) for h, b in zip(*tower_sweep(gif_frames(scale)))]
    video(out, draw_tower_construction, frames, three_d=True)


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
