"""The interface both backends implement (:class:`Backend`), and what each can run (:class:`Capabilities`).

A backend object (:func:`nnsci.engine.backends.open_family`) owns the buffers of one run or a family
of runs of one network plan for mini-batches of one size. :class:`Backend` is everything the trainer
and the checkpoints ask of it; what a backend cannot do it states in its :class:`Capabilities` and
refuses with a one-line :class:`~nnsci.errors.NnsciError`, so nobody probes for methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from .data import Dataset
    from .optim import Optimizer

@dataclass(frozen=True)
class Capabilities:
    """What a backend can run beyond the book's SGD at a constant eta."""

    optimizers: bool          # the optimisers other than the book's SGD (nnsci.engine.optim)
    schedules: bool           # a learning rate per mini-batch (nnsci.engine.schedules)
    normalisation: bool       # batch and layer normalisation
    one_launch_family: bool   # sgd_epoch_family: one epoch of every run of a family in one call


CAPABILITIES = {
    "cpu": Capabilities(optimizers=True, schedules=True, normalisation=True, one_launch_family=False),
    "cuda": Capabilities(optimizers=False, schedules=False, normalisation=False, one_launch_family=True),
}


@runtime_checkable
class Backend(Protocol):
    """A family of runs on one device; ``run`` picks a run (0 for a lone one). Rates (``eta``,
    ``decay``, ``l1``) are scalars of the network's dtype or, with a schedule, one per mini-batch."""

    name: str
    capabilities: Capabilities

    def __len__(self) -> int: ...

    # -- the state of a run: parameters, velocity, optimiser state, normalisation's statistics ----
    def get_params(self, run: int = 0) -> np.ndarray: ...

    def set_params(self, params: np.ndarray, run: int = 0) -> None: ...

    def get_velocity(self, run: int = 0) -> np.ndarray: ...

    def set_velocity(self, velocity: np.ndarray, run: int = 0) -> None: ...

    def set_optimizer(self, optimizer: Optimizer, c2: float = 0.0, c1: float = 0.0, run: int = 0) -> None:
        """Train ``run`` with ``optimizer``; c2, c1: its gradient terms (``Optimizer.gradient_terms``)."""

    def get_optimizer_state(self, run: int = 0) -> dict:
        """The optimiser's state beyond the velocity ({name: array}; empty where there is none)."""

    def set_optimizer_state(self, state: dict, run: int = 0) -> None: ...

    def get_state(self, run: int = 0) -> np.ndarray:
        """Batch normalisation's running statistics (empty without a normalised layer)."""

    def set_state(self, state: np.ndarray, run: int = 0) -> None: ...

    # -- training, gradients, evaluation ----------------------------------------------------------
    def sgd_epoch(self, data: Dataset, order, n_used, eta, decay, l1, momentum, dropout_seed, epoch,
                  run: int = 0) -> None:
        """One epoch of run ``run`` over ``order[:n_used]``."""

    def sgd_epoch_family(self, data: Dataset, orders, n_used, eta, decay, l1, momentum, dropout_seeds,
                         epochs) -> None:
        """One epoch of every run in one call (each argument a sequence, one entry per run); only
        where ``capabilities.one_launch_family``."""

    def gradient_sum(self, data: Dataset, rows=None, run: int = 0, norm: str = "batch") -> np.ndarray: ...

    def evaluate_rows(self, data: Dataset, run: int = 0, chunk: int = 256, norm: str = "running"):
        """(outputs, per-example cost C_x, per-example correct) for every row of ``data``."""

    def forward_only(self, x: np.ndarray, run: int = 0) -> None: ...
