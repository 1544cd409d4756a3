"""The chapter 3 and 5 numbers that need no trained network, against the book and the mathematics.

Expected values come from the saturation widgets simulated from the book's JavaScript
(docs/fidelity.md, "Chapter 3's saturation widgets"), chapter 5's printed facts, the
book's own printed numbers, closed forms, or finite differences."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnsci import demos
from nnsci.errors import NnsciError


def _run(name):
    return demos.run_neuron(demos.DEMOS[name])


# ------------------------------------------------------------------ saturation widgets

def test_sat1_matches_catalog():
    run = _run("saturation1")
    assert round(run["a"][0], 2) == 0.82  # "出力の初期値は0.82"
    assert run["w"][-1] == pytest.approx(-1.284, abs=5e-4)
    assert run["b"][-1] == pytest.approx(-0.984, abs=5e-4)
    assert run["a"][-1] == pytest.approx(0.0938, abs=5e-5)
    assert round(run["a"][-1], 2) == 0.09  # "出力は0.09"
    assert run["cost"][0] == pytest.approx(0.334, abs=5e-4)
    assert run["cost"][-1] == pytest.approx(0.0044, abs=5e-5)
    assert len(run["cost"]) == 301  # frames 0 ... 300


def test_sat2_outputs_along_the_way():
    run = _run("saturation2")
    catalog = {0: 0.982, 50: 0.976, 100: 0.964, 150: 0.933, 200: 0.789, 250: 0.357, 300: 0.203}
    for step, output in catalog.items():
        assert run["a"][step] == pytest.approx(output, abs=5e-4), step


def test_cross_entropy_widgets():
    sat3, sat4 = _run("saturation3"), _run("saturation4")
    assert sat3["a"][-1] == pytest.approx(0.040, abs=5e-4)
    assert sat4["a"][-1] == pytest.approx(0.047, abs=5e-4)
    assert sat4["cost"][0] == pytest.approx(4.02, abs=5e-3)
    assert np.all(np.diff(sat4["cost"]) < 0)  # "the slope of the cost curve is steep" and falling


def test_exact_cross_entropy_gradient_barely_moves_at_book_eta():
    # Catalog section 3 notes: with delta = a and eta = 0.005 the outputs end at 0.78 and 0.42.
    ends = {name: demos.run_neuron(demos.with_cost(demos.DEMOS[name], demos.CROSS_ENTROPY_EXACT))["a"][-1]
            for name in ("saturation4", "saturation3")}
    assert ends["saturation4"] == pytest.approx(0.78, abs=5e-3)
    assert ends["saturation3"] == pytest.approx(0.42, abs=5e-3)


@pytest.mark.parametrize("cost, exact", [(demos.QUADRATIC, True), (demos.CROSS_ENTROPY_EXACT, True),
                                         (demos.CROSS_ENTROPY_WIDGET, False)])
def test_widget_delta_against_finite_difference(cost, exact):
    """dC/dw of C(sigma(w + b)) by central differences: the quadratic widget's delta is exact,
    the cross-entropy widget's is not (it is dC/da)."""
    h = 1e-6
    for w, b in [(0.6, 0.9), (2.0, 2.0), (-1.0, 0.3)]:
        c = lambda w_: float(cost.fn(1 / (1 + math.exp(-(w_ + b)))))
        numeric = (c(w + h) - c(w - h)) / (2 * h)
        a = 1 / (1 + math.exp(-(w + b)))
        assert (abs(cost.delta(a) - numeric) < 1e-6) == exact


# ------------------------------------------------------------------- curve fitting

def test_polynomial_is_the_books():
    np.testing.assert_allclose(demos.interpolating_polynomial(), demos.BOOK_POLYNOMIAL, rtol=1e-6)
    fit = np.polyval(demos.interpolating_polynomial(), demos.SIMPLE_DATA_X)
    np.testing.assert_allclose(fit, demos.SIMPLE_DATA_Y, atol=1e-6)


# ------------------------------------------------------------------- the Gaussians

def test_gaussian_widths_and_monte_carlo():
    assert demos.z_std() == pytest.approx(math.sqrt(501))
    assert round(demos.z_std(), 1) == 22.4
    small = demos.z_std(weight_std=1 / math.sqrt(1000))
    assert small == pytest.approx(math.sqrt(1.5))
    assert round(small, 2) == 1.22
    rng = np.random.default_rng(12345)
    # 4,000 draws: the sample std is within about 1.1% (one sigma); allow 5%.
    assert np.std(demos.z_samples(rng, 4000)) == pytest.approx(math.sqrt(501), rel=0.05)
    assert np.std(demos.z_samples(rng, 4000, weight_std=1 / math.sqrt(1000))) == pytest.approx(
        math.sqrt(1.5), rel=0.05)
    x = np.linspace(-200, 200, 400001)
    assert np.trapezoid(demos.gaussian_pdf(x, 22.4), x) == pytest.approx(1.0, abs=1e-6)


# ----------------------------------------------------------------------- the valley

def test_descent_paths():
    eta, v0 = 0.1, np.array([0.9, -0.5])
    path = demos.gradient_descent_path(v0, eta, 12)
    # On C = |v|^2 each step multiplies v by (1 - 2 eta).
    np.testing.assert_allclose(path, np.outer((1 - 2 * eta) ** np.arange(13), v0))
    m = demos.momentum_path(v0, 0.04, 0.8, 3)
    u1 = -0.04 * 2 * v0
    u2 = 0.8 * u1 - 0.04 * 2 * (v0 + u1)
    np.testing.assert_allclose(m[:3], [v0, v0 + u1, v0 + u1 + u2])


