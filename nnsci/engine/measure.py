"""Measuring a network: outputs, network2.py's cost and accuracy, gradients and their norms.

Every function opens a backend object for the call (:func:`nnsci.engine.backends.open_family`);
sums run in a fixed order (numpy's pairwise sum), so no thread count or BLAS changes a bit."""

from __future__ import annotations

import math

import numpy as np

from .backends import get_backend, open_family
from .data import Dataset
from .network import Network


def feedforward(net: Network, x, engine="cpu", chunk=256, norm="running"):
    """The output activations a^L for every row of x (normalised layers: with the running
    statistics, or with ``norm="batch"`` each chunk of ``chunk`` rows by its own statistics)."""
    data = Dataset(np.ascontiguousarray(x, dtype=net.dtype), np.zeros((len(x), net.sizes[-1]), net.dtype),
                   np.zeros(len(x), np.int64))
    out, _, _ = _evaluate_rows(net, data, engine, chunk, norm)
    return out


def _evaluate_rows(net, data, engine, chunk=256, norm="running"):
    get_backend(engine)   # a clear error for an engine that cannot run here
    return open_family(engine, [net], 1).evaluate_rows(data, chunk=chunk, norm=norm)


def evaluate(net: Network, data: Dataset, lmbda=0.0, l1=0.0, engine="cpu", norm="running", chunk=256):
    """(total cost, correct count) in one pass.

    The cost is network2.py's total_cost: mean C_x plus 0.5 (lambda / len(data))
    sum ||W||^2, the regularisation term divided by the size of the set being
    scored, as in the book's code (so the test cost carries a larger L2 term
    than the training cost). The count is of examples whose argmax output
    equals the label. Normalised layers use the running statistics (``norm="running"``), or
    with ``norm="batch"`` each chunk of ``chunk`` rows its own statistics (training mode's
    forward pass; the running statistics unchanged)."""
    _, per_cost, correct = _evaluate_rows(net, data, engine, chunk, norm)
    n = len(data)
    c = float(np.sum(per_cost)) / n   # numpy's pairwise sum: fixed order, thread-independent
    if lmbda:
        c += 0.5 * (lmbda / n) * net.sum_squared_weights()
    if l1:
        c += (l1 / n) * net.sum_abs_weights()
    return c, int(np.sum(correct))


def total_cost(net: Network, data: Dataset, lmbda=0.0, l1=0.0, engine="cpu"):
    """network2.py's total_cost (see :func:`evaluate`)."""
    return evaluate(net, data, lmbda, l1, engine)[0]


def accuracy(net: Network, data: Dataset, engine="cpu"):
    """network2.py's accuracy: a count, as in the book."""
    return evaluate(net, data, engine=engine)[1]


def gradient(net: Network, data: Dataset, engine="cpu", batch=100, norm="batch"):
    """The mean over ``data`` of dC_x/d(params) by backpropagation (no regularisation term).

    Normalised layers: ``norm="batch"`` normalises each mini-batch of ``batch`` rows by its own
    statistics, as training does (the gradient SGD follows; the running statistics do not
    move); ``"running"`` uses the running statistics (evaluation mode)."""
    g = open_family(engine, [net], batch).gradient_sum(data, norm=norm)
    return g.astype(np.float64) / len(data)


def layer_gradients(net: Network, data: Dataset, engine="cpu"):
    """Per layer l: (mean dC/dW^l, mean dC/db^l) in the layer's shapes (float64)."""
    g = gradient(net, data, engine)
    return [(net.weights(l, of=g), net.biases(l, of=g)) for l in range(1, net.L + 1)]


def gradient_norms(net: Network, data: Dataset, engine="cpu"):
    """Per layer: ||mean dC/db^l|| and ||mean dC/dW^l||_F (chapter 5's speed of learning)."""
    g = gradient(net, data, engine)
    nb, nw = [], []
    for l in range(1, net.L + 1):
        nb.append(_norm(net.biases(l, of=g)))
        nw.append(_norm(net.weights(l, of=g).ravel()))
    return nb, nw


def forward_only(net: Network, x, batch=100, engine="cpu"):
    """Forward passes over the rows of x in mini-batches (serial, nothing returned): for timings."""
    open_family(engine, [net], batch).forward_only(x)


def _norm(v):
    """||v||_2 in a fixed order (numpy's pairwise sum), not BLAS, whose kernels differ between CPUs."""
    return math.sqrt(float(np.sum(v * v)))
