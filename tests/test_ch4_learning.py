"""Universality shown by learning: the bump construction, the spread start, and that the fit improves.

Expected values come from the chapter's f and from arithmetic, not from the code under test."""

from __future__ import annotations

import numpy as np
import pytest

from nnsci.config import run_seed_sequence
from nnsci.experiments import ch4_learning as cl


def f(x):
    return 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15 * x) + 0.05 * np.cos(50 * x)


def test_points_are_f_on_1000_even_points():
    x, y = cl.points()
    assert len(x) == 1000 and x[0] == 0 and x[-1] == 1
    np.testing.assert_allclose(y, f(x))


@pytest.mark.parametrize("n", [2, 10, 50])
def test_bumps_are_f_at_bin_centres_away_from_the_edges(n):
    k = n // 2
    centres = (np.arange(k) + 0.5) / k
    np.testing.assert_allclose(cl.bump_construction(centres, n), f(centres), atol=1e-9)


def test_an_odd_neuron_is_left_over_and_the_ends_are_whole():
    # 5 neurons: 2 bumps, on [0, 1/2) of height f(1/4) and on [1/2, 1] of height f(3/4)
    g = cl.bump_construction(np.array([0.0, 0.2, 0.8, 1.0]), 5)
    np.testing.assert_allclose(g, [f(0.25), f(0.25), f(0.75), f(0.75)], atol=1e-9)


def test_spread_start_places_neuron_i_at_its_slot():
    from nnsci.engine import Network

    net = Network([1, 4, 1], "sigmoid", "linear", "quadratic", "float64")
    net.initialize("default", np.random.default_rng(0).standard_normal)
    cl.spread_start(net, 4)
    steps = -net.biases(1) / net.weights(1)[:, 0]
    np.testing.assert_allclose(steps, [0.125, 0.375, 0.625, 0.875])


def test_errors_are_max_and_mean_absolute():
    assert cl.errors([1.0, 2.0, 4.0], [1.0, 1.0, 1.0]) == (3.0, pytest.approx(4 / 3))


def test_fit_improves_with_neurons_on_a_tiny_budget():
    x, y = cl.points()
    mean_error = {}
    for n in (2, 20):
        net = cl.train_fit(n, "spread", run_seed_sequence(1, f"test.n{n}"), epochs=80)
        mean_error[n] = cl.errors(cl.learned(net, x), y)[1]
    # a 2-neuron net can follow the rising trend only; 20 neurons follow the x sin(15x) wave too
    assert mean_error[20] < 0.7 * mean_error[2]
    assert mean_error[20] < 0.06


def test_epochs_at_a_scale_ignore_the_mnist_cap():
    assert cl.epochs_at({"epochs_factor": 1.0}) == cl.EPOCHS
    assert cl.epochs_at({"epochs_factor": 0.1, "epochs_max": 3}) == cl.EPOCHS // 10
    assert cl.epochs_at({"epochs_factor": 0.0001}) == cl.STAGES
