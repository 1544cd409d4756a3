"""The CUDA backend object: a family of runs whose data and parameters live on the GPU.

The interface is :class:`nnsci.engine.protocol.Backend`, with
:meth:`CudaFamily.sgd_epoch_family`, which trains every run of the family for
one epoch in ONE launch (one thread block per run). The runs of a family share a
network plan and dtype (their parameters are the rows of one device array) and
the training data; each has its own batch order, number of examples, eta,
lambda, L1, momentum, dropout seed and epoch.

The host sees only what the trainer asks for: after an epoch the parameters are
copied back into ``net.params`` (the trainer's monitors, checkpoints and saved
weights read them there); data sets are copied to the device once and reused
while the host array lives."""

from __future__ import annotations

import os
import weakref

import numpy as np

from ...errors import NnsciError
from ..protocol import CAPABILITIES
from . import kernels as ck
from .compat import import_cuda, simulated

cuda = import_cuda()

THREADS = int(os.environ.get("NNSCI_CUDA_THREADS", 256))   # threads per block on a GPU (results do not
SIM_THREADS = 8      # depend on it); in the simulator every thread is a Python thread
EVAL_CHUNK = 32      # rows per block in evaluation
EVAL_BLOCKS = 512    # at most this many evaluation blocks (each has its own workspace)


def threads_per_block():
    return SIM_THREADS if simulated() else THREADS


# -- device copies of data sets -------------------------------------------------------------------
_DATA: dict = {}


def device_data(data):
    """(x, t, labels) of ``data`` on the device, copied once per host array."""
    key = (id(data.x), id(data.t), id(data.labels))
    hit = _DATA.get(key)
    if hit is not None and all(r() is a for r, a in zip(hit[0], (data.x, data.t, data.labels))):
        return hit[1]
    for k in [k for k, (refs, _) in _DATA.items() if any(r() is None for r in refs)]:
        del _DATA[k]
    dev = (cuda.to_device(np.ascontiguousarray(data.x)), cuda.to_device(np.ascontiguousarray(data.t)),
           cuda.to_device(np.ascontiguousarray(data.labels, dtype=np.int64)))
    _DATA[key] = ([weakref.ref(a) for a in (data.x, data.t, data.labels)], dev)
    return dev


def conv_offsets(net):
    """Per layer, the offset (per example) of its convolution before pooling in CV; and CV's size."""
    off = np.zeros(net.L + 1, dtype=np.int64)
    total = 0
    for l, ly in enumerate(net.layers, start=1):
        off[l] = total
        if ly.kind == "convpool":
            total += int(np.prod(ly.conv_shape))
    return off, max(1, total)


