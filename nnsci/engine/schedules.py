"""Learning-rate schedules, written once as functions of the mini-batch step.

A schedule turns the run's eta into the learning rate of every mini-batch step
``s = 0, 1, ..., S - 1`` (``S = epochs x batches per epoch``; step s is the
(s+1)-th update of the run), as a factor ``eta_s = eta f(s)``. The kernels run
a whole epoch per compiled call, so the trainer computes each epoch's rates
here, in Python (float64), and passes them as an array, one per mini-batch;
every optimiser reads them the same way. Durations are given in epochs (floats
allowed) and become ``epochs x batches per epoch`` steps. The book's
eta-halving (``halve_eta``) changes eta between epochs; a schedule multiplies
whatever eta is then. S counts the run's epochs as given (early stopping may
end a run before its schedule does). A run's History records eta, not the
scheduled rates: :func:`learning_rates` gives those.

Kinds (with ``warmup = W`` epochs, every kind but one-cycle first rises
linearly, ``f(s) = (s + 1) / Ws`` for ``s < Ws`` (``Ws = W x batches``, the
first step at eta / Ws, step Ws - 1 at eta), and then runs its own formula on
``s' = s - Ws`` over the ``S' = S - Ws`` remaining steps):

``constant``  f = 1 (with ``warmup``: linear warm-up alone).
``step``      f = gamma ^ floor(s' / P), P = ``every`` epochs in steps (gamma default 0.1).
``cosine``    cosine annealing (Loshchilov and Hutter's SGDR): within a cycle of T steps, at its
              step c, f = m + (1 - m) (1 + cos(pi c / T)) / 2, m = ``min_factor``. Without
              ``period`` one cycle spans all S' steps (plain cosine annealing, from 1 at its first
              step towards m, which step S' would reach);
              with ``period`` = T_0 epochs the rate restarts at eta after each cycle, and each
              cycle is ``mult`` times as long as the one before (T_i = T_0 mult^i).
``onecycle``  Smith and Topin's one-cycle, as PyTorch's OneCycleLR (two phases, cosine, no
              momentum cycling): eta is the peak; with u = pct_start S - 1 and S - 1 the phase ends,
              f rises from 1/div_factor at s = 0 to 1 at s = u, then falls to
              1/(div_factor final_div_factor) at s = S - 1, each phase along
              a(x, y, p) = y + (x - y)(1 + cos(pi p)) / 2 with p = s / u, then (s - u) / (S - 1 - u).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import NnsciError

KINDS = ("constant", "step", "cosine", "onecycle")
# Which keys each kind takes (beyond ``kind``), with their defaults.
PARAMS = {
    "constant": {"warmup": 0.0},
    "step": {"warmup": 0.0, "every": None, "gamma": 0.1},
    "cosine": {"warmup": 0.0, "period": None, "mult": 1.0, "min_factor": 0.0},
    "onecycle": {"pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4},
}


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    params: tuple = ()          # sorted (key, value) pairs: hashable, and one text for checkpoint keys

    def get(self, key):
        return dict(self.params).get(key, PARAMS[self.kind][key])

    def factors(self, steps, total: int, per_epoch: int) -> np.ndarray:
        """f(s) for each step s of ``steps`` (float64); ``total`` steps in the run, ``per_epoch``
        steps (mini-batches) per epoch."""
        s = np.asarray(steps, dtype=np.float64)
        if self.kind == "onecycle":
            return _onecycle(s, total, self.get("pct_start"), self.get("div_factor"), self.get("final_div_factor"))
        ws = self.get("warmup") * per_epoch
        after = np.maximum(s - ws, 0.0)
        rest = max(total - ws, 1.0)
        if self.kind == "constant":
            f = np.ones_like(s)
        elif self.kind == "step":
            f = self.get("gamma") ** np.floor(after / (self.get("every") * per_epoch))
        else:
            period = self.get("period")
            t0 = rest if period is None else period * per_epoch
            f = np.array([_cosine(a, t0, self.get("mult"), self.get("min_factor")) for a in after])
        if ws > 0:
            f = np.where(s < ws, (s + 1) / ws, f)
        return f

    def rates(self, eta: float, steps, total: int, per_epoch: int) -> np.ndarray:
        """eta_s = eta f(s) for each step of ``steps`` (float64)."""
        return eta * self.factors(steps, total, per_epoch)

    def describe(self) -> str:
        return f"{self.kind}{dict(self.params)}"


def _cosine(c, t, mult, m):
    while c >= t:          # SGDR: which cycle, and the step within it
        c -= t
        t *= mult
    return m + (1 - m) * (1 + math.cos(math.pi * c / t)) / 2


def _anneal(x, y, p):
    return y + (x - y) * (1 + np.cos(np.pi * p)) / 2


def _onecycle(s, total, pct, div, final_div):
    start, peak, end = 1 / div, 1.0, 1 / (div * final_div)
    u = float(pct * total) - 1
    last = total - 1
    rise = _anneal(start, peak, s / u) if u > 0 else np.full_like(s, peak)
    fall = _anneal(peak, end, (s - u) / (last - u)) if last > u else np.full_like(s, end)
    return np.where(s <= u, rise, fall)


def make_schedule(spec) -> Schedule | None:
    """A Schedule from a run spec's ``schedule`` option (a kind name, or a mapping with ``kind`` and
    that kind's keys), or None for none (the book's constant eta, exactly as before). One-line
    NnsciError for an unknown kind, key or a value out of range."""
    if spec is None or isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict) or "kind" not in spec:
        raise NnsciError(f"schedule must be a kind ({', '.join(KINDS)}) or a mapping with kind, got {spec!r}")
    kind = spec["kind"]
    if kind not in KINDS:
        raise NnsciError(f"unknown schedule {kind!r}; choose one of {', '.join(KINDS)}")
    keys = {k: v for k, v in spec.items() if k != "kind"}
    unknown = sorted(set(keys) - set(PARAMS[kind]))
    if unknown:
        raise NnsciError(f"schedule {kind}: unknown key(s) {', '.join(unknown)}; it takes "
                         f"{', '.join(PARAMS[kind]) or 'none'}")
    for k, v in keys.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise NnsciError(f"schedule {kind}: {k} must be a number, got {v!r}")
    bad = _range_problem(kind, {**PARAMS[kind], **keys})
    if bad:
        raise NnsciError(f"schedule {kind}: {bad}")
    return Schedule(kind, tuple(sorted((k, float(v)) for k, v in keys.items())))


def _range_problem(kind, p):
    if p.get("warmup", 0) < 0:
        return f"warmup must be >= 0 epochs, got {p['warmup']!r}"
    if kind == "step":
        if p["every"] is None or p["every"] <= 0:
            return f"every must be given, > 0 epochs, got {p['every']!r}"
        if not 0 < p["gamma"] <= 1:
            return f"gamma must be in (0, 1], got {p['gamma']!r}"
    if kind == "cosine":
        if p["period"] is not None and p["period"] <= 0:
            return f"period must be > 0 epochs, got {p['period']!r}"
        if p["mult"] < 1:
            return f"mult must be >= 1, got {p['mult']!r}"
        if not 0 <= p["min_factor"] <= 1:
            return f"min_factor must be in [0, 1], got {p['min_factor']!r}"
    if kind == "onecycle":
        if not 0 < p["pct_start"] < 1:
            return f"pct_start must be in (0, 1), got {p['pct_start']!r}"
        if p["div_factor"] < 1 or p["final_div_factor"] < 1:
            return "div_factor and final_div_factor must be >= 1"
    return None


def learning_rates(schedule, eta: float, epochs: int, per_epoch: int) -> np.ndarray:
    """Every step's learning rate of a whole run, (epochs, per_epoch) (for figures and tests)."""
    sched = make_schedule(schedule) or Schedule()
    total = epochs * per_epoch
    return sched.rates(eta, np.arange(total), total, per_epoch).reshape(epochs, per_epoch)