# ------------------------------------------------------------------------- chapter 5

def test_sigmoid_prime():
    z = np.linspace(-8, 8, 1601)
    h = 1e-6
    np.testing.assert_allclose(demos.sigmoid_prime(z), (demos.sigmoid(z + h) - demos.sigmoid(z - h)) / (2 * h),
                               atol=1e-9)
    assert demos.sigmoid_prime(z).max() == 0.25 == demos.sigmoid_prime(0.0)
    assert np.isfinite(demos.sigmoid(np.array([-1000.0, 1000.0]))).all()


def _brute_force_width(w, b, n=400001):
    """Width of {a : |w sigma'(wa + b)| >= 1} by counting grid points: independent of both methods."""
    a = np.linspace(-3, 3, n)
    ok = np.abs(w * demos.sigmoid_prime(w * a + b)) >= 1
    return ok.sum() * (a[1] - a[0])


@pytest.mark.parametrize("w, b", [(5.0, 0.0), (6.9, -2.0), (-10.0, 1.5), (30.0, 4.0)])
def test_interval_width_three_ways(w, b):
    numeric = demos.interval_width(w)
    assert numeric == pytest.approx(float(demos.interval_width_closed_form(w)), rel=1e-12)
    assert numeric == pytest.approx(_brute_force_width(w, b), abs=2e-5)


def test_no_interval_below_four():
    assert demos.interval_width(3.9) == 0.0
    assert float(demos.interval_width_closed_form(3.9)) == 0.0


def test_max_interval_width():
    w, width = demos.max_interval_width()
    assert round(width, 2) == 0.45 and round(w, 1) == 6.9  # the book
    assert width == pytest.approx(0.44774, abs=1e-5) and w == pytest.approx(6.894, abs=1e-3)  # catalog
    grid = np.linspace(4, 50, 460001)
    closed = demos.interval_width_closed_form(grid)
    assert width == pytest.approx(closed.max(), abs=1e-9)
    assert w == pytest.approx(grid[closed.argmax()], abs=1e-3)


def _chain_cost(x, y, weights, biases):
    _, activations = demos.chain_forward(x, weights, biases)
    return 0.5 * (activations[-1] - y) ** 2


def test_exploding_chain():
    weights = [100.0] * 4
    biases = demos.zero_z_biases(1.0, weights)
    zs, _ = demos.chain_forward(1.0, weights, biases)
    assert zs == [0.0] * 4
    assert demos.chain_factors(1.0, weights, biases) == [25.0] * 3
    grads = demos.chain_bias_gradients(1.0, 0.0, weights, biases)
    assert [grads[j] / grads[j + 1] for j in range(3)] == pytest.approx([25.0] * 3)
    # Backprop against central differences of the cost in each bias.
    h = 1e-7
    for j in range(4):
        up, down = list(biases), list(biases)
        up[j] += h
        down[j] -= h
        numeric = (_chain_cost(1.0, 0.0, weights, up) - _chain_cost(1.0, 0.0, weights, down)) / (2 * h)
        assert grads[j] == pytest.approx(numeric, rel=1e-5)


# ------------------------------------------------------------- figures and tables

def test_png_and_gif_rebuild_byte_identical(tmp_path):
    from nnsci.figures import make_figure

    for name, ext in [("ch3.saturation2", "png"), ("ch3.saturation1_anim", "gif")]:
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        make_figure(name, a, scale="ci")
        make_figure(name, b, scale="ci")
        assert a.read_bytes() == b.read_bytes(), name
    from PIL import Image

    with Image.open(tmp_path / "a.gif") as gif:
        assert 30 <= gif.n_frames <= 60
    assert (tmp_path / "a.gif").stat().st_size < 400_000


def test_mnist_figure_needs_its_input(tmp_path):
    from nnsci.figures import make_figure

    with pytest.raises(NnsciError, match="--input mnist"):
        make_figure("ch3.more_data_5", tmp_path / "x.png", scale="ci")
    assert not (tmp_path / "x.png").exists()


def test_tables(tmp_path):
    from nnsci.tables import make_table

    make_table("ch5.analytic", tmp_path / "analytic.md", scale="ci", metrics=tmp_path / "analytic.json")
    n = json.loads((tmp_path / "analytic.json").read_text())["numbers"]
    assert n["ch5.sigmaprime.max"] == 0.25
    assert n["ch5.explode.factor"] == 25.0
    assert n["ch5.explode.ratio_b1_b4"] == pytest.approx(25.0 ** 3)
    assert n["ch5.prob.bound.max_width"] == pytest.approx(0.44774, abs=1e-5)
    assert (tmp_path / "analytic.csv").exists()

    make_table("ch3.demos", tmp_path / "demos.md", inputs={"seed": "7"}, scale="ci",
               metrics=tmp_path / "demos.json")
    n = json.loads((tmp_path / "demos.json").read_text())["numbers"]
    assert n["demo.sat1.w_final"] == pytest.approx(-1.284, abs=5e-4)
    assert n["demo.sat4.cost0"] == pytest.approx(4.02, abs=5e-3)
    assert n["ch3.winit.gauss.std_large"] == pytest.approx(math.sqrt(501))
    assert n["ch3.winit.gauss.std_small.monte_carlo"] == pytest.approx(math.sqrt(1.5), rel=0.03)
    with pytest.raises(NnsciError, match="seed"):
        make_table("ch3.demos", tmp_path / "bad.md", inputs={"seed": "x"}, scale="ci")
