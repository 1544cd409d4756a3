"""Chapter 3's numbers that need no trained network: table ``ch3.demos``.

The four single-neuron saturation widgets (docs/fidelity.md, "Chapter 3's saturation widgets"),
stepped by the widget's own rule and, for the cross-entropy, by the exact
gradient; and the weight-initialisation Gaussian (ch3.winit.gauss), in closed
form beside a seeded Monte Carlo of the same neuron."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from .. import claims, demos
from ..config import root_seed
from ..errors import NnsciError
from ..tables import table

# The text's and the catalog's numbers, for the "book" column.
BOOK_FINAL_OUTPUT = {"saturation1": 0.09, "saturation2": None, "saturation3": None, "saturation4": None}
BOOK_INITIAL_OUTPUT = {"saturation1": 0.82, "saturation2": 0.98, "saturation3": 0.82, "saturation4": 0.98}
BOOK_STD_LARGE = 22.4  # sqrt(501), "N(0, sqrt(501) ~ 22.4)"
BOOK_STD_SMALL = 1.22  # sqrt(3/2)
FLAT_BAND = 0.05  # demo.sat2.flat_epochs: steps until the output has moved more than this from its start
HESSIAN_WEIGHTS = 10 ** 7  # ch3.hessian: "a network with 10^7 weights"
MONTE_CARLO_SAMPLES = 20000  # the same at every scale: it takes a fraction of a second
N_IN, N_ON = 1000, 500




def saturation_rows():
    """One row per widget run: the start, the rule, and where 301 steps take it."""
    runs = [(name, demo, "widget") for name, demo in demos.DEMOS.items()]
    for name in ("saturation3", "saturation4"):
        for eta in (0.005, 0.15):
            runs.append((f"{name}_exact", demos.with_cost(demos.DEMOS[name], demos.CROSS_ENTROPY_EXACT, eta),
                         "exact gradient"))
    rows, numbers = [], {}
    for name, demo, rule in runs:
        run = demos.run_neuron(demo)
        rows.append({"demo": name, "cost": demo.cost.name.split(" (")[0], "rule": rule,
                     "delta": "a" if demo.cost is demos.CROSS_ENTROPY_EXACT else
                     ("1/(1-a)" if demo.cost is demos.CROSS_ENTROPY_WIDGET else "a*a(1-a)"),
                     "w0": demo.w0, "b0": demo.b0, "eta": demo.eta,
                     "output0": run["a"][0], "cost0": run["cost"][0],
                     "output_at_150": run["a"][150], "output_at_300": run["a"][300],
                     "w_final": run["w"][-1], "b_final": run["b"][-1], "output_final": run["a"][-1],
                     "cost_last_frame": run["cost"][-1],
                     "book_output0": BOOK_INITIAL_OUTPUT.get(name),
                     "book_output_final": BOOK_FINAL_OUTPUT.get(name)})
        key = f"demo.{name.replace('saturation', 'sat')}" + (f".eta{demo.eta:g}" if rule != "widget" else "")
        numbers.update({f"{key}.output0": run["a"][0], f"{key}.cost0": run["cost"][0],
                        f"{key}.w_final": run["w"][-1], f"{key}.b_final": run["b"][-1],
                        f"{key}.output_final": run["a"][-1]})
    numbers["demo.sat2.flat_epochs"] = claims.flat_steps(demos.run_neuron(demos.DEMOS["saturation2"])["a"], FLAT_BAND)
    return rows, numbers


def analytic_numbers():
    """ch3.ce.lr_note: the integral of sigma(1 - sigma) over sigma in [0, 1] (the mean of sigma' as a
    function of the output), exact from its polynomial's coefficients, and its inverse, the factor by
    which the quadratic cost learns slower; ch3.hessian.entries: the Hessian of 10^7 weights."""
    coefficients = (0, 1, -1)   # sigma - sigma^2
    integral = sum(Fraction(c, k + 1) for k, c in enumerate(coefficients))
    return {"ch3.ce.lr_note.integral": float(integral), "ch3.ce.lr_note.factor": float(1 / integral),
            "ch3.hessian.entries": float(HESSIAN_WEIGHTS * HESSIAN_WEIGHTS)}


def gaussian_rows(root_seed):
    """std(z) for the 1,000-input neuron (half the inputs on): closed form and Monte Carlo."""
    from ..config import run_seed_sequence

    rng = np.random.default_rng(run_seed_sequence(root_seed, "ch3.winit.gauss"))
    rows, numbers = [], {}
    for key, weight_std, book in [("large", 1.0, BOOK_STD_LARGE),
                                  ("small", 1 / math.sqrt(N_IN), BOOK_STD_SMALL)]:
        exact = demos.z_std(N_IN, N_ON, weight_std)
        mc = float(np.std(demos.z_samples(rng, MONTE_CARLO_SAMPLES, N_IN, N_ON, weight_std)))
        rows.append({"demo": f"winit.gauss.{key}", "cost": "", "rule": f"weights N(0, {weight_std:.4g}^2)",
                     "eta": None, "std_z": exact, "std_z_monte_carlo": mc, "book_std_z": book})
        numbers[f"ch3.winit.gauss.std_{key}"] = exact
        numbers[f"ch3.winit.gauss.std_{key}.monte_carlo"] = mc
    return rows, numbers


@table("ch3.demos")
def demos_table(inputs, scale):
    """The saturation widgets' end points and the weight-initialisation Gaussian's width."""
    sat_rows, numbers = saturation_rows()
    gauss_rows, gauss_numbers = gaussian_rows(root_seed(inputs))
    numbers.update(gauss_numbers)
    numbers.update(analytic_numbers())
    df = pd.DataFrame(sat_rows + gauss_rows)
    notes = f"""
The saturation widgets (docs/fidelity.md, "Chapter 3's saturation widgets"): one neuron, input 1, target 0,
a = sigma(w + b). The widget steps once in each of its frames 0 ... 300, so 301 steps in all;
`output_at_k` is the output after k steps, `*_final` after all 301, `cost_last_frame` the cost it
plots in frame 300. For the quadratic cost the widget's delta a*a(1-a) is the exact gradient.
For the cross-entropy the widget steps with delta = 1/(1-a) (dC/da); the exact gradient dC/dw = a
at the book's eta = 0.005 barely moves the neuron in 301 steps, at eta = 0.15 it learns fast from
both starts (rows `_exact`).

`demo.sat2.flat_epochs` (the book: "hardly changes in the first 150 epochs"): the first step at which
saturation2's output has moved more than {FLAT_BAND} from its start. The learning-rate note
(`ch3.ce.lr_note`): the integral of sigma(1 - sigma) over [0, 1] is 1/6, so the quadratic cost learns
about 6x slower; `ch3.hessian.entries`: 10^7 weights give 10^7 x 10^7 second derivatives.

The Gaussian (ch3.winit.gauss): z = sum of the {N_ON} weights of the inputs that are on, plus the
bias (N(0, 1)). `std_z` is the closed form sqrt({N_ON} s^2 + 1) (sqrt(501) = 22.38 and
sqrt(3/2) = 1.2247); `std_z_monte_carlo` is the sample standard deviation of
{MONTE_CARLO_SAMPLES} draws of the whole neuron, seeded by the root seed and "ch3.winit.gauss".
The same at every scale.
"""
    return df, notes, numbers
