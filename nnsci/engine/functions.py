"""Activations and costs: names, codes, and their scalar formulas.

The compiled kernels take small integer codes (a numba kernel cannot take a
Python function); this module maps the names used in run specs to those codes
and holds the scalar maths that both backends inline."""

from __future__ import annotations

import math

from numba import njit

from ..errors import NnsciError

SIGMOID, TANH, RELU, LEAKY_RELU, SILU, GELU, LINEAR, SOFTMAX = range(8)
ACTIVATIONS = {
    "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "leaky_relu": LEAKY_RELU,
    "silu": SILU, "gelu": GELU, "linear": LINEAR, "softmax": SOFTMAX,
}
HIDDEN_ACTIVATIONS = tuple(k for k in ACTIVATIONS if k != "softmax")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear", "tanh")

QUADRATIC, CROSS_ENTROPY, LOG_LIKELIHOOD = range(3)
COSTS = {"quadratic": QUADRATIC, "cross_entropy": CROSS_ENTROPY, "log_likelihood": LOG_LIKELIHOOD}

# Which output layer each cost is defined for: the cross-entropy's delta a - y
# holds for sigmoid outputs, the log-likelihood's for softmax outputs.
COST_OUTPUTS = {"quadratic": ("sigmoid", "linear", "tanh"), "cross_entropy": ("sigmoid",),
                "log_likelihood": ("softmax",)}

LEAKY_SLOPE = 0.01
DBL_MAX = 1.7976931348623157e308


def activation_code(name: str, output=False) -> int:
    allowed = OUTPUT_ACTIVATIONS if output else HIDDEN_ACTIVATIONS
    if name not in allowed:
        where = "output" if output else "hidden"
        raise NnsciError(f"unknown {where} activation {name!r}; choose one of {', '.join(allowed)}")
    return ACTIVATIONS[name]


def cost_code(name: str, output: str) -> int:
    if name not in COSTS:
        raise NnsciError(f"unknown cost {name!r}; choose one of {', '.join(COSTS)}")
    if output not in COST_OUTPUTS[name]:
        raise NnsciError(f"cost {name!r} needs a {' or '.join(COST_OUTPUTS[name])} output layer, "
                         f"not {output!r}")
    return COSTS[name]


@njit(cache=True)
def activate(z, kind):
    """sigma(z) for one pre-activation (softmax is done per row by the kernels)."""
    if kind == SIGMOID:
        return 1.0 / (1.0 + math.exp(-z))
    if kind == TANH:
        return math.tanh(z)
    if kind == RELU:
        return z if z > 0.0 else 0.0 * z
    if kind == LEAKY_RELU:
        return z if z > 0.0 else LEAKY_SLOPE * z
    if kind == SILU:
        return z / (1.0 + math.exp(-z))
    if kind == GELU:
        return 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0)))
    return z  # LINEAR


@njit(cache=True)
def activate_prime(z, a, kind):
    """sigma'(z), given z and a = sigma(z) (the book writes sigma' = sigma(1 - sigma))."""
    if kind == SIGMOID:
        return a * (1.0 - a)
    if kind == TANH:
        return 1.0 - a * a
    if kind == RELU:
        return 1.0 if z > 0.0 else 0.0
    if kind == LEAKY_RELU:
        return 1.0 if z > 0.0 else LEAKY_SLOPE
    if kind == SILU:
        s = 1.0 / (1.0 + math.exp(-z))
        return s + z * s * (1.0 - s)
    if kind == GELU:
        return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) + z * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return 1.0  # LINEAR


@njit(cache=True)
def nan_to_num(c):
    """numpy's nan_to_num for one float: NaN -> 0, +inf -> DBL_MAX (network2.py's cost)."""
    if c != c:
        return 0.0
    if c == math.inf:
        return DBL_MAX
    if c == -math.inf:
        return -DBL_MAX
    return c


@njit(cache=True)
def cost_term(a, y, kind):
    """One output unit's contribution to the cost C_x (network2.py's ``fn``).

    Cross-entropy applies nan_to_num element by element, as the repository's
    network2.py does; the log-likelihood is handled per row by the kernels."""
    if kind == QUADRATIC:
        return 0.5 * (a - y) * (a - y)
    # CROSS_ENTROPY
    left = -y * math.log(a) if a > 0.0 else (0.0 if y == 0.0 else math.inf)
    right = -(1.0 - y) * math.log(1.0 - a) if a < 1.0 else (0.0 if y == 1.0 else math.inf)
    return nan_to_num(left + right)
