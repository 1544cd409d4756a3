"""Chapter 5's analytic numbers: table ``ch5.analytic``.

sigma' at most 1/4 (ch5.sigmaprime); the |w sigma'(wa + b)| >= 1 problem
(ch5.prob.bound: the widest interval of a, about 0.45 at |w| about 6.9); and the
exploding-gradient construction (ch5.explode: w = 100, every z = 0, so each
layer back multiplies the gradient by w sigma'(0) = 25)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import demos
from ..tables import table

LAYERS = 4
EXPLODING_WEIGHT = 100.0


def _row(quantity, ours, book, how):
    return {"quantity": quantity, "ours": ours, "book": book, "how": how}


@table("ch5.analytic")
def analytic_table(inputs, scale):
    """Every number of chapter 5 that comes from the mathematics rather than from training."""
    z = np.linspace(-10, 10, 200001)
    sigma_prime_max = float(demos.sigmoid_prime(z).max())
    w_max, width_max = demos.max_interval_width()
    width_closed = float(demos.interval_width_closed_form(w_max))

    weights = [EXPLODING_WEIGHT] * LAYERS
    biases = demos.zero_z_biases(1.0, weights)
    factors = demos.chain_factors(1.0, weights, biases)
    grads = demos.chain_bias_gradients(1.0, 0.0, weights, biases)
    vanishing = demos.chain_bias_gradients(1.0, 0.0, [1.0] * LAYERS, demos.zero_z_biases(1.0, [1.0] * LAYERS))

    rows = [
        _row("max sigma'(z) (grid on [-10, 10])", sigma_prime_max, 0.25, "sigma'(0) = 1/4"),
        _row("|w| below which |w sigma'| < 1 everywhere", 4.0, 4.0, "sigma' <= 1/4"),
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

    numbers = {
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
cost C = (a4 - y)^2/2, input 1, target 0. Nothing here depends on the scale.
"""
    return pd.DataFrame(rows), notes, numbers
