"""Exercise E1.1 on a trained network: table ``ch1.bitwise``.

The bitwise layer of ch1_analytic (4 neurons reading the 10 old outputs) on top of each trained
``ch1.net30`` run: the digit read from its 4 bits against the label, beside the old argmax. A bit is
1 where z_j > 0 (sigma(z_j) > 1/2). The old outputs of a trained net are rarely one-hot (the
exercise's >= 0.99 / <= 0.01), so the two accuracies can differ: that is the exercise's point."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import as_scale
from ..data.mnist import load_mnist, to_float
from ..errors import NnsciError
from ..tables import table
from . import run_ids
from .ch1_analytic import BITS, bitwise_layer
from .summary import load_runs

EXPERIMENT = "ch1.net30"


def bitwise_digits(old_outputs, weights=None):
    """The digit each row's 4 bits spell (bit j = z_j > 0); z by elementwise products and numpy's
    fixed-order sum, so the result does not depend on the CPU's vector width."""
    w = np.asarray(weights if weights is not None else bitwise_layer()[0], dtype=np.float64)
    a = np.asarray(old_outputs, dtype=np.float64)
    digits = np.zeros(len(a), dtype=np.int64)
    for j in range(BITS):
        z = np.sum(a * w[j][None, :], axis=1)
        digits += (z > 0).astype(np.int64) << j
    return digits


@table("ch1.bitwise")
def bitwise_table(inputs, scale):
    """Exercise E1.1 (figure 1.24): the bitwise output layer put on top of trained ch1.net30
    networks, its accuracy beside theirs."""
    from ..engine import feedforward
    from .ch3_runs import load_network

    if "mnist" not in inputs:
        raise NnsciError("ch1.bitwise needs --input mnist=PATH (the prepared mnist.npz)")
    results = inputs.get("results", "results")
    d = load_mnist(inputs["mnist"])
    n = as_scale(scale).size(len(d["test_y"]), "eval")
    rows, numbers = [], {}
    for k, rid in enumerate(run_ids(EXPERIMENT, scale)):
        m = load_runs(results, [rid])[0]
        net = load_network(f"{results}/runs/{rid}/weights.npz", m["spec"])
        x = to_float(d["test_x"][:n], m["spec"]["dtype"])
        y = d["test_y"][:n].astype(np.int64)
        out = feedforward(net, x)
        old = np.argmax(out, axis=1)
        bits = bitwise_digits(out)
        rows.append({"run": rid, "test images": n, "argmax correct": int(np.sum(old == y)),
                     "4-bit code correct": int(np.sum(bits == y)),
                     "code = argmax": int(np.sum(bits == old)),
                     "one-hot enough (max >= 0.99, rest <= 0.01)":
                         int(np.sum((out.max(axis=1) >= 0.99) & (np.sort(out, axis=1)[:, -2] <= 0.01)))})
        if k == 0:
            numbers["ch1.e1_1.argmax_correct"] = {"value": rows[-1]["argmax correct"], "of": n}
            numbers["ch1.e1_1.bitwise_correct"] = {"value": rows[-1]["4-bit code correct"], "of": n}
            numbers["ch1.e1_1.agree"] = {"value": rows[-1]["code = argmax"], "of": n}
    notes = f"""\
E1.1's layer (table ch1.analytic) on the trained {EXPERIMENT} networks (one row per seed; the numbers
are seed 0's), on the first {n:,} test images. "4-bit code correct" decodes the bits as a binary
number; a code of 10-15 is no digit and counts as wrong."""
    return pd.DataFrame(rows), notes, numbers
