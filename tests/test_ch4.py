"""Chapter 4: the numbers behind every figure, against the book's parameters and hand arithmetic.

Expected values come from the book's js/chap4.js parameters (docs/fidelity.md, "Chapter 4's interactive figures")
or from mathematics done here by hand; pixels are not compared, only rebuilt bytes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnsci import universality as U
from nnsci.config import load_scale
from nnsci.figures import FIGURES, load_all
from nnsci.experiments import ch4 as ch4_numbers
from nnsci.figures import ch4, ch4_catalog, ch4_xy
from nnsci.figures.diagram_catalog import diagram_names


def sig(z):
    return 1 / (1 + math.exp(-z))


# -- f(x) and σ^{-1}∘f -------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, 0.1, 0.5, 0.73, 1.0])
def test_goal_is_the_figures_formula(x):
    # 0.2 + 0.4x² + 0.3x sin(15x) + 0.05 cos(50x), written out term by term
    expected = 0.2 + 0.4 * x * x + 0.3 * x * math.sin(15 * x) + 0.05 * math.cos(50 * x)
    assert U.goal(x) == pytest.approx(expected, abs=1e-12)


def test_goal_hand_values():
    assert U.goal(0.0) == pytest.approx(0.25)  # 0.2 + 0.05 cos 0
    # x = 1: 0.6 + 0.3 sin 15 + 0.05 cos 50, sin 15 = 0.650287840, cos 50 = 0.964966028
    assert U.goal(1.0) == pytest.approx(0.6 + 0.3 * 0.650287840 + 0.05 * 0.964966028, abs=1e-8)


def test_goal_range_on_the_widget_grid():
    g = U.goal(U.challenge_grid())
    assert len(g) == 100
    assert g.min() == pytest.approx(0.0967, abs=5e-5)  # f's minimum on the 100 points
    assert g.max() == pytest.approx(0.8528, abs=5e-5)


def test_inverted_goal():
    assert U.inverted_goal(0.0) == pytest.approx(math.log(0.25 / 0.75))  # = -log 3
    x = np.linspace(0, 1, 101)
    assert np.allclose(1 / (1 + np.exp(-U.inverted_goal(x))), U.goal(x))
    g = U.inverted_goal(U.challenge_grid())
    assert g.min() == pytest.approx(-2.234, abs=5e-4)
    assert g.max() == pytest.approx(1.757, abs=5e-4)


# -- neurons, steps and bumps ---------------------------------------------------------


@pytest.mark.parametrize("w,b,s", [(8, -4, 0.5), (999, -400, 400 / 999), (100, -40, 0.40), (8, -5, 0.625)])
def test_step_position(w, b, s):
    assert U.step_position(w, b) == pytest.approx(s)
    assert U.neuron_output(s, w, b) == pytest.approx(0.5)
    assert U.bias_for_step(w, s) == pytest.approx(b)


def test_convert_bias():
    assert U.bias_for_step(1000, 0.2) == pytest.approx(-200)  # ch4.convert


@pytest.mark.parametrize("w,delta", [(100, 0.05), (999, 0.01), (1000, 0.005)])
def test_large_weight_neuron_is_a_step(w, delta):
    s = 0.4
    x = np.linspace(0, 1, 20001)
    far = np.abs(x - s) >= delta
    gap = np.abs(U.neuron_output(x[far], w, -w * s) - (x[far] >= s)).max()
    assert gap <= sig(-w * delta) + 1e-12
    assert U.step_error(w, delta) == pytest.approx(sig(-w * delta))
    assert gap < 0.01


def test_weighted_steps_fig4_12():
    # s1 = 0.40, s2 = 0.60, w1 = 0.6, w2 = 1.2: 0, then 0.6, then 1.8
    v = U.weighted_steps(np.array([0.2, 0.5, 0.8]), [0.4, 0.6], [0.6, 1.2])
    assert np.allclose(v, [0.0, 0.6, 1.8])


@pytest.mark.parametrize("h", [0.8, 0.6, -1.2, 0.3])
def test_bump_height(h):
    v = U.bump(np.array([0.3, 0.5, 0.7]), 0.4, 0.6, h)
    assert np.allclose(v, [0, h, 0])
    # with steep sigmoid steps (the fix-up figures' weight 300) the middle is h too
    assert U.bump(0.5, 0.4, 0.6, h, w=300) == pytest.approx(h, abs=1e-9)


def test_double_bump():
    steps, weights = ch4.bump_pairs([0.40, 0.70], [0.60, 0.90], [-1.2, 0.3])
    assert steps == [0.4, 0.6, 0.7, 0.9] and weights == [-1.2, 1.2, 0.3, -0.3]
    v = U.weighted_steps(np.array([0.5, 0.65, 0.8, 0.95]), steps, weights)
    assert np.allclose(v, [-1.2, 0, 0.3, 0])


def test_five_bump_start_is_a_widget_draw():
    h = ch4.five_bump_heights()
    assert len(h) == 5
    assert np.all(np.abs(h) <= 1.5)
    assert np.allclose(h * 10, np.round(h * 10))  # multiples of 0.1
    assert np.allclose(U.bump_steps(5), [0, 0.2, 0.4, 0.6, 0.8, 1.0])


# -- the challenge -----------------------------------------------------------------------


def brute_force_score(h):
    """The widget's score written out independently: Σ_j |σ^{-1}(f(x_j)) - h[floor(j/20)]| / 100."""
    total = 0.0
    for j in range(100):
        x = j / 100
        f = 0.2 + 0.4 * x * x + 0.3 * x * math.sin(15 * x) + 0.05 * math.cos(50 * x)
        total += abs(math.log(f / (1 - f)) - h[j // 20])
    return total / 100


def test_challenge_score_matches_the_widget():
    for h in ([0, 0, 0, 0, 0], [-1.2, -1.4, -0.3, -1.0, 1.1], [1.5, -1.5, 0.7, 0.2, -0.4]):
        assert U.average_deviation(h) == pytest.approx(brute_force_score(h), abs=1e-12)


def test_best_five_bumps():
    h = U.best_bump_heights(5)
    # per-bin medians and the best average deviation ≈ 0.372
    assert np.allclose(h, [-1.243, -1.423, -0.341, -0.983, 1.143], atol=5e-4)
    dev = U.average_deviation(h)
    assert dev == pytest.approx(0.372, abs=5e-4)
    assert dev < 0.405  # the widget's "Success!"
    assert dev == pytest.approx(brute_force_score(h), abs=1e-12)


def test_design_function_default_is_the_widgets_start():
    """fig4.19 as the book shows it: five heights from the widget's random start (round(30u) - 15) / 10,
    i.e. tenths in [-1.5, 1.5], the same fixed draw as fig4.16, scored by the widget's rule; the
    y axis -2.5 to 3 with ticks -2, -1, 1, 2, 3."""
    st = ch4.design_state()
    h = np.asarray(st["heights"])
    assert h.shape == (5,)
    assert np.all(np.abs(h) <= 1.5) and np.allclose(h * 10, np.round(h * 10))
    assert np.array_equal(h, ch4.five_bump_heights())
    assert st["deviation"] == pytest.approx(brute_force_score(h), abs=1e-12)
    assert st["success"] == (brute_force_score(h) < 0.405)
    assert st["ylim"] == (-2.5, 3) and st["yticks"] == (-2, -1, 1, 2, 3)


def test_design_function_solved_is_the_medians():
    st = ch4.design_state(solved=True)
    assert np.allclose(st["heights"], [-1.243, -1.423, -0.341, -0.983, 1.143], atol=5e-4)
    assert st["success"] and st["deviation"] == pytest.approx(0.372, abs=5e-4)


def test_no_heights_on_a_grid_beat_the_medians():
    # bins are independent: search each bin's height over a 0.001 grid
    x = np.arange(100) / 100
    g = np.log(U.goal(x) / (1 - U.goal(x)))
    cand = np.arange(-3, 3, 0.001)
    best = sum(np.abs(g[20 * i:20 * i + 20, None] - cand[None, :]).sum(0).min() for i in range(5)) / 100
    assert U.average_deviation(U.best_bump_heights(5)) <= best + 1e-12


# -- two inputs -------------------------------------------------------------------------------


def test_xy_steps():
    assert U.step_xy(0.6, 0.1, 0.5, "x") == pytest.approx(1.0)
    assert U.step_xy(0.4, 0.9, 0.5, "x") == pytest.approx(0.0)
    assert U.step_xy(0.9, 0.4, 0.5, "y") == pytest.approx(0.0)
    assert U.bump_xy(0.5, 0.0, 0.3, 0.7, 0.6, "x") == pytest.approx(0.6)
    assert U.bump_xy(0.0, 0.5, 0.3, 0.7, 0.6, "y") == pytest.approx(0.6)


def test_tower_heights():
    h = 0.3
    # x-bump on [0.4, 0.6], y-bump on [0.3, 0.7]: 2h where both, h on one, 0 on neither
    assert U.tower_input(0.5, 0.5, h) == pytest.approx(2 * h)
    assert U.tower_input(0.5, 0.1, h) == pytest.approx(h)
    assert U.tower_input(0.1, 0.5, h) == pytest.approx(h)
    assert U.tower_input(0.1, 0.1, h) == pytest.approx(0)
    # the video's h = 10 with b = -3h/2 = -15 (ch4.tower): σ(5) on the tower, σ(-5) on a ridge
    assert U.tower_output_bias(10) == pytest.approx(-15)
    assert U.tower_network(0.5, 0.5, 10, -15) == pytest.approx(sig(5))
    assert U.tower_network(0.5, 0.1, 10, -15) == pytest.approx(sig(-5))
    assert U.tower_network(0.1, 0.1, 10, -15) == pytest.approx(sig(-15))
    assert U.tower_levels(0.3, -0.5) == pytest.approx((sig(-0.5), sig(-0.2), sig(0.1)))


def test_n_dim_output_bias():
    assert U.tower_output_bias(1.0, 3) == pytest.approx(-2.5)  # -5h/2
    assert U.tower_output_bias(2.0, 4) == pytest.approx(2 * (-4 + 0.5))


def test_static_towers():
    assert U.ideal_tower(0.5, 0.5) == 0.7 and U.ideal_tower(0.5, 0.8) == 0
    for i in range(5):
        for j in range(5):
            assert U.many_towers((i + 0.5) / 5, (j + 0.5) / 5) == pytest.approx((i * i + j * j) / 50)
    assert U.two_towers(0.15, 0.85, 0.7, 0.5) == pytest.approx(0.7)
    assert U.two_towers(0.75, 0.25, 0.7, 0.5) == pytest.approx(0.5)
    assert U.two_towers(0.5, 0.5, 0.7, 0.5) == 0


# -- other activations and the fix-up -----------------------------------------------------------


def test_sigmoid_like():
    for z in (-2.0, 0.0, 0.1, 1.3):
        assert U.sigmoid_like(z) == pytest.approx(sig(z) + 0.2 * math.sin(10 * z) * math.exp(-abs(z)))


def test_fixup_series():
    x = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    rows = U.series_bumps(x, U.SERIES_STARTS, U.SERIES_H)
    assert np.allclose(np.diag(rows), U.SERIES_H, atol=1e-9)  # bump i is H_i in its own bin
    assert np.allclose(U.SHIFTED_H, [-0.775, -0.575, -0.35, -0.3, 0.3])
    assert U.neuron_output(0.5, 50, -25) == pytest.approx(0.5)  # the window of failure's centre


# -- the figures ---------------------------------------------------------------------------------


def test_catalog_is_the_registry():
    load_all()
    # ch4.learning (universality shown by learning) is beyond the book, not a catalog slot.
    # The chapter's network diagrams are in the diagram catalog (tests/test_diagrams.py).
    diagrams = {f"ch4.{n}" for n in diagram_names("ch4")}
    registered = {k for k in FIGURES if k.startswith("ch4.") and k != "ch4.learning"} - diagrams
    assert registered == {f"ch4.{n}" for n in ch4_catalog.figure_names()}
    assert len(registered) == 33  # 32 unique computed figures in the chapter, and fig4.19 solved
    ids = " ".join(c for _, _, c in ch4_catalog.CATALOG).split()
    assert len(ids) == len(set(ids)) == 36  # 36 computed slots, 4 of them repeats
    assert sum(ext == "gif" for _, ext, _ in ch4_catalog.CATALOG) == 3


def test_sweeps_match_the_catalog():
    w, b = ch4.create_step_sweep(12)
    assert w[0] == pytest.approx(8) and b[0] == pytest.approx(-4) and w[-1] > 100
    assert U.step_position(w[-1], b[-1]) == pytest.approx(0.3)
    w, b = ch4_xy.step_3d_sweep(12)
    assert w[0] == pytest.approx(8) and b[0] == pytest.approx(-5) and w[-1] == pytest.approx(100)
    h, b = ch4_xy.tower_sweep(12)
    assert h[0] == pytest.approx(0.3) and h[-1] == pytest.approx(10) and b[-1] == pytest.approx(-15)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every ch4 figure at the ci scale, built once for the tests below."""
    load_all()
    scale = load_scale("ci")
    d = tmp_path_factory.mktemp("ch4")
    for f in ch4_catalog.figure_files():
        FIGURES["ch4." + f.rsplit(".", 1)[0]](d / f, {}, scale)
    return d, scale


def test_every_figure_builds(built):
    d, _ = built
    for f in ch4_catalog.figure_files():
        data = (d / f).read_bytes()
        magic = b"GIF89a" if f.endswith(".gif") else b"\x89PNG"
        assert data.startswith(magic), f


def test_gif_frames_follow_the_scale(built):
    from PIL import Image

    d, scale = built
    with Image.open(d / "create_step_function.gif") as im:
        assert im.n_frames == scale.gif_frames_max


@pytest.mark.parametrize("name", ["design_function.png", "design_function_solved.png", "tower_construction.png", "create_step_function.gif"])
def test_rebuild_is_byte_identical(built, tmp_path, name):
    d, scale = built
    FIGURES["ch4." + name.rsplit(".", 1)[0]](tmp_path / name, {}, scale)
    assert (tmp_path / name).read_bytes() == (d / name).read_bytes()


def test_numbers_table():
    from nnsci.experiments.ch4 import numbers_table

    df, notes, numbers = numbers_table({}, load_scale("ci"))
    assert df["id"].is_unique
    assert numbers["ch4.s"] == pytest.approx(0.40)
    assert numbers["ch4.challenge"] == pytest.approx(0.372, abs=5e-4)
    assert numbers["ch4.tower.threshold"] == pytest.approx(-15)
    assert numbers["ch4.bump"] == pytest.approx(0.8)


def test_numbers_the_build_used_to_miss_are_the_books():
    """ch4.f_without_x.min and the per-bin means of the challenge (book.yaml, derived
    arithmetic), the caveat (3 hidden neurons worse than 5) and the fix-up's "roughly 2x"."""
    from nnsci.reference import load_book

    book = load_book()
    rows = {r[0]: r[2] for r in ch4_numbers.numbers()}
    assert round(rows["ch4.f_without_x.min"], 3) == book["ch4.f_without_x.min"]["value"]
    for i in range(1, 6):
        assert round(rows[f"ch4.challenge.mean{i}"], 3) == pytest.approx(book[f"ch4.challenge.mean{i}"]["value"])
    assert rows["ch4.caveat.eps3"] > rows["ch4.caveat.eps5"] > 0
    assert rows["ch4.fix.factor"] == pytest.approx(2.0, rel=0.25)
