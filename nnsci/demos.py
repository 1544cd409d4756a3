"""The mathematics behind the chapter 3 and chapter 5 figures that need no trained network.

Small pure functions: the single-neuron saturation widgets of chapter 3, the
curve-fitting toy data, the Gaussian of the weight-initialisation argument, the
valley and its descent paths, and chapter 5's derivative of the sigmoid, the
``|w sigma'(wa + b)| >= 1`` problem and the exploding-gradient construction.
Figure functions in ``nnsci.figures.ch3_demos`` / ``ch5_demos`` only draw what
these return; tables in ``nnsci.experiments.ch3_demos`` / ``ch5_analytic``
tabulate it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


# ---------------------------------------------------------------- activations

def sigmoid(z):
    """The logistic function, written so that large |z| does not overflow."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))),
                    np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) sigma(-z) = sigma(z)(1 - sigma(z)); its maximum is 1/4 at z = 0."""
    return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))


def relu(z):
    """max(0, z), the rectified linear unit of chapter 3's last section."""
    return np.maximum(0.0, np.asarray(z, dtype=float))


# --------------------------------------------- chapter 3: the saturation widgets

@dataclass(frozen=True)
class Cost:
    """A cost of the single-neuron widget: its value and the ``delta`` it steps with.

    ``delta(a)`` is what the widget subtracts (times eta) from both w and b;
    with input x = 1 the same number serves for both."""

    name: str
    fn: object
    delta: object


# The quadratic cost C = a^2/2 (target 0). Its widget delta a * a(1 - a) is the
# exact dC/dw = dC/db = a sigma'(z): the widget's rule is the true gradient.
QUADRATIC = Cost("quadratic", lambda a: a * a / 2, lambda a: a * a * (1 - a))

# The cross-entropy C = -ln(1 - a) (target 0), stepped as the book's widget
# does it: delta = 1/(1 - a), which is dC/da, not dC/dw.
CROSS_ENTROPY_WIDGET = Cost("cross-entropy (widget)", lambda a: -np.log(1 - a),
                            lambda a: 1 / (1 - a))

# The same cost stepped by its exact gradient dC/dw = dC/db = a (eq. 61 with y = 0):
# the sigma' of the quadratic cost's delta cancels.
CROSS_ENTROPY_EXACT = Cost("cross-entropy (exact gradient)", lambda a: -np.log(1 - a),
                           lambda a: a)


@dataclass(frozen=True)
class Demo:
    """One of the book's four saturation widgets (docs/fidelity.md, "Chapter 3's saturation widgets")."""

    name: str
    cost: Cost
    w0: float
    b0: float
    eta: float
    frames: int = 300  # the widget's numFrames: it steps once in each frame 0 ... 300


DEMOS = {
    "saturation1": Demo("saturation1", QUADRATIC, 0.6, 0.9, 0.15),
    "saturation2": Demo("saturation2", QUADRATIC, 2.0, 2.0, 0.15),
    "saturation3": Demo("saturation3", CROSS_ENTROPY_WIDGET, 0.6, 0.9, 0.005),
    "saturation4": Demo("saturation4", CROSS_ENTROPY_WIDGET, 2.0, 2.0, 0.005),
}


def with_cost(demo, cost, eta=None):
    """The same widget start with another cost (and learning rate)."""
    return Demo(f"{demo.name}_{cost.name}", cost, demo.w0, demo.b0, demo.eta if eta is None else eta,
                demo.frames)


def run_neuron(demo):
    """Step the widget's neuron; return arrays w, b, a (after 0, 1, ... steps) and cost.

    One neuron, input 1.0, target 0.0, output a = sigma(w + b). In each frame
    0 ... ``frames`` the widget computes a, plots ``cost.fn(a)`` (the cost
    *before* the step) and steps ``w -= eta*delta(a); b -= eta*delta(a)``: so
    ``frames + 1`` = 301 steps in all. ``w[k], b[k], a[k]`` are the values
    after k steps (k = 0 ... 301); ``cost[k] = fn(a[k])`` for the plotted
    frames k = 0 ... 300. Plain Python floats, in the widget's order of
    operations, so the numbers are the JavaScript's."""
    w, b = [demo.w0], [demo.b0]
    for _ in range(demo.frames + 1):
        a = 1.0 / (1.0 + math.exp(-(w[-1] + b[-1])))
        delta = demo.cost.delta(a)
        w.append(w[-1] - demo.eta * delta)
        b.append(b[-1] - demo.eta * delta)
    w, b = np.array(w), np.array(b)
    a = 1.0 / (1.0 + np.exp(-(w + b)))
    return {"epoch": np.arange(len(w)), "w": w, "b": b, "a": a,
            "cost": demo.cost.fn(a[: demo.frames + 1])}


