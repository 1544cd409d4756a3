"""Optimisers beyond the book's SGD: their names, hyper-parameters and formulas.

Every optimiser takes one step per mini-batch from the mini-batch's mean
gradient. Notation: ``eta_s`` is the learning rate of step s (the run's eta,
times its schedule, :mod:`.schedules`), ``t`` the number of steps taken
including this one (1, 2, ...), and, for the adaptive optimisers,

    g = (1/m) sum_x dC_x/dW  +  c_2 W  +  c_1 sgn(W)      (weights)
    g = (1/m) sum_x dC_x/db                               (biases)

the gradient of the book's regularised cost: ``c_2 = lambda / n`` (the ``l2:
decay`` convention, network2.py) or ``lambda / num_batches`` (``l2: penalty``,
network3.py) and ``c_1 = l1 / n``. All arithmetic is elementwise, in the
network's dtype, in the order written below (the kernels and tests/test_optim.py's
numpy reference follow it):

``sgd`` (the book's, bit for bit as before): without momentum
    W <- (1 - eta lambda/n) W - (eta l1/n) sgn(W) - (eta/m) nabla_W,   b <- b - (eta/m) nabla_b;
    with momentum mu (``momentum``): v <- mu v - eta g, W <- W + v (P3.6).
``nesterov`` (Nesterov's accelerated gradient in the form of Sutskever et al. 2013, the book's
    momentum with a look-ahead): v <- mu v - eta g, W <- W + mu v - eta g. From v = 0 the first
    step is W - (1 + mu) eta g. ``momentum`` is mu (0: plain SGD).
``adagrad`` (Duchi et al. 2011): G <- G + g^2, W <- W - eta g / (sqrt(G) + eps).
``rmsprop`` (Hinton's lecture 6e): E <- rho E + (1 - rho) g^2, W <- W - eta g / (sqrt(E) + eps).
``adam`` (Kingma and Ba 2015, with bias correction; eps added to sqrt of the corrected second moment,
    as PyTorch and the paper's algorithm 1 do):
    m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
    W <- W - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
``adamw`` (Loshchilov and Hutter 2019, decoupled weight decay): Adam's step on the gradient of the
    unregularised (or lambda-regularised) cost, and the weights (not the biases, as the book's L2)
    shrink by the learning rate times ``weight_decay``, outside the moments:
    W <- (1 - eta wd) W - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    (PyTorch's AdamW: the decay scales with the scheduled eta).

Which L2 decay, L1 and AdamW decay each optimiser gets, and its c_2 and c_1, are decided here and
nowhere else (:meth:`Optimizer.step_factors`, :meth:`Optimizer.gradient_terms`): the trainer and the
backends ask the optimiser.

State: the velocity (sgd with momentum, nesterov), the first and second moments m and v (G and E
for adagrad and rmsprop: the second moment) and the step count t live in the backend's workspace
and in the per-epoch checkpoint, so a resumed run ends with the same bytes. The CUDA backend runs
the book's SGD only."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import NnsciError

# Kernel codes (the CPU kernels branch on them; 0 is the book's path, unchanged).
SGD, NESTEROV, ADAGRAD, RMSPROP, ADAM, ADAMW = range(6)
OPTIMIZERS = {"sgd": SGD, "nesterov": NESTEROV, "adagrad": ADAGRAD, "rmsprop": RMSPROP, "adam": ADAM,
              "adamw": ADAMW}
# The hyper-parameter vector the kernels read, in this order.
HYPER = ("beta1", "beta2", "eps", "rho", "l2", "l1")


@dataclass(frozen=True)
class Penalties:
    """A run's regularisation: L2 strength ``lmbda`` under the convention ``l2`` (``decay``,
    network2.py, or ``penalty``, network3.py), L1 strength ``l1``, and what they are divided by:
    the number of training examples ``n`` and of mini-batches ``num_batches`` (n // m, at least 1)."""

    lmbda: float = 0.0
    l1: float = 0.0
    l2: str = "decay"
    n: int = 1
    num_batches: int = 1


@dataclass(frozen=True)
class Optimizer:
    """An optimiser and its hyper-parameters (the defaults are the usual ones: Adam's paper,
    Hinton's rho = 0.9)."""

    name: str = "sgd"
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    rho: float = 0.9
    weight_decay: float = 0.0

    @property
    def code(self) -> int:
        return OPTIMIZERS[self.name]

    @property
    def is_book_sgd(self) -> bool:
        return self.name == "sgd"

    def check(self):
        """A one-line NnsciError for an unknown name or a hyper-parameter out of its range."""
        if self.name not in OPTIMIZERS:
            raise NnsciError(f"unknown optimizer {self.name!r}; choose one of {', '.join(OPTIMIZERS)}")
        for key, lo, hi in (("momentum", 0.0, 1.0), ("beta1", 0.0, 1.0), ("beta2", 0.0, 1.0), ("rho", 0.0, 1.0)):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v < hi):
                raise NnsciError(f"optimizer {self.name}: {key} must be in [{lo:g}, {hi:g}), got {v!r}")
        if not (isinstance(self.eps, (int, float)) and math.isfinite(self.eps) and self.eps > 0):
            raise NnsciError(f"optimizer {self.name}: eps must be > 0, got {self.eps!r}")
        if not (isinstance(self.weight_decay, (int, float)) and math.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise NnsciError(f"optimizer {self.name}: weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.weight_decay and self.name != "adamw":
            raise NnsciError(f"weight_decay is AdamW's decoupled decay; optimizer {self.name} takes L2 as lmbda")
        if self.momentum and self.name not in ("sgd", "nesterov"):
            raise NnsciError(f"momentum is for sgd and nesterov; optimizer {self.name} has beta1/rho instead")
        return self

    # -- how L2, L1 and AdamW's decay enter this optimiser's step (the module docstring) ----------
    @property
    def couples_penalties(self) -> bool:
        """True when L2 and L1 enter the gradient (c_2 W + c_1 sgn(W)): the adaptive optimisers.
        The book's SGD and Nesterov apply them as each step's decay and L1 factors instead."""
        return self.name in ("adagrad", "rmsprop", "adam", "adamw")

    def gradient_terms(self, p: Penalties) -> tuple[float, float]:
        """c_2 and c_1 of the adaptive optimisers' gradient: lambda / n (``l2: decay``) or
        lambda / num_batches (``l2: penalty``), and l1 / n."""
        return (p.lmbda / p.n if p.l2 == "decay" else p.lmbda / p.num_batches), p.l1 / p.n

    def step_factors(self, rate, p: Penalties):
        """(decay, l1) of a step at learning rate ``rate`` (a float, or an array of one rate per
        mini-batch): the book's rule W <- decay W - l1 sgn(W) - (eta/m) nabla_W, Nesterov's
        look-ahead too; AdamW's decoupled 1 - eta wd; 1 and 0 for the other adaptive optimisers,
        whose L2 and L1 are in the gradient (:meth:`gradient_terms`)."""
        if self.name == "adamw":
            return 1 - rate * self.weight_decay, 0.0 * rate
        if self.couples_penalties:
            return 1.0 + 0.0 * rate, 0.0 * rate
        if p.l2 == "decay":        # network2.py: W <- (1 - eta lambda/n) W
            return 1 - rate * (p.lmbda / p.n), rate * p.l1 / p.n
        # network3.py: d/dW of 0.5 lambda ||W||^2 / num_batches, applied by each step
        return 1 - rate * p.lmbda / p.num_batches, rate * p.l1 / p.n

    def hyper(self, c2: float, c1: float, dtype) -> np.ndarray:
        """The vector the kernels read (:data:`HYPER`), in the network's dtype; c2, c1: the
        coupled L2 and L1 coefficients of the module docstring."""
        return np.array([self.beta1, self.beta2, self.eps, self.rho, c2, c1], dtype=dtype)

    def describe(self) -> str:
        return repr(self)


def bias_corrections(beta1: float, beta2: float, t: int):
    """Adam's 1 - beta1^t and 1 - beta2^t for step t (1, 2, ...), in float64 as the kernels compute them."""
    return 1.0 - beta1 ** t, 1.0 - beta2 ** t
