"""The scalar rules of training, written once for both devices.

Plain ``@njit`` functions of scalars and of array elements, which the CPU kernels
(:mod:`nnsci.engine.cpu`) call and numba-cuda compiles into the CUDA kernels
(:mod:`nnsci.engine.cuda.kernels`) as device functions, so a rule cannot differ between the
devices: the counter-based uniform draw and the dropout factor, the book's SGD step and the
adaptive optimisers' steps with their coupling of L2, L1 and weight decay, the output delta
(BP1), the softmax of a row and the score of a row. Activations, their derivatives and the
cost terms are :mod:`nnsci.engine.functions`'. No rule allocates (device code cannot), and
every one keeps the order and the types of its arithmetic: the bytes of a run depend on them
(docs/fidelity.md)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .functions import LOG_LIKELIHOOD, QUADRATIC, activate_prime, cost_term, nan_to_num
from .optim import ADAGRAD, ADAMW, NESTEROV, RMSPROP


# -- random draws --------------------------------------------------------------------------------

@njit(cache=True)
def uniform(seed, a, b, c):
    """A counter-based uniform in [0, 1) (splitmix64 of seed and three counters).

    Dropout masks drawn this way depend only on (seed, epoch, example, unit),
    never on the order in which threads or GPU blocks run."""
    x = np.uint64(seed)
    for v in (a, b, c):
        x = x ^ np.uint64(v)
        x = x + np.uint64(0x9E3779B97F4A7C15)
        z = x
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = z ^ (z >> np.uint64(31))
    return (x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def dropout_factor(p, train, seed, epoch, example, layer, unit):
    """The factor by which dropout multiplies one input unit of ``layer``.

    p > 0: network3.py's dropout: a Bernoulli(1 - p) mask in training (no
    rescaling), a factor (1 - p) at inference. p < 0 encodes inverted dropout of
    rate -p: kept units times 1/(1 + p) in training, 1 at inference. The mask is
    a counter-based draw, so it depends on (seed, epoch, example, unit) only."""
    inverted = p < 0.0
    rate = -p if inverted else p
    if not train:
        return 1.0 if inverted else 1.0 - rate
    u = uniform(seed, epoch, example, layer * 1000003 + unit)
    if u < rate:
        return 0.0
    return 1.0 / (1.0 - rate) if inverted else 1.0


# -- parameter steps -----------------------------------------------------------------------------

@njit(cache=True, inline="always")
def sign(w):
    """sgn(w) as an integer: 1, -1 or 0."""
    return (w > 0) - (w < 0)


@njit(cache=True, inline="always")
def sgd_step(p, v, r, g, is_weight, scale, decay, l1, mu):
    """The book's SGD step of parameter p[r] (velocity v[r]) whose mini-batch gradient sum is g.

    Without momentum, network2.py's rule: W <- decay W - l1 sgn(W) - scale g (decay = 1 - eta
    lambda / n, l1 = eta lambda_1 / n, scale = eta / m), b <- b - scale g. With momentum mu:
    v <- mu v - (1 - decay) W - l1 sgn(W) - scale g, W <- W + v (the book's v -> mu v - eta grad
    C); biases v <- mu v - scale g."""
    if mu == 0:
        if not is_weight:
            p[r] = p[r] - scale * g
        elif l1 == 0:
            p[r] = decay * p[r] - scale * g
        else:
            w = p[r]
            p[r] = decay * w - l1 * sign(w) - scale * g
    elif not is_weight:
        v[r] = mu * v[r] - scale * g
        p[r] = p[r] + v[r]
    else:
        w = p[r]
        v[r] = mu * v[r] - (1 - decay) * w - l1 * sign(w) - scale * g
        p[r] = w + v[r]


@njit(cache=True, inline="always")
def coupling(opt, is_weight, eta, m, decay, l1, hyp, zero):
    """Which regularisation each optimiser's step gets, for a run of weights (``is_weight``) or
    of biases (and a normalised layer's gamma, beta: never L2, L1 or decay): (scale, shrink,
    l1w, c_2, c_1, d). nesterov: the book's decay and L1 (shrink = 1 - decay, l1w), the gradient
    sum times scale = eta / m; adagrad, rmsprop, adam: L2 and L1 coupled into the gradient
    (c_2 = hyp[4], c_1 = hyp[5]); adamw: also the decoupled decay d = 1 - eta wd (``decay``) on
    weights, 1 otherwise. ``zero``: 0 in the parameters' dtype."""
    scale = eta / m
    shrink = (1 - decay) if is_weight else zero
    l1w = l1 if is_weight else zero
    c_2 = hyp[4] if is_weight else zero
    c_1 = hyp[5] if is_weight else zero
    d = decay if (is_weight and opt == ADAMW) else zero + 1
    return scale, shrink, l1w, c_2, c_1, d