# ------------------------------------------------ chapter 3: curve fitting (3.16-3.18)

# js/simple_data.js: the ten points of the "simple model" figures.
SIMPLE_DATA_X = np.array([0.7, 1.3, 1.9, 2.6, 2.9, 3.6, 3.8, 3.95, 4.4, 4.9])
SIMPLE_DATA_Y = np.array([1.8, 2.2, 4.0, 5.0, 6.1, 7.0, 7.4, 8.0, 9.1, 10.0])

# js/polynomial_model.js: the book's degree-9 coefficients, highest power first
# (the output of np.polyfit(x, y, 9) on the points above).
BOOK_POLYNOMIAL = np.array([2.20539187e-01, -5.49142821e+00, 5.87844045e+01, -3.53892824e+02,
                            1.31549254e+03, -3.11809836e+03, 4.69080366e+03, -4.29612493e+03,
                            2.16228823e+03, -4.50983951e+02])


def interpolating_polynomial(x=SIMPLE_DATA_X, y=SIMPLE_DATA_Y):
    """The degree-9 polynomial through the ten points (coefficients, highest power first)."""
    return np.polyfit(x, y, len(x) - 1)


def linear_model(x):
    """The book's simple model y = 2x."""
    return 2.0 * np.asarray(x, dtype=float)


# ------------------------------------- chapter 3: the weight-initialisation Gaussian

def gaussian_pdf(x, sigma):
    """Density of N(0, sigma^2) at x."""
    x = np.asarray(x, dtype=float)
    return np.exp(-x * x / (2 * sigma * sigma)) / (sigma * math.sqrt(2 * math.pi))


def z_std(n_in=1000, n_on=500, weight_std=1.0, bias_std=1.0):
    """Standard deviation of z = sum_j w_j x_j + b when n_on of the n_in inputs are 1 and the rest 0.

    The n_on weights and the bias are independent Gaussians, so their variances add:
    with N(0, 1) weights sqrt(501) ~ 22.4, with N(0, 1/n_in) weights sqrt(3/2) ~ 1.22."""
    return math.sqrt(n_on * weight_std ** 2 + bias_std ** 2)


def z_samples(rng, samples, n_in=1000, n_on=500, weight_std=1.0, bias_std=1.0):
    """Monte Carlo draws of z for the same neuron: draw the weights and bias, sum over inputs that are on."""
    x = np.zeros(n_in)
    x[:n_on] = 1.0
    w = rng.normal(0.0, weight_std, size=(samples, n_in))
    b = rng.normal(0.0, bias_std, size=samples)
    return w @ x + b


# ---------------------------------------------- chapter 3: the valley (3.33, 3.34)

def valley(v1, v2):
    """The book's valley C(v1, v2) = v1^2 + v2^2 (fig/valley2.py)."""
    return np.asarray(v1) ** 2 + np.asarray(v2) ** 2


def valley_gradient(v):
    """grad C = (2 v1, 2 v2)."""
    return 2.0 * np.asarray(v, dtype=float)


