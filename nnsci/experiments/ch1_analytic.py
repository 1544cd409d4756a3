"""Chapter 1's arithmetic, computed rather than typed: table ``ch1.analytic``.

Perceptrons (docs/fidelity.md, "Chapter 1's and chapter 2's arithmetic"): the cheese-festival
perceptron (weights 6, 2, 2; threshold 5 gives the weather bit, threshold 3 weather OR (transit
AND partner)), the NAND perceptron (weights -2, -2, bias 3) and the half-adder built from it (the
doubled input merged into one weight of -4); the counting facts (64 x 64 inputs, 2^4 codes, the
mini-batch speed-up, the Hessian's entries); and exercise E1.1's bitwise output layer, constructed
and proved correct on the exercise's worst cases in exact rational arithmetic. Its accuracy on top
of a trained network is table ``ch1.bitwise`` (ch1_bitwise.py)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pandas as pd

from ..tables import table

CHEESE_WEIGHTS = (6, 2, 2)          # weather, partner, transit
NAND_WEIGHTS, NAND_BIAS = (-2, -2), 3
BITS = 4
BITWISE_WEIGHT = 10                 # E1.1: +10 where digit i has bit j, else -10; bias 0
CORRECT_MIN, OTHER_MAX = Fraction(99, 100), Fraction(1, 100)   # the exercise's assumption


def perceptron(weights, bias, x):
    """1 if w.x + b > 0 else 0 (the book's eq. 2, threshold as -bias); exact integer arithmetic."""
    return int(sum(w * xi for w, xi in zip(weights, x)) + bias > 0)


def nand_z(x1, x2):
    return NAND_WEIGHTS[0] * x1 + NAND_WEIGHTS[1] * x2 + NAND_BIAS


def nand(x1, x2):
    return perceptron(NAND_WEIGHTS, NAND_BIAS, (x1, x2))


def half_adder(x1, x2):
    """The book's figure 1.6: four NAND gates give the sum bit x1 XOR x2, a fifth the carry x1 AND x2."""
    m = nand(x1, x2)
    s = nand(nand(x1, m), nand(m, x2))
    return s, nand(m, m)


def merged_weights():
    """Figure 1.7: the carry gate reads the first gate's output twice; the two -2 edges from the
    same source become one edge of their sum. Returns ``{source: weight}`` of that gate."""
    edges = [("m", NAND_WEIGHTS[0]), ("m", NAND_WEIGHTS[1])]   # nand(m, m)
    out = {}
    for src, w in edges:
        out[src] = out.get(src, 0) + w
    return out


def cheese_agreement(threshold, rule):
    """Of the 8 (weather, partner, transit) inputs, how many give perceptron output == ``rule``."""
    return sum(perceptron(CHEESE_WEIGHTS, -threshold, x) == rule(*x)
               for x in itertools.product((0, 1), repeat=3))


def bitwise_layer(weight=BITWISE_WEIGHT):
    """E1.1: weights (4 x 10) and biases (4) of a layer turning the one-hot old output into digit bits."""
    w = [[weight if (digit >> j) & 1 else -weight for digit in range(10)] for j in range(BITS)]
    return w, [0] * BITS


def bitwise_worst_margin(weight=BITWISE_WEIGHT):
    """The smallest |z_j| with the right sign over every digit, bit and old output allowed by the
    exercise (correct >= 0.99, others <= 0.01): z is linear in the old outputs, so the worst case
    puts each at an end of its range against the bit. Exact; None if any bit can come out wrong."""
    w, b = bitwise_layer(weight)
    worst = None
    for digit in range(10):
        for j in range(BITS):
            want = (digit >> j) & 1
            sign = 1 if want else -1
            z = b[j]
            for i in range(10):
                lo, hi = (CORRECT_MIN, Fraction(1)) if i == digit else (Fraction(0), OTHER_MAX)
                terms = (w[j][i] * lo, w[j][i] * hi)
                z += min(terms) if sign > 0 else max(terms)
            if sign * z <= 0:
                return None
            worst = sign * z if worst is None else min(worst, sign * z)
    return worst


@table("ch1.analytic")
def analytic_table(inputs, scale):
    """Chapter 1's arithmetic: the cheese-festival and NAND perceptrons, the half-adder, the
    counting facts and exercise E1.1's bitwise output layer, computed rather than typed."""
    t5 = cheese_agreement(5, lambda weather, partner, transit: weather)
    t3 = cheese_agreement(3, lambda weather, partner, transit: weather | (transit & partner))
    adder = sum(half_adder(a, b) == (a ^ b, a & b) for a, b in itertools.product((0, 1), repeat=2))
    margin = bitwise_worst_margin()
    n, m = 60000, 10
    numbers = {
        "ch1.cheese.threshold5.agree": {"value": t5, "of": 8},
        "ch1.cheese.threshold3.agree": {"value": t3, "of": 8},
        "ch1.nand.z00": nand_z(0, 0), "ch1.nand.z01": nand_z(0, 1), "ch1.nand.z10": nand_z(1, 0),
        "ch1.nand.z11": nand_z(1, 1),
        "ch1.nand.truth_table": {"value": sum(nand(a, b) == 1 - (a & b)
                                              for a, b in itertools.product((0, 1), repeat=2)), "of": 4},
        "ch1.nand.half_adder": {"value": adder, "of": 4},
        "ch1.nand.merged_weight": merged_weights()["m"],
        "ch1.inputs_64x64": {"value": 64 * 64, "of": 4096},
        "ch1.bitwise.codes": {"value": 2 ** BITS, "of": 16},
        "ch1.sgd.speedup": n // m,
        "ch1.hessian.entries": float((10 ** 6) ** 2),
        "ch1.e1_1.worst_margin": None if margin is None else float(margin),
    }
    rows = [
        ("cheese festival, threshold 5: output = weather (of 8 inputs)", t5, 8),
        ("cheese festival, threshold 3: output = weather OR (transit AND partner)", t3, 8),
        ("NAND z for inputs 00, 01, 10, 11", " ".join(str(nand_z(a, b)) for a, b in
                                                      itertools.product((0, 1), repeat=2)), "3 1 1 -1"),
        ("half-adder from NAND perceptrons right (of 4 inputs)", adder, 4),
        ("merged weight of the doubled input", merged_weights()["m"], -4),
        ("inputs of a 64 x 64 image", 64 * 64, 4096),
        ("codes of 4 output bits", 2 ** BITS, 16),
        ("mini-batch speed-up n / m (n = 60,000, m = 10)", n // m, 6000),
        ("second derivatives of 10^6 variables", f"{(10 ** 6) ** 2:.0e}", "1e+12"),
        ("E1.1: smallest |z| of the bitwise layer on the exercise's worst case", str(margin), "> 0"),
    ]
    w, _ = bitwise_layer()
    notes = ("E1.1's layer (bias 0; row j = bit j of the digit, columns digits 0-9):\n\n" +
             "\n".join("    " + " ".join(f"{v:+d}" for v in row) for row in w) +
             "\n\nWith the correct old output >= 0.99 and the others <= 0.01 every z_j is at least "
             f"{margin} from 0 on the right side (exact rational arithmetic), so sigma(z_j) is within "
             "1e-3 of the bit.")
    return pd.DataFrame(rows, columns=["quantity", "ours", "book"]), notes, numbers
