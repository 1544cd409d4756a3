"""The CPU backend object: the buffers of one run or a family of runs, and what the trainer needs.

The trainer calls these methods and never sees a kernel argument. Every network, the book's
dense ones included, runs on the layer-plan kernels of :mod:`.plan_kernels`.

Normalised layers: ``net.state`` (batch normalisation's running statistics) lives, like the
parameters, in host memory, which is this backend's device memory; training moves it,
evaluation reads it (``norm="running"``) unless asked for batch statistics (``norm="batch"``,
each chunk or mini-batch its own statistics, the running ones unchanged)."""

from __future__ import annotations

import numba
import numpy as np

from ..optim import HYPER, SGD
from ...errors import NnsciError
from . import plan_kernels as pk
from .norm import NORM_BATCH, NORM_RUNNING

NORM_MODES = {"running": NORM_RUNNING, "batch": NORM_BATCH}


def norm_mode(name):
    if name not in NORM_MODES:
        raise NnsciError(f"unknown normalisation mode {name!r}; choose running or batch")
    return NORM_MODES[name]


def norm_buffers(net, m_max):
    """NX, ND (a normalised layer's xhat and dC/dz, m_max rows each) and NS (each layer's batch
    or per-example statistics, float64)."""
    units = max(1, net.plan.norm_units())
    S = max([1, m_max] + [ly.n_biases for ly in net.layers])
    return (np.zeros(m_max * units, dtype=net.dtype), np.zeros(m_max * units, dtype=net.dtype),
            np.zeros((net.L + 1, 2, S), dtype=np.float64))


class Workspace:
    """Buffers for one network and batch size (allocated once per run)."""

    def __init__(self, net, m_max: int):
        total = int(net.u_off[-1])
        self.m_max = m_max
        self.A = np.zeros(m_max * total, dtype=net.dtype)
        self.Z = np.zeros(m_max * total, dtype=net.dtype)
        self.M = np.zeros(m_max * total, dtype=net.dtype)
        self.D = np.zeros(m_max * total, dtype=net.dtype)
        conv = max(1, net.plan.conv_units())
        self.CV = np.zeros(m_max * conv, dtype=net.dtype)
        self.G = np.zeros(m_max * conv, dtype=net.dtype)
        self.grad = np.zeros(net.n_params, dtype=net.dtype)
        self.WT = np.zeros(net.n_params, dtype=net.dtype)  # weights transposed
        self.velocity = np.zeros(net.n_params, dtype=net.dtype)
        # The other optimisers' state (nnsci.engine.optim): first and second moments, steps taken.
        self.moment1 = np.zeros(net.n_params, dtype=net.dtype)
        self.moment2 = np.zeros(net.n_params, dtype=net.dtype)
        self.step = np.zeros(1, dtype=np.int64)
        self.Tb = np.zeros((m_max, int(net.sizes[-1])), dtype=net.dtype)
        self.ids = np.zeros(m_max, dtype=np.int64)
        self.NX, self.ND, self.NS = norm_buffers(net, m_max)


