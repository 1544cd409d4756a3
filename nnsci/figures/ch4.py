"""Chapter 4: every computed figure of "A visual proof that neural nets can compute any function".

Each figure is the book's interactive figure in its default state (docs/fidelity.md, "Chapter 4's interactive figures"),
named after the book's element or image file; the maths is in
:mod:`nnsci.universality`, this module only draws. Where the book pairs a network
diagram with a graph, the diagram is drawn from the same parameters as the graph.
Two-input figures are in figures/ch4_xy.py. The videos of the book are animated GIFs
of the parameter sweeps of the book's videos."""

from __future__ import annotations

import numpy as np

from .. import universality as U
from . import figure, style
from .style import BLUE
from .ch4_draw import FIVE_BUMPS_SEED, fmt, fmt_num, gif_frames, graph, jump_grid, new_panel, one_input_net, video


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
    frames = [(round(float(w), 1), round(float(b), 1)) for w, b in zip(*create_step_sweep(gif_frames(scale)))]
    video(out, draw_neuron, frames)


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


SUCCESS = 0.405  # the widget shows "Success!" below this average deviation


def design_state(solved=False):
    """The challenge widget's state: its five heights, their average deviation from σ^{-1}∘f and
    whether the widget shows "Success!". Its default is the random start (fig4.16's fixed draw);
    solved, the per-bin medians (the least average deviation)."""
    h = U.best_bump_heights(5) if solved else five_bump_heights()
    dev = U.average_deviation(h)
    return {"heights": h, "deviation": dev, "success": dev < SUCCESS, "ylim": (-2.5, 3),
            "yticks": (-2, -1, 1, 2, 3)}


def draw_design(out, state):
    fig, net, ax = new_panel(figsize=(8.5, 4.6))
    draw_five_bumps(net, ax, state["heights"], ylim=state["ylim"], yticks=state["yticks"])
    x = np.linspace(0, 1, 1001)
    ax.plot(x, U.inverted_goal(x), color=BLUE, lw=2)
    ax.text(0.03, 2.5, f"Average deviation: {state['deviation']:.2f}", fontsize=9)
    if state["success"]:
        ax.text(0.03, 2.0, "Success!", fontsize=9, color="green")
    ax.text(0.97, -2.2, "Reset", fontsize=9, ha="right", bbox={"boxstyle": "round", "fc": "#EEEEEE"})
    style.save(fig, out)


@figure("ch4.design_function")
def design_function(out, inputs, scale):
    """fig4.19: the challenge in the widget's default state: five bumps at the random start heights
    (fig4.16's fixed draw) under σ^{-1}∘f, with their average deviation as the book's widget scores it."""
    draw_design(out, design_state())


@figure("ch4.design_function_solved")
def design_function_solved(out, inputs, scale):
    """fig4.19, solved (beside the book's default state): the five bump heights with the least
    average deviation from σ^{-1}∘f (the per-bin medians), and the widget's "Success!"."""
    draw_design(out, design_state(solved=True))
