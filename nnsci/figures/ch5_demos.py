"""Chapter 5 figures that need no trained network: they only draw what nnsci.demos computes.

The derivative of the sigmoid (5.11), the width of the inputs where
|w sigma'(wa + b)| >= 1 (the problem after eq. 123), and the book's
exploding-gradient construction on the chain network (all w = 100, z = 0)."""

from __future__ import annotations

import numpy as np

from .. import demos
from . import figure
from .style import BLUE, ORANGE, new_figure, plot_function, save

EXPLODING_WEIGHT = 100.0
CHAIN_INPUT = 1.0
CHAIN_TARGET = 0.0
CHAIN_LAYERS = 4


@figure("ch5.sigmoid_prime")
def sigmoid_prime(out, inputs, scale):
    """Figure 5.11: sigma'(z), at most 1/4."""
    z = np.linspace(-5, 5, 400)
    plot_function(out, z, demos.sigmoid_prime(z), "Derivative of sigmoid function", (-5, 5), (0, 0.25),
                  np.arange(0, 0.251, 0.05), xticks=np.arange(-4, 5))


@figure("ch5.interval_width")
def interval_width(out, inputs, scale):
    """Width of the set of a with |w sigma'(wa + b)| >= 1 against |w|: numerical and eq. 123."""
    w = np.linspace(4, 40, 721)
    numerical = np.array([demos.interval_width(v) for v in w])
    w_max, width_max = demos.max_interval_width()
    fig, ax = new_figure(figsize=(5.2, 3.6))
    ax.plot(w, numerical, color=BLUE, linewidth=2.5, label="numerical (bisection on \u03c3\u2032)")
    ax.plot(w, demos.interval_width_closed_form(w), "--", color=ORANGE,
            label="(2/|w|) ln(|w|(1+\u221a(1\u22124/|w|))/2 \u2212 1)")
    ax.plot([w_max], [width_max], "o", color="black")
    ax.annotate(f"max {width_max:.4f} at |w| = {w_max:.3f}", (w_max, width_max),
                xytext=(12, 0.47), fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.set_xlim(0, 40)
    ax.set_ylim(0, 0.5)
    ax.set_xlabel("|w|")
    ax.set_ylabel("width of the interval of a")
    ax.set_title("Where |w \u03c3\u2032(wa + b)| \u2265 1", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save(fig, out)


def chain_gradients(weight):
    """|dC/db_j| on the book's four-layer chain with all weights ``weight`` and every z_j = 0."""
    weights = [weight] * CHAIN_LAYERS
    biases = demos.zero_z_biases(CHAIN_INPUT, weights)
    return np.abs(demos.chain_bias_gradients(CHAIN_INPUT, CHAIN_TARGET, weights, biases))


@figure("ch5.exploding_gradient")
def exploding_gradient(out, inputs, scale):
    """dC/db_j layer by layer: with w = 100 each layer back multiplies it by w sigma'(0) = 25;
    with w = 1 by 1/4 (the vanishing case), on a log scale."""
    layers = np.arange(1, CHAIN_LAYERS + 1)
    fig, ax = new_figure(figsize=(5.2, 3.6))
    for offset, weight, color, label in [(-0.2, EXPLODING_WEIGHT, BLUE, "w = 100: factor w\u03c3\u2032(0) = 25"),
                                         (0.2, 1.0, ORANGE, "w = 1: factor w\u03c3\u2032(0) = 1/4")]:
        grads = chain_gradients(weight)
        ax.bar(layers + offset, grads, width=0.4, color=color, label=label)
        for x, g in zip(layers + offset, grads):
            ax.text(x, g * 1.3, f"{g:.3g}", ha="center", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1e5)
    ax.set_xticks(layers)
    ax.set_xticklabels([f"b{j}" for j in layers])
    ax.set_ylabel("|\u2202C/\u2202b|")
    ax.set_title("Chain network, every z = 0, C = (a\u2084 \u2212 0)\u00b2/2, input 1", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    save(fig, out)
