"""A plain numpy network, written independently of nnsci's kernels, in network2.py's style.

One example at a time, column vectors, the book's equations (BP1-BP4). The
engine's tests compare the compiled kernels with this."""

from __future__ import annotations

import math

import numpy as np


def act(z, kind):
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "tanh":
        return np.tanh(z)
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if kind == "silu":
        return z / (1.0 + np.exp(-z))
    if kind == "gelu":
        return 0.5 * z * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    if kind == "linear":
        return z
    if kind == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    raise ValueError(kind)


def act_prime(z, kind, h=1e-6):
    """sigma'(z): the book's sigma (1 - sigma) for the sigmoid; for the others a central
    difference of the reference activation (independent of the engine's formulas)."""
    if kind == "sigmoid":
        s = act(z, kind)
        return s * (1 - s)
    return (act(z + h, kind) - act(z - h, kind)) / (2 * h)


def feedforward(Ws, bs, x, hidden, output):
    a = x
    for l, (W, b) in enumerate(zip(Ws, bs)):
        a = act(W @ a + b, output if l == len(Ws) - 1 else hidden)
    return a


def cost(a, y, kind):
    if kind == "quadratic":
        return 0.5 * float(np.sum((a - y) ** 2))
    if kind == "cross_entropy":
        return float(np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))))
    if kind == "log_likelihood":
        return float(-np.log(a.ravel()[int(np.argmax(y))]))
    raise ValueError(kind)


def backprop(Ws, bs, x, y, hidden, output, cost_kind):
    """network2.py's backprop for one example: (nabla_b, nabla_w)."""
    activations, zs = [x], []
    a = x
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = W @ a + b
        zs.append(z)
        a = act(z, output if l == len(Ws) - 1 else hidden)
        activations.append(a)
    if cost_kind == "quadratic":
        delta = (a - y) * act_prime(zs[-1], output)
    else:
        delta = a - y
    nb = [None] * len(Ws)
    nw = [None] * len(Ws)
    nb[-1], nw[-1] = delta, delta @ activations[-2].T
    for l in range(2, len(Ws) + 1):
        delta = (Ws[-l + 1].T @ delta) * act_prime(zs[-l], hidden)
        nb[-l], nw[-l] = delta, delta @ activations[-l - 1].T
    return nb, nw


def update_mini_batch(Ws, bs, batch, eta, lmbda, n, hidden, output, cost_kind):
    """network2.py's update_mini_batch (L2 as weight decay), returning new lists."""
    nb = [np.zeros_like(b) for b in bs]
    nw = [np.zeros_like(W) for W in Ws]
    for x, y in batch:
        dnb, dnw = backprop(Ws, bs, x, y, hidden, output, cost_kind)
        nb = [a + d for a, d in zip(nb, dnb)]
        nw = [a + d for a, d in zip(nw, dnw)]
    m = len(batch)
    Ws = [(1 - eta * (lmbda / n)) * W - (eta / m) * g for W, g in zip(Ws, nw)]
    bs = [b - (eta / m) * g for b, g in zip(bs, nb)]
    return Ws, bs