class CpuFamily:
    """A family of runs on the CPU: each run's network (its parameters stay in ``net.params``,
    host memory being this backend's device memory) and its workspace for mini-batches of ``batch``."""

    name = "cpu"

    def __init__(self, nets, batch: int):
        self.nets = list(nets)
        self.batch = int(batch)
        self.ws = [Workspace(net, self.batch) for net in self.nets]
        self.optim = [(SGD, np.zeros(len(HYPER), dtype=net.dtype)) for net in self.nets]

    def __len__(self):
        return len(self.nets)

    # -- parameters in and out -------------------------------------------------------------------
    def get_params(self, run=0):
        return self.nets[run].params.copy()

    def set_params(self, params, run=0):
        self.nets[run].params[:] = params

    def get_velocity(self, run=0):
        return self.ws[run].velocity.copy()

    def set_velocity(self, velocity, run=0):
        self.ws[run].velocity[:] = velocity

    def set_optimizer(self, optimizer, c2=0.0, c1=0.0, run=0):
        """Train run ``run`` with ``optimizer`` (an :class:`nnsci.engine.optim.Optimizer`); c2, c1: the
        coupled L2 and L1 coefficients of the adaptive optimisers' gradient."""
        self.optim[run] = (optimizer.code, optimizer.hyper(c2, c1, self.nets[run].dtype))

    def get_optimizer_state(self, run=0):
        """The optimisers' state beyond the velocity: {moment1, moment2, step} (copies)."""
        ws = self.ws[run]
        return {"moment1": ws.moment1.copy(), "moment2": ws.moment2.copy(), "step": ws.step.copy()}

    def set_optimizer_state(self, state, run=0):
        ws = self.ws[run]
        for k in ("moment1", "moment2", "step"):
            getattr(ws, k)[:] = state[k]

    def get_state(self, run=0):
        """The running statistics of batch normalisation (empty without such a layer)."""
        return self.nets[run].state.copy()

    def set_state(self, state, run=0):
        self.nets[run].state[:] = state

    # -- training --------------------------------------------------------------------------------
    def sgd_epoch(self, data, order, n_used, eta, decay, l1, momentum, dropout_seed, epoch, run=0):
        """One epoch of the run's optimiser (:meth:`set_optimizer`; the book's SGD by default) over
        ``order[:n_used]`` in mini-batches of ``batch``. eta, decay, l1: scalars of the network's
        dtype, or arrays with one value per mini-batch (a schedule); momentum: a scalar."""
        net, ws = self.nets[run], self.ws[run]
        nb = -(-int(n_used) // ws.m_max)
        etas, decays, l1s = (np.broadcast_to(np.asarray(v, dtype=net.dtype), (nb,)).copy() for v in (eta, decay, l1))
        momentum = net.dtype.type(momentum)
        opt, hyp = self.optim[run]
        pk.sgd_epoch_plan(net.params, ws.velocity, ws.moment1, ws.moment2, ws.step, net.table, net.sizes,
                          net.u_off, net.cost, data.x, data.t, order, n_used, ws.m_max, ws.A, ws.Z, ws.M, ws.D,
                          ws.CV, ws.G, ws.WT, ws.grad, ws.Tb, ws.ids, etas, decays, l1s, momentum, opt, hyp,
                          net.dropout, np.uint64(dropout_seed), epoch, numba.get_num_threads(), ws.NX, ws.ND, ws.NS,
                          net.state, net.norm_f)

    def gradient_sum(self, data, rows=None, run=0, norm="batch"):
        """The sum over ``rows`` (default: all) of dC_x/d(params), dropout in its inference form,
        normalised layers with each mini-batch's statistics (``norm="batch"``: the gradient SGD
        follows; the running statistics unchanged) or the running ones (``"running"``); the run's
        workspace ``grad`` (network dtype), valid until the next call."""
        mode = norm_mode(norm)
        net, ws = self.nets[run], self.ws[run]
        if rows is None:
            rows = np.arange(len(data), dtype=np.int64)
        pk.gradient_sum_plan(net.params, net.table, net.sizes, net.u_off, net.cost, data.x, data.t, rows,
                             ws.m_max, ws.A, ws.Z, ws.M, ws.D, ws.CV, ws.G, ws.WT, ws.grad, ws.Tb, ws.ids,
                             net.dropout, numba.get_num_threads(), ws.NX, ws.ND, ws.NS, net.state,
                             net.norm_f, mode)
        return ws.grad

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate_rows(self, data, run=0, chunk=256, norm="running"):
        """(outputs, per-example cost C_x, per-example correct) for every row of ``data``."""
        return evaluate_rows(self.nets[run], data, chunk, norm)

    def forward_only(self, x, run=0):
        """Forward passes over the rows of x in mini-batches of ``batch`` (serial; for timing)."""
        net, ws = self.nets[run], self.ws[run]
        x = np.ascontiguousarray(x, dtype=net.dtype)
        pk.forward_rows(net.params, net.table, net.sizes, net.u_off, x, ws.m_max, ws.A, ws.Z, ws.M, ws.CV,
                        ws.WT, net.dropout, ws.NX, ws.NS, net.state, net.norm_f)


def evaluate_rows(net, data, chunk=256, norm="running"):
    """Each row's output, cost and correctness; normalised layers with the running statistics
    (``norm="running"``, evaluation mode) or each chunk's own (``"batch"``; the running ones
    unchanged: training mode's forward pass, for tests)."""
    mode = norm_mode(norm)
    n = len(data)
    out = np.zeros((n, int(net.sizes[-1])), dtype=net.dtype)
    per_cost = np.zeros(n, dtype=np.float64)
    per_correct = np.zeros(n, dtype=np.int64)
    if mode == NORM_RUNNING or not net.plan.has_batch_norm:
        chunk = min(chunk, 64)   # ConvPool layers keep every example's patches
    total = int(net.u_off[-1])
    conv = max(1, net.plan.conv_units())
    A, Z, M = (np.zeros(chunk * total, dtype=net.dtype) for _ in range(3))
    CV = np.zeros(chunk * conv, dtype=net.dtype)
    WT = np.zeros(net.n_params, dtype=net.dtype)
    NX, _, NS = norm_buffers(net, chunk)
    pk.evaluate_plan(net.params, net.table, net.sizes, net.u_off, net.cost, data.x, data.t, data.labels,
                     chunk, net.dropout, A, Z, M, CV, WT, out, per_cost, per_correct, numba.get_num_threads(),
                     NX, NS, net.state, net.norm_f, mode)
    return out, per_cost, per_correct


def open_family(nets, batch):
    return CpuFamily(nets, batch)
