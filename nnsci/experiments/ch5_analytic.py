"""Chapter 5's analytic numbers: table ``ch5.analytic``.

sigma' at most 1/4 (ch5.sigmaprime); the |w sigma'(wa + b)| >= 1 problem
(ch5.prob.bound: the widest interval of a, about 0.45 at |w| about 6.9); and the
exploding-gradient construction (ch5.explode: w = 100, every z = 0, so each
layer back multiplies the gradient by w sigma'(0) = 25)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import demos
from ..tables import table

LAYERS = 4
EXPLODING_WEIGHT = 100.0


IDENTITY_W1 = (1.0, 0.1, 0.01)


def factor_two_layers(points=4001):
    """ch5.factor16: dC/db1 carries two more factors w_j sigma'(z_j) than dC/db3; with |w_j| < 1 each
    is below max sigma' (found on a grid of [-10, 10] with libm), so dC/db1 is smaller by at least
    (1 / max sigma')^2."""
    best = 0.0
    for i in range(points):
        z = -10.0 + 20.0 * i / (points - 1)
        s = 1.0 / (1.0 + math.exp(-z))
        best = max(best, s * (1.0 - s))
    return (1.0 / best) ** 2


def identity_error(w1, points=1001):
    """The identity neuron (chapter 5's problem): b = -w1/2, w2 = 4/w1. With x = 1/2 + D,
    w2 sigma(w1 x + b) = w2/2 + (2/w1) tanh(w1 D/2) = w2/2 + D - w1^2 D^3/12 + ..., so it is x
    up to the constant w2/2 - 1/2 (the next layer's bias takes it away) with an error that falls
    like w1^2. Returns max over x in [0, 1] of |w2 sigma(w1 x + b) - (w2/2 - 1/2) - x|, written
    with tanh (sigma(z) - 1/2 = tanh(z/2)/2) so that small w1 loses no digits."""
    w2 = 4.0 / w1
    worst = 0.0
    for i in range(points):
        x = i / (points - 1)
        d = x - 0.5
        worst = max(worst, abs(w2 * math.tanh(w1 * d / 2.0) / 2.0 - d))
    return worst


def _row(quantity, ours, book, how):
    return {"quantity": quantity, "ours": ours, "book": book, "how": how}


@table("ch5.analytic")
def analytic_table(inputs, scale):
    """Every number of chapter 5 that comes from the mathematics rather than from training."""
    z = np.linspace(-10, 10, 200001)
    sigma_prime_max = float(demos.sigmoid_prime(z).max())
    w_max, width_max = demos.max_interval_width()
    width_closed = float(demos.interval_width_closed_form(w_max))

    w_min = factor_two_layers() ** 0.5   # 1 / max sigma'
    weights = [EXPLODING_WEIGHT] * LAYERS
    biases = demos.zero_z_biases(1.0, weights)
    factors = demos.chain_factors(1.0, weights, biases)
    grads = demos.chain_bias_gradients(1.0, 0.0, weights, biases)
    vanishing = demos.chain_bias_gradients(1.0, 0.0, [1.0] * LAYERS, demos.zero_z_biases(1.0, [1.0] * LAYERS))

    rows = [
        _row("max sigma'(z) (grid on [-10, 10])", sigma_prime_max, 0.25, "sigma'(0) = 1/4"),
        _row("|w| below which |w sigma'| < 1 everywhere", w_min, 4.0, "1 / max sigma'"),
        _row("max width of {a : |w sigma'(wa+b)| >= 1}", width_max, 0.45,
             "golden-section search over |w| of the bisection width"),
        _row("|w| at the max width", w_max, 6.9, "same search"),
        _row("eq. 123 at that |w|", width_closed, None,
             "(2/|w|) ln(|w|(1+sqrt(1-4/|w|))/2 - 1)"),
        _row("exploding: biases b1..b4", str([round(b, 6) for b in biases]), "b1 = -100 a0",
             "b_j = -w a_(j-1), a_j = 1/2, input a0 = 1"),
        _row("exploding: factor w_j sigma'(z_j), j = 2..4", str(factors), 25.0, "100 x 1/4"),
    ]
    for j, g in enumerate(grads, start=1):
        rows.append(_row(f"exploding: dC/db{j}", g, None, "backprop, C = a4^2/2"))
    rows.append(_row("exploding: dC/db1 / dC/db4", grads[0] / grads[-1], 25.0 ** 3, "25^3"))
    rows.append(_row("vanishing (w = 1): dC/db1 / dC/db4", vanishing[0] / vanishing[-1], None, "(1/4)^3"))

    factor = factor_two_layers()
    rows.append(_row("dC/db3 over dC/db1 at least (1 / max sigma')^2 (|w| < 1)", factor, 16.0,
                     "two more factors w sigma'(z), each < 1/4"))
    identity = {w1: identity_error(w1) for w1 in IDENTITY_W1}
    for w1, err in identity.items():
        rows.append(_row(f"identity neuron, w1 = {w1:g}: max |w2 sigma(w1 x + b) - const - x| on [0, 1]",
                         err, None, "b = -w1/2, w2 = 4/w1; error ~ w1^2/96"))
    numbers = {
        "ch5.factor16": factor,
        "ch5.prob.bound.w_min": w_min,
        **{f"ch5.identity.error_w1_{w1:g}": err for w1, err in identity.items()},
        "ch5.identity.order": math.log10(identity[0.1] / identity[0.01]),
        "ch5.sigmaprime.max": sigma_prime_max,
        "ch5.prob.bound.max_width": width_max,
        "ch5.prob.bound.argmax_w": w_max,
        "ch5.prob.bound.max_width_closed_form": width_closed,
        "ch5.explode.factor": factors[0],
        "ch5.explode.ratio_b1_b4": grads[0] / grads[-1],
        "ch5.vanish.ratio_b1_b4": vanishing[0] / vanishing[-1],
    }
    notes = """
The width is computed numerically (bisection for the z with sigma'(z) = 1/|w|, then golden-section
search over |w|) and checked against the closed form (eq. 123), which is exact, not only a bound:
sigma(1 - sigma) = 1/|w| at sigma = (1 +- r)/2 with r = sqrt(1 - 4/|w|), so the interval in z is
[-z*, z*] with z* = ln((1 + r)/(1 - r)) = ln(|w|(1 + r)/2 - 1), and in a it is 2 z*/|w| wide,
whatever b is. The exploding construction is the book's chain of four one-neuron layers, all
weights 100 and biases that make every z = 0; dC/db_j comes from backpropagation with the quadratic
cost C = (a4 - y)^2/2, input 1, target 0. The identity neuron (the chapter's problem: w2 sigma(w1 x + b)
= x on [0, 1]) takes b = -w1/2 and w2 = 4/w1 (Taylor in w1 D with x = 1/2 + D); it gives x plus the
constant w2/2 - 1/2, which the next layer's bias absorbs, within about w1^2/96: ten times smaller w1,
a hundred times smaller error (`ch5.identity.order` = log10 of that ratio, 2). Nothing here depends on
the scale.
"""
    return pd.DataFrame(rows), notes, numbers
