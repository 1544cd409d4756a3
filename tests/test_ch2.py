"""Chapter 2's other numbers: the worked examples, backprop's multiply-adds and P2.1's matrix form.

Expected values come from the book (docs/fidelity.md, "Chapter 1's and chapter 2's arithmetic") or
from counting by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nnsci.experiments import ch2_minibatch as m


def test_worked_examples_are_the_books():
    ex = m.worked_examples()
    assert [ex["ch2.examples.square0"], ex["ch2.examples.square1"]] == [4, 9]       # f([2, 3]) = [4, 9]
    assert [ex["ch2.examples.hadamard0"], ex["ch2.examples.hadamard1"]] == [3, 8]   # [1, 2] (.) [3, 4]
    assert ex["ch2.examples.error"] == 4.0                                          # 96.0% -> 4.0% error


def test_multiply_adds_counted_by_hand():
    # [784, 30, 10]: forward 784*30 + 30*10 = 23,820; backward: nabla_w the same, plus W2^T delta2 (300)
    assert m.multiply_adds([784, 30, 10]) == (23820, 24120)
    assert m.backprop_in_forward_passes([784, 30, 10]) == pytest.approx(47940 / 23820)
    # a single layer needs no delta for its input: backprop is exactly two forward passes
    assert m.backprop_in_forward_passes([784, 10]) == 2.0


def test_matrix_backprop_equals_the_per_example_loop():
    rng = np.random.default_rng(3)
    biases, weights = m._init([20, 7, 5, 3], rng)
    xs, ys = rng.random((10, 20)), np.eye(3)[rng.integers(0, 3, 10)]
    (b1, w1), (b2, w2) = m.gradient_loop(biases, weights, xs, ys), m.gradient_matrix(biases, weights, xs, ys)
    for p, q in zip(b1 + w1, b2 + w2):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    r = m.minibatch_speedup(rng.random((40, 784)), np.eye(10)[rng.integers(0, 10, 40)], repeats=1)
    assert r["loop_s"] > 0 and r["matrix_s"] > 0 and r["max_diff"] < 1e-12