@njit(cache=True, inline="always")
def adaptive_step(p, v, m1, m2, r, g, opt, eta, m, mu, c1, c2, hyp, cpl):
    """One step of optimiser ``opt`` (a code of :mod:`nnsci.engine.optim`, not SGD) on p[r], whose
    mini-batch gradient sum over m examples is g; v, m1, m2: its velocity and moments; ``cpl``:
    :func:`coupling`'s constants; c1, c2: Adam's bias corrections 1 - beta1^t, 1 - beta2^t;
    hyp: beta1, beta2, eps, rho (the formulas and conventions are :mod:`nnsci.engine.optim`'s)."""
    scale, shrink, l1w, c_2, c_1, d = cpl
    beta1, beta2, eps, rho = hyp[0], hyp[1], hyp[2], hyp[3]
    w = p[r]
    sgn = sign(w)
    if opt == NESTEROV:
        step = shrink * w + l1w * sgn + scale * g
        v[r] = mu * v[r] - step
        p[r] = w + mu * v[r] - step
        return
    gm = g / m + c_2 * w + c_1 * sgn
    if opt == ADAGRAD:
        m2[r] = m2[r] + gm * gm
        p[r] = w - eta * gm / (math.sqrt(m2[r]) + eps)
    elif opt == RMSPROP:
        m2[r] = rho * m2[r] + (1 - rho) * (gm * gm)
        p[r] = w - eta * gm / (math.sqrt(m2[r]) + eps)
    else:   # ADAM, ADAMW
        m1[r] = beta1 * m1[r] + (1 - beta1) * gm
        m2[r] = beta2 * m2[r] + (1 - beta2) * (gm * gm)
        p[r] = d * w - eta * (m1[r] / c1) / (math.sqrt(m2[r] / c2) + eps)


# -- outputs -------------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def output_delta(a, y, z, cost, act):
    """BP1 for one output unit: (a - y) sigma'(z) for the quadratic cost; a - y for cross-entropy
    with sigmoid and log-likelihood with softmax outputs."""
    diff = a - y
    if cost == QUADRATIC:
        return diff * activate_prime(z, a, act)
    return diff


@njit(cache=True)
def softmax_row(z, a):
    """a = softmax(z) over one row (shifted by its maximum; the sum in float64)."""
    n = z.shape[0]
    top = z[0]
    for j in range(1, n):
        top = z[j] if z[j] > top else top   # max(top, z[j]) as numba computes it (numba-cuda
    total = 0.0                             # cannot compile builtin max inside an @njit function)
    for j in range(n):
        e = math.exp(z[j] - top)
        a[j] = e
        total += e
    for j in range(n):
        a[j] = a[j] / total


@njit(cache=True)
def score_row(a, y, label, cost, out):
    """One row's score: copy its outputs a into out and return (C_x, 1 if argmax(a) == label else
    0), the first maximum on ties; y: its target row."""
    n = a.shape[0]
    best = 0
    for j in range(n):
        out[j] = a[j]
        if a[j] > a[best]:
            best = j
    correct = 1 if best == label else 0
    if cost == LOG_LIKELIHOOD:
        k = 0
        for j in range(n):
            if y[j] > y[k]:
                k = j
        return nan_to_num(-math.log(a[k])), correct
    s = 0.0
    for j in range(n):
        s += cost_term(a[j], y[j], cost)
    return s, correct
