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
from .views import Buffers, Data, Net, Optim, Rates

NORM_MODES = {"running": NORM_RUNNING, "batch": NORM_BATCH}


def norm_mode(name):
    if name not in NORM_MODES:
        raise NnsciError(f"unknown normalisation mode {name!r}; choose running or batch")
    return NORM_MODES[name]


def buffers(net, m_max, training=True):
    """The kernels' :class:`.views.Buffers` for mini-batches (or evaluation chunks) of up to m_max
    rows; without ``training``, no room for deltas and gradients (one element each)."""
    def zeros(n):
        return np.zeros(max(1, n), dtype=net.dtype)

    total, conv, units = int(net.u_off[-1]), net.plan.conv_units(), net.plan.norm_units()
    r = m_max if training else 0   # rows of the backward pass's buffers
    S = max([1, m_max] + [ly.n_biases for ly in net.layers])
    return Buffers(A=zeros(m_max * total), Z=zeros(m_max * total), M=zeros(m_max * total), D=zeros(r * total),
                   CV=zeros(m_max * conv), G=zeros(r * conv), WT=zeros(net.n_params),
                   grad=zeros(net.n_params if training else 0),
                   Tb=np.zeros((m_max, int(net.sizes[-1])), dtype=net.dtype), ids=np.zeros(m_max, dtype=np.int64),
                   NX=zeros(m_max * units), ND=zeros(r * units), NS=np.zeros((net.L + 1, 2, S), dtype=np.float64))


def kernel_net(net):
    """A network as the kernels take it (:class:`.views.Net`)."""
    return Net(net.params, net.table, net.sizes, net.u_off, net.cost, net.dropout, net.state, net.norm_f)


def kernel_data(data):
    return Data(data.x, data.t, data.labels)


def threaded(parallel, serial):
    """The kernel to run and numba's thread count: the serial twin on one thread
    (:func:`.plan_kernels._twins`)."""
    threads = numba.get_num_threads()
    return (parallel if threads > 1 else serial), threads


class Workspace:
    """Buffers for one network and batch size (allocated once per run) and its optimiser's state."""

    def __init__(self, net, m_max: int):
        self.m_max = m_max
        self.buf = buffers(net, m_max)
        self.grad = self.buf.grad
        self.velocity = np.zeros(net.n_params, dtype=net.dtype)
        # The other optimisers' state (nnsci.engine.optim): first and second moments, steps taken.
        self.moment1 = np.zeros(net.n_params, dtype=net.dtype)
        self.moment2 = np.zeros(net.n_params, dtype=net.dtype)
        self.step = np.zeros(1, dtype=np.int64)


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
        optim = Optim(opt, hyp, momentum, ws.velocity, ws.moment1, ws.moment2, ws.step)
        kernel, threads = threaded(pk.sgd_epoch_parallel, pk.sgd_epoch_serial)
        kernel(kernel_net(net), ws.buf, optim, kernel_data(data), order, n_used, Rates(etas, decays, l1s),
               np.uint64(dropout_seed), epoch, threads)

    def gradient_sum(self, data, rows=None, run=0, norm="batch"):
        """The sum over ``rows`` (default: all) of dC_x/d(params), dropout in its inference form,
        normalised layers with each mini-batch's statistics (``norm="batch"``: the gradient SGD
        follows; the running statistics unchanged) or the running ones (``"running"``); the run's
        workspace ``grad`` (network dtype), valid until the next call."""
        mode = norm_mode(norm)
        net, ws = self.nets[run], self.ws[run]
        if rows is None:
            rows = np.arange(len(data), dtype=np.int64)
        kernel, threads = threaded(pk.gradient_sum_parallel, pk.gradient_sum_serial)
        kernel(kernel_net(net), ws.buf, kernel_data(data), rows, threads, mode)
        return ws.grad

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate_rows(self, data, run=0, chunk=256, norm="running"):
        """(outputs, per-example cost C_x, per-example correct) for every row of ``data``."""
        return evaluate_rows(self.nets[run], data, chunk, norm)

    def forward_only(self, x, run=0):
        """Forward passes over the rows of x in mini-batches of ``batch`` (serial; for timing)."""
        net, ws = self.nets[run], self.ws[run]
        x = np.ascontiguousarray(x, dtype=net.dtype)
        n, nL = x.shape[0], int(net.sizes[-1])
        data = Data(x, np.zeros((n, nL), dtype=net.dtype), np.zeros(n, dtype=np.int64))
        empty = np.zeros(0, dtype=np.float64)
        pk.evaluate_serial(kernel_net(net), ws.buf, data, np.arange(n), np.zeros((0, nL), dtype=net.dtype), empty,
                           np.zeros(0, dtype=np.int64), 1, NORM_RUNNING)

    # -- what this backend cannot do (nnsci.engine.protocol.Backend) ------------------------------
    @property
    def capabilities(self):
        from ..protocol import CAPABILITIES

        return CAPABILITIES["cpu"]

    def sgd_epoch_family(self, data, orders, n_used, eta, decay, l1, momentum, dropout_seeds, epochs):
        """Refused: the CPU trains the runs of a family one after another (``sgd_epoch(..., run=i)``)."""
        raise NnsciError("engine=cpu has no one-launch family epoch; train each run with sgd_epoch(..., run=i)")


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
    kernel, threads = threaded(pk.evaluate_parallel, pk.evaluate_serial)
    kernel(kernel_net(net), buffers(net, chunk, training=False), kernel_data(data), np.arange(n), out, per_cost,
           per_correct, threads, mode)
    return out, per_cost, per_correct


def open_family(nets, batch):
    return CpuFamily(nets, batch)