def gradient_descent_path(v0, eta, steps):
    """The ball rolled by plain gradient descent, v <- v - eta grad C: (steps + 1, 2) positions."""
    path = [np.asarray(v0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - eta * valley_gradient(path[-1]))
    return np.array(path)


def momentum_path(v0, eta, mu, steps):
    """The ball with momentum (P3.6): velocity u <- mu u - eta grad C, v <- v + u."""
    path, u = [np.asarray(v0, dtype=float)], np.zeros(2)
    for _ in range(steps):
        u = mu * u - eta * valley_gradient(path[-1])
        path.append(path[-1] + u)
    return np.array(path)


# ----------------------------- chapter 5: the |w sigma'(wa + b)| >= 1 problem (eq. 123)

def sigmoid_prime_inverse(y):
    """The two z with sigma'(z) = y (0 < y <= 1/4), found by bisection on z >= 0; returns (-z, z).

    sigma' is even and falls monotonically on z >= 0, so one bisection suffices.
    Independent of the closed form below, which it checks."""
    if not 0 < y <= 0.25:
        raise ValueError(f"sigma'(z) takes values in (0, 1/4], not {y}")
    lo, hi = 0.0, 1.0
    while sigmoid_prime(hi) > y:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if sigmoid_prime(mid) > y:
            lo = mid
        else:
            hi = mid
    return -0.5 * (lo + hi), 0.5 * (lo + hi)


def interval_width(w):
    """Width of the set of inputs a with |w sigma'(wa + b)| >= 1, computed numerically.

    The condition is sigma'(z) >= 1/|w| on z = wa + b, an interval [-z*, z*] in z
    (empty when |w| < 4 since sigma' <= 1/4); in a it is 2 z* / |w| wide, whatever b is."""
    w = abs(float(w))
    if w < 4:
        return 0.0
    _, z = sigmoid_prime_inverse(1.0 / w)
    return 2 * z / w


def interval_width_closed_form(w):
    """The book's eq. 123: (2/|w|) ln(|w|(1 + sqrt(1 - 4/|w|))/2 - 1), for |w| >= 4.

    Derivation: sigma(1 - sigma) = 1/|w| at sigma = (1 +- r)/2, r = sqrt(1 - 4/|w|);
    z* = ln(sigma/(1 - sigma)) = ln((1 + r)/(1 - r)), and (1 + r)/(1 - r) =
    (1 + r)^2 |w|/4 = |w|(1 + r)/2 - 1. The bound is attained: the width is exactly this."""
    w = np.abs(np.asarray(w, dtype=float))
    r = np.sqrt(np.clip(1 - 4 / w, 0, None))
    return np.where(w >= 4, 2 / w * np.log(w * (1 + r) / 2 - 1), 0.0)


def max_interval_width(lo=4.0, hi=50.0, tol=1e-10):
    """Maximise the numerically computed width over |w| by golden-section search: (|w|, width).

    The width is 0 at |w| = 4, rises, and falls like 2 ln|w| / |w|: one maximum."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = interval_width(c), interval_width(d)
    while b - a > tol:
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = interval_width(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = interval_width(d)
    w = 0.5 * (a + b)
    return w, interval_width(w)


# ------------------------------------------- chapter 5: the chain network (eqs. 114-122)

def chain_forward(x, weights, biases):
    """Forward pass of the one-neuron-per-layer chain: z_j = w_j a_{j-1} + b_j, a_j = sigma(z_j)."""
    a, zs, activations = float(x), [], [float(x)]
    for w, b in zip(weights, biases):
        z = w * a + b
        a = float(sigmoid(z))
        zs.append(z)
        activations.append(a)
    return zs, activations


def chain_bias_gradients(x, y, weights, biases):
    """dC/db_j of the chain with quadratic cost C = (a_L - y)^2/2, by backpropagation.

    dC/db_L = sigma'(z_L)(a_L - y); dC/db_{j-1} = sigma'(z_{j-1}) w_j dC/db_j (eq. 121):
    each layer back multiplies the gradient by w_j sigma'(z_j), the factor that vanishes or explodes."""
    zs, activations = chain_forward(x, weights, biases)
    grads = [float(sigmoid_prime(zs[-1])) * (activations[-1] - y)]
    for j in range(len(weights) - 1, 0, -1):
        grads.append(float(sigmoid_prime(zs[j - 1])) * weights[j] * grads[-1])
    return grads[::-1]


def zero_z_biases(x, weights):
    """The book's choice of biases that makes every z_j = 0: b_j = -w_j a_{j-1}, with a_j = 1/2."""
    biases, a = [], float(x)
    for w in weights:
        biases.append(-w * a)
        a = 0.5
    return biases


def chain_factors(x, weights, biases):
    """The per-layer factors w_j sigma'(z_j) for j = 2 ... L (eq. 122's product, term by term)."""
    zs, _ = chain_forward(x, weights, biases)
    return [w * float(sigmoid_prime(z)) for w, z in zip(weights[1:], zs[1:])]
