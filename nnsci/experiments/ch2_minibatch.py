"""Chapter 2's other numbers: the worked examples, backprop's cost in multiply-adds, and problem P2.1's
matrix-based mini-batch backprop timed against network.py's per-example loop (docs/fidelity.md, "Chapter 1's and chapter 2's arithmetic").

The two backprops are network.py's, in numpy float64 as the book ran them: ``backprop`` for one
example at a time, summed over the mini-batch (``update_mini_batch``), and the matrix form that
feeds the whole mini-batch X = [x1 ... xm] through at once. The book measured "about a 2x speed-up"
on its 2014 laptop; the speed-up is a timing of this machine, reported and never checked. The two
gradients must agree to rounding (tests/test_ch2.py)."""

from __future__ import annotations

import time

import numpy as np


def worked_examples():
    """Eq. 24, f(x) = x^2 elementwise on [2, 3]; eq. 28, [1, 2] (.) [3, 4]; 96.0% accuracy as error."""
    square = [v * v for v in (2, 3)]
    hadamard = [a * b for a, b in zip((1, 2), (3, 4))]
    return {"ch2.examples.square0": square[0], "ch2.examples.square1": square[1],
            "ch2.examples.hadamard0": hadamard[0], "ch2.examples.hadamard1": hadamard[1],
            "ch2.examples.error": round(100.0 - 96.0, 1)}


def multiply_adds(sizes):
    """(forward, backward) multiply-adds of one example through a fully connected net ``sizes``.

    Forward: W^l a^(l-1) for every layer. Backward: delta^l (a^(l-1))^T for every layer's nabla_w,
    and (W^l)^T delta^l for every layer but the first (the input needs no delta). Activations,
    their derivatives and the Hadamard products are O(neurons), not counted."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(n_in * n_out for n_in, n_out in layers)
    backward = forward + sum(n_in * n_out for n_in, n_out in layers[1:])
    return forward, backward


def backprop_in_forward_passes(sizes):
    """The cost of a whole backprop (forward + backward) in forward passes: the book's "about 2"."""
    forward, backward = multiply_adds(sizes)
    return (forward + backward) / forward


# ---- P2.1: network.py's loop against the matrix form ------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _init(sizes, rng):
    """network.py's N(0, 1) weights and biases (float64)."""
    return ([rng.standard_normal((y, 1)) for y in sizes[1:]],
            [rng.standard_normal((y, x)) for x, y in zip(sizes[:-1], sizes[1:])])


def gradient_loop(biases, weights, xs, ys):
    """network.py: backprop one example at a time (column vectors), nabla summed over the batch."""
    nb = [np.zeros(b.shape) for b in biases]
    nw = [np.zeros(w.shape) for w in weights]
    for x, y in zip(xs, ys):
        a, acts, zs = x.reshape(-1, 1), [x.reshape(-1, 1)], []
        for b, w in zip(biases, weights):
            z = w @ a + b
            zs.append(z)
            a = _sigmoid(z)
            acts.append(a)
        delta = (acts[-1] - y.reshape(-1, 1)) * _sigmoid(zs[-1]) * (1 - _sigmoid(zs[-1]))
        nb[-1] += delta
        nw[-1] += delta @ acts[-2].T
        for l in range(2, len(biases) + 1):
            sp = _sigmoid(zs[-l]) * (1 - _sigmoid(zs[-l]))
            delta = (weights[-l + 1].T @ delta) * sp
            nb[-l] += delta
            nw[-l] += delta @ acts[-l - 1].T
    return nb, nw


def gradient_matrix(biases, weights, xs, ys):
    """P2.1: the same sums with the mini-batch as the columns of one matrix X."""
    a = xs.T
    acts, zs = [a], []
    for b, w in zip(biases, weights):
        z = w @ a + b
        zs.append(z)
        a = _sigmoid(z)
        acts.append(a)
    delta = (acts[-1] - ys.T) * _sigmoid(zs[-1]) * (1 - _sigmoid(zs[-1]))
    nb, nw = [None] * len(biases), [None] * len(weights)
    nb[-1], nw[-1] = delta.sum(axis=1, keepdims=True), delta @ acts[-2].T
    for l in range(2, len(biases) + 1):
        sp = _sigmoid(zs[-l]) * (1 - _sigmoid(zs[-l]))
        delta = (weights[-l + 1].T @ delta) * sp
        nb[-l], nw[-l] = delta.sum(axis=1, keepdims=True), delta @ acts[-l - 1].T
    return nb, nw


def minibatch_speedup(x, y_onehot, sizes=(784, 30, 10), mini_batch=10, repeats=3, seed=0):
    """Seconds per epoch over ``x`` of the loop and of the matrix form (best of ``repeats``), their
    ratio, and the largest difference of their gradients (rounding only)."""
    biases, weights = _init(list(sizes), np.random.default_rng(seed))
    batches = [(x[k:k + mini_batch], y_onehot[k:k + mini_batch]) for k in range(0, len(x), mini_batch)]

    def timed(fn):
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for xs, ys in batches:
                fn(biases, weights, xs, ys)
            best = min(best, time.perf_counter() - t0)
        return best

    t_loop, t_matrix = timed(gradient_loop), timed(gradient_matrix)
    (b1, w1), (b2, w2) = gradient_loop(biases, weights, *batches[0]), gradient_matrix(biases, weights, *batches[0])
    diff = max(float(np.max(np.abs(p - q))) for p, q in zip(b1 + w1, b2 + w2))
    return {"loop_s": t_loop, "matrix_s": t_matrix, "speedup": t_loop / t_matrix, "max_diff": diff,
            "examples": len(x), "mini_batch": mini_batch}


def batch_time_factor(x, y_onehot, batch=100, sizes=(784, 30, 10), repeats=20, seed=0):
    """Chapter 3's thought experiment (ch3.minibatch): the matrix gradient of one mini-batch of
    ``batch`` examples takes how many times as long as that of one example? (The book guesses 50,
    not 100.) Best of ``repeats`` timings each; a timing, reported and never checked."""
    biases, weights = _init(list(sizes), np.random.default_rng(seed))

    def best(xs, ys):
        t = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            gradient_matrix(biases, weights, xs, ys)
            t = min(t, time.perf_counter() - t0)
        return t

    return best(x[:batch], y_onehot[:batch]) / best(x[:1], y_onehot[:1])