class CudaFamily:
    """The device buffers of a family of runs of one plan, for mini-batches of ``batch``: the book's
    SGD at a constant eta, no normalised layers, and a family's epoch in one launch
    (:data:`nnsci.engine.protocol.CAPABILITIES`)."""

    name = "cuda"
    capabilities = CAPABILITIES["cuda"]

    def __init__(self, nets, batch: int, threads: int | None = None):
        self.nets = list(nets)
        if not self.nets:
            raise NnsciError("a CUDA family needs at least one network")
        net = self.nets[0]
        if any(ly.norm for ly in net.layers):
            raise NnsciError("engine=cuda has no normalisation layers yet (norm: batch|layer); use engine=cpu")
        for other in self.nets[1:]:
            if other.plan != net.plan or other.dtype != net.dtype:
                raise NnsciError("the runs of a CUDA family must share one network plan and dtype")
        self.batch = int(batch)
        self.threads = int(threads or threads_per_block())
        self.dtype = net.dtype
        self.zero = net.dtype.type(0)
        self.cost = int(net.cost)
        R = len(self.nets)
        self.cv_off_host, cv_units = conv_offsets(net)
        self.T = cuda.to_device(net.table)
        self.sizes = cuda.to_device(net.sizes)
        self.u_off = cuda.to_device(net.u_off)
        self.cv_off = cuda.to_device(self.cv_off_host)
        self.dropout = cuda.to_device(net.dropout)
        self.P = cuda.to_device(np.stack([n.params for n in self.nets]))
        self.V = cuda.to_device(np.zeros((R, net.n_params), dtype=self.dtype))
        units = self.batch * int(net.u_off[-1])
        self.A, self.Z, self.M, self.D = (cuda.device_array((R, units), dtype=self.dtype) for _ in range(4))
        self.CV, self.G = (cuda.device_array((R, self.batch * cv_units), dtype=self.dtype) for _ in range(2))
        self._cv_units = cv_units

    def __len__(self):
        return len(self.nets)

    # -- parameters in and out -------------------------------------------------------------------
    def get_params(self, run=0):
        return self.P[run].copy_to_host()

    def set_params(self, params, run=0):
        params = np.ascontiguousarray(params, dtype=self.dtype)
        self.P[run].copy_to_device(params)
        self.nets[run].params[:] = params

    def get_velocity(self, run=0):
        return self.V[run].copy_to_host()

    def set_velocity(self, velocity, run=0):
        self.V[run].copy_to_device(np.ascontiguousarray(velocity, dtype=self.dtype))

    def set_optimizer(self, optimizer, c2=0.0, c1=0.0, run=0):
        """Only the book's SGD (its one state is the velocity); any other optimiser is refused."""
        if not optimizer.is_book_sgd:
            raise NnsciError(f"engine=cuda runs the book's SGD only; optimizer {optimizer.name} needs engine=cpu")

    def get_optimizer_state(self, run=0):
        """The optimiser's state beyond the velocity: none (the book's SGD)."""
        return {}

    def set_optimizer_state(self, state, run=0):
        if state:
            raise NnsciError(f"engine=cuda has no optimiser state to restore ({', '.join(sorted(state))})")

    def get_state(self, run=0):
        """The running statistics of normalisation (none: this backend has no normalised layers)."""
        return self.nets[run].state.copy()

    def set_state(self, state, run=0):
        self.nets[run].state[:] = state

    # -- training --------------------------------------------------------------------------------
    def sgd_epoch(self, data, order, n_used, eta, decay, l1, momentum, dropout_seed, epoch, run=0):
        """One epoch of SGD of run ``run`` over ``order[:n_used]`` (one launch, one block)."""
        self._launch_epoch(data, [order], [n_used], [eta], [decay], [l1], [momentum], [dropout_seed], [epoch],
                           run0=run)

    def sgd_epoch_family(self, data, orders, n_used, eta, decay, l1, momentum, dropout_seeds, epochs):
        """One epoch of every run of the family in ONE launch (a block per run); each argument is a
        sequence with one entry per run, in the family's order."""
        if len(orders) != len(self):
            raise NnsciError(f"sgd_epoch_family: {len(orders)} batch orders for {len(self)} runs")
        self._launch_epoch(data, orders, n_used, eta, decay, l1, momentum, dropout_seeds, epochs, run0=0)

    def _launch_epoch(self, data, orders, n_used, eta, decay, l1, momentum, seeds, epochs, run0):
        if any(np.ndim(v) for v in (*eta, *decay, *l1)):
            raise NnsciError("engine=cuda runs one eta per epoch; a schedule (a rate per mini-batch) needs engine=cpu")
        R = len(orders)
        width = max(len(o) for o in orders)
        order = np.zeros((len(self), width), dtype=np.int64)
        for r, o in enumerate(orders):
            order[run0 + r, :len(o)] = o
        counts = np.zeros(len(self), dtype=np.int64)
        counts[run0:run0 + R] = n_used
        hyper = np.zeros((len(self), 4), dtype=self.dtype)
        hyper[run0:run0 + R] = np.column_stack([eta, decay, l1, momentum]).astype(self.dtype)
        seed = np.zeros(len(self), dtype=np.uint64)
        seed[run0:run0 + R] = [np.uint64(s) for s in seeds]
        ep = np.zeros(len(self), dtype=np.int64)
        ep[run0:run0 + R] = epochs
        x, t, _ = device_data(data)
        ck.sgd_epoch_kernel[R, self.threads](
            run0, self.P, self.V, self.T, self.sizes, self.u_off, self.cv_off, self.cost, x, t,
            cuda.to_device(order), cuda.to_device(counts), self.batch, self.A, self.Z, self.M, self.D, self.CV,
            self.G, cuda.to_device(hyper), self.dropout, cuda.to_device(seed), cuda.to_device(ep), self.zero)
        host = self.P[run0:run0 + R].copy_to_host()
        for net, row in zip(self.nets[run0:run0 + R], host):
            net.params[:] = row

    def gradient_sum(self, data, rows=None, run=0, norm="batch"):
        """The sum over ``rows`` (default: all) of dC_x/d(params), dropout in its inference form
        (host array of the network's dtype). ``norm``: the CPU backend's; no plan here has a
        normalised layer."""
        if rows is None:
            rows = np.arange(len(data), dtype=np.int64)
        x, t, _ = device_data(data)
        grad = cuda.to_device(np.zeros(self.P.shape[1], dtype=self.dtype))
        ck.gradient_kernel[1, self.threads](
            run, self.P, grad, self.T, self.sizes, self.u_off, self.cv_off, self.cost, x, t,
            cuda.to_device(np.ascontiguousarray(rows, dtype=np.int64)), self.batch, self.A, self.Z, self.M, self.D,
            self.CV, self.G, self.dropout, self.zero)
        return grad.copy_to_host()

    # -- evaluation ------------------------------------------------------------------------------
    def _forward_rows(self, data, run, score, chunk=EVAL_CHUNK):
        n = len(data)
        net = self.nets[run]
        nL = int(net.sizes[-1])
        blocks = max(1, min(EVAL_BLOCKS, (n + chunk - 1) // chunk))
        units = chunk * int(net.u_off[-1])
        A, Z, M = (cuda.device_array((blocks, units), dtype=self.dtype) for _ in range(3))
        CV = cuda.device_array((blocks, chunk * self._cv_units), dtype=self.dtype)
        out = cuda.device_array((n, nL), dtype=self.dtype)
        per_cost = cuda.device_array(n, dtype=np.float64)
        per_correct = cuda.device_array(n, dtype=np.int64)
        x, t, labels = device_data(data)
        rows = cuda.to_device(np.arange(n, dtype=np.int64))
        ck.evaluate_kernel[blocks, self.threads](
            run, self.P, self.T, self.sizes, self.u_off, self.cv_off, self.cost, x, t, labels, rows, chunk,
            A, Z, M, CV, self.dropout, out, per_cost, per_correct, score, self.zero)
        return out, per_cost, per_correct

    def evaluate_rows(self, data, run=0, chunk=EVAL_CHUNK, norm="running"):
        """(outputs, per-example cost C_x, per-example correct) for every row of ``data``
        (``norm`` as the CPU backend's; no plan here has a normalised layer)."""
        out, per_cost, per_correct = self._forward_rows(data, run, True, min(chunk, EVAL_CHUNK))
        return out.copy_to_host(), per_cost.copy_to_host(), per_correct.copy_to_host()

    def forward_only(self, x, run=0):
        """Forward passes over the rows of x (for timing; nothing returned)."""
        from ..data import Dataset

        net = self.nets[run]
        x = np.ascontiguousarray(x, dtype=self.dtype)
        data = Dataset(x, np.zeros((len(x), int(net.sizes[-1])), self.dtype), np.zeros(len(x), np.int64))
        self._forward_rows(data, run, False)
        cuda.synchronize()


def open_family(nets, batch, threads=None):
    return CudaFamily(nets, batch, threads)
