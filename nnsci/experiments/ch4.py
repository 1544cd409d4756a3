"""Chapter 4's numbers: the values behind the figures of the universality chapter.

No network is trained in chapter 4; every number is a construction parameter or
follows from one (nnsci.universality). A number id is the catalog id where the
book prints the number (``ch4.s``: "-b/w = 0.40"), else a ``ch4.`` id of our own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import universality as U
from ..tables import table


def numbers():
    """[(id, what, value, as printed in the book or None)] in the chapter's order."""
    grid = U.challenge_grid()
    fine = np.linspace(0, 1, 100001)
    best = U.best_bump_heights(5)
    rows = [
        ("ch4.f.min", "min f(x) on the widget's grid x = 0, 0.01, ..., 0.99", U.goal(grid).min(), None),
        ("ch4.f.max", "max f(x) on the widget's grid", U.goal(grid).max(), None),
        ("ch4.f.min_continuous", "min f(x) on [0, 1]", U.goal(fine).min(), None),
        ("ch4.sigmainv.min", "min σ⁻¹∘f on the widget's grid", U.inverted_goal(grid).min(), None),
        ("ch4.sigmainv.max", "max σ⁻¹∘f on the widget's grid", U.inverted_goal(grid).max(), None),
        ("ch4.basic.s", "step point −b/w of fig4.07 (w = 8, b = −4)", U.step_position(8, -4), None),
        ("ch4.w999", "step point −b/w of fig4.09 (w = 999, b = −400)", U.step_position(999, -400), 0.40),
        ("ch4.s", "step point −b/w of fig4.10 (w = 100, b = −40)", U.step_position(100, -40), 0.40),
        ("ch4.w100.gap", "largest |σ(100(x − s)) − step| at ≥ 0.05 from s", U.step_error(100, 0.05), None),
        ("ch4.w1000.gap", "largest |σ(1000(x − s)) − step| at ≥ 0.005 from s", U.step_error(1000, 0.005), None),
        ("ch4.bump", "height of the bump w1 = 0.8, w2 = −0.8 on [0.4, 0.6]",
         float(U.bump(0.5, 0.4, 0.6, 0.8)), 0.8),
        ("ch4.convert", "bias b = −ws of the s = 0.2 step neuron with w = 1000", U.bias_for_step(1000, 0.2), -200),
        ("ch4.challenge", "best average deviation with 5 bumps (per-bin medians); book: 0.40 or below",
         U.average_deviation(best), 0.40),
    ]
    rows += [(f"ch4.challenge.h{i + 1}", f"best height of bump {i + 1}", h, None) for i, h in enumerate(best)]
    rows += [(f"ch4.challenge.mean{i + 1}", f"mean of σ⁻¹∘f over bin {i + 1} (least squares height)", m, None)
             for i, m in enumerate(U.challenge_bin_means(5))]
    rows += [
        ("ch4.f_without_x.min", "min on the widget's grid of the misprinted f (0.3 sin(15x), no x)",
         min(U.goal_at(j / 100.0, with_x=False) for j in range(100)), -0.110),
        ("ch4.caveat.eps3", "ε = sup |g − f| of the best g from 3 hidden step neurons (3 equal bins)",
         U.best_step_error(3), None),
        ("ch4.caveat.eps5", "the same with 5 hidden neurons: a better approximation", U.best_step_error(5), None),
        ("ch4.caveat.ratio", "ε with 3 over ε with 5 hidden neurons (> 1: more neurons approximate better)",
         U.best_step_error(3) / U.best_step_error(5), None),
        ("ch4.fix.factor", "window failure of one series over that of two shifted half-height series "
         "(book: roughly 2x better)", U.window_fix_factor(), 2),
    ]
    rows += [
        ("ch4.ti_graph.s", "x-step point −b/w1 of fig4.21 (w1 = 8, b = −5)", U.step_position(8, -5), None),
        ("ch4.tower.threshold", "output bias −3h/2 of the tower video (h = 10)", U.tower_output_bias(10, 2), -15),
    ]
    outside, ridge, top = U.tower_levels(10, -15)
    rows += [
        ("ch4.tower.outside", "tower video output away from both bumps, σ(b)", outside, None),
        ("ch4.tower.ridge", "tower video output on one bump only (plateau h), σ(b + h)", ridge, None),
        ("ch4.tower.top", "tower video output on the tower (2h), σ(b + 2h)", top, None),
    ]
    outside, ridge, top = U.tower_levels(0.3, -0.5)
    rows += [
        ("ch4.tower0.outside", "fig4.30 output (h = 0.3, b = −0.5) outside", outside, None),
        ("ch4.tower0.ridge", "fig4.30 output on one bump", ridge, None),
        ("ch4.tower0.top", "fig4.30 output on the tower", top, None),
        ("ch4.ndim", "output bias with 3 inputs, in units of h: −5/2", U.tower_output_bias(1, 3), -2.5),
        ("ch4.many_towers.max", "highest of the 5 × 5 'many towers'", float(U.many_towers(0.99, 0.99)), None),
        ("ch4.two_towers.w1", "height of the first of the two towers", float(U.two_towers(0.15, 0.85, 0.7, 0.5)), 0.7),
        ("ch4.two_towers.w2", "height of the second of the two towers", float(U.two_towers(0.75, 0.25, 0.7, 0.5)), 0.5),
    ]
    return rows


NOTES = """\
f(x) = 0.2 + 0.4x² + 0.3x sin(15x) + 0.05 cos(50x), as every figure of the book draws it
(the text prints 0.3 sin(15x); without the x, f dips below 0 and σ⁻¹∘f is undefined).
The challenge is scored as the book's widget scores it: the mean of |σ⁻¹(f(x_j)) − h[⌊j/20⌋]|
over x_j = j/100, j = 0..99; the book asks for 0.40 or below (its widget accepts < 0.405).
Each bin's median minimises its mean absolute deviation, so the per-bin medians are the best
five bumps. Tower outputs use ideal steps (the book's 3-D steps use weight 1000)."""


@table("ch4.numbers")
def numbers_table(inputs, scale):
    """Chapter 4's numbers: the step points, bump heights and tower constructions of the visual
    proof, computed from the constructions."""
    rows = numbers()
    df = pd.DataFrame(rows, columns=["id", "quantity", "value", "book"])
    df["value"] = df["value"].astype(float)
    df["book"] = df["book"].astype(float)
    return df, NOTES, {r[0]: float(r[2]) for r in rows}
