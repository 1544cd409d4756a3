"""The CPU engine: kernels that walk a layer plan (ConvPool, dense and softmax layers in any
order). Every network runs here, the book's dense ones of chapters 1-5 included
(tests/test_one_engine.py pins their bytes). A layer is a row of the int64 layer table
(:meth:`nnsci.engine.plan.Plan.table`); parameters, activations and deltas live in the flat
buffers of :mod:`.kernels` (layer l's (m x units) block at ``m_max * u_off[l]``), and ConvPool
layers keep their pre-pooling convolution in ``CV`` (and its gradient in ``G``) at
``m_max * coff``.

Convolution: the TRUE convolution Theano's ``conv2d`` computes (it flips the
kernel): ``conv[f, y, x] = sum_{c,u,v} in[c, y+u, x+v] W[f, c, k-1-u, k-1-v]``
(see :mod:`nnsci.engine.plan`). Max-pooling backpropagates by Theano's rule:
every input equal to its window's maximum receives the window's gradient.

Threads: a mini-batch is two parallel phases, each split into one part per thread. First every
thread takes its own examples through the forward pass and the backward chain of deltas
(examples are independent); then every thread takes its own share of each layer's units (maps
of a ConvPool layer, rows of a dense one) and sums their weight and bias gradients over the
mini-batch's examples, in example order, and updates those parameters. Every output is computed
whole by one thread, by the same serial loops whatever the number of threads, so a run's bytes
do not depend on it (tests/test_convnet.py trains on 1 and 2 threads). Only the entry points
called from Python (sgd_epoch, gradient_sum, evaluate) are ``parallel=True``: numba's cache
cannot hold a compiled function that calls a parallel one (``nnsci curves ch6.ensemble``,
loading such a function from the cache that a training job had written, crashed with a
segmentation fault). Each entry point also has a serial twin, the same source compiled
without ``parallel``, which the backend runs on one thread (:func:`_twins`).

Arguments: a few named tuples (:mod:`.views`): the network (``net``), its buffers (``buf``,
m_max = ``len(buf.ids)`` rows), the optimiser (``optim``), the data and the rates.

Normalisation (:mod:`.norm`): a layer with ``norm`` normalises its pre-activation z in place
(z becomes y = gamma xhat + beta, xhat kept in ``NX``) before its activation; backward, its
delta dC/dy stays in D (dC/dgamma, dC/dbeta need it) and dC/dz goes to ``ND``, which feeds the
layer's weight gradients and the delta of the layer below. Both buffers hold a normalised
layer's (m x units) block at ``m_max * T[l, F_NOFF]``; ``NS[l]`` holds its statistics, ``net.state``
the running statistics, ``net.normf[l]`` its (momentum, eps). ``nmode`` says which statistics
(:data:`.norm.NORM_RUNNING`, ``NORM_BATCH``, or ``NORM_TRAIN``, which also moves the running
ones). Batch statistics couple the examples of a mini-batch, so when they are in use and the
plan has a batch-normalised layer, phase 1 (forward and the chain of deltas) runs as ONE part
on one thread (:func:`_phase1_parts`); phase 2 (per unit: gradients and the update, gamma and
beta included) still runs on every thread. Layer normalisation is per example and keeps
phase 1's split. Either way every output is computed whole by one thread in the serial
order, so the bytes do not depend on the thread count."""

from __future__ import annotations

import types

from numba import njit, prange

from ..functions import LINEAR
from ..optim import SGD
from ..plan import CONVPOOL, F_ACT, F_GOFF, F_K, F_KEY, F_KIND, F_NB, F_NOFF, F_NORM, F_POOL, NO_NORM
from ..rules import dropout_factor, output_delta
from .convpool import conv_deltas, conv_forward, conv_weight_grad
from .kernels import (_activate_rows, _block, _bp2_finish, _load_rows, _outer_accumulate, _score_rows,
                      _times_prime, adam_corrections, dense_back, dense_t)
from .norm import NORM_TRAIN, norm_backward, norm_forward, norm_param_grad
from .update import update_part, update_part_opt
from .views import (_conv_grad_views, _conv_views, _dense_views, _nblock, _norm_params, _parts, _phase1_parts,
                    _transposed, transpose_weights)


@njit(cache=True)
def _normalise(net, buf, l, z, m_max, m, n, i0, i1, nmode):
    """Layer l's pre-activation z (its whole (m, n) block) normalised in place for rows i0:i1."""
    T = net.table
    gamma, beta, rmean, rvar = _norm_params(net.params, net.state, T, l)
    F = T[l, F_NB]
    norm_forward(z.reshape((m, F, n // F)), _nblock(buf.NX, T, l, m_max, m, n), gamma, beta, buf.NS[l], rmean,
                 rvar, T[l, F_NORM], nmode, net.normf[l, 0], net.normf[l, 1], i0, i1)


@njit(cache=True)
def forward_plan(net, buf, m, i0, i1, train, seed, epoch, nmode):
    """Feed rows i0:i1 of the m rows in A's layer-0 block forward through every layer of the plan
    (each row independent of the others, except through batch statistics: then i0:i1 is every
    row), the weights read from WT (:func:`.views.transpose_weights`)."""
    T, sizes, u_off, A, Z = net.table, net.sizes, net.u_off, buf.A, buf.Z
    m_max = buf.ids.shape[0]
    L = sizes.shape[0] - 1
    n = i1 - i0
    for l in range(1, L + 1):
        p = net.dropout[l]
        src = A
        if p != 0.0:
            a_in = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])
            masked = _block(buf.M, m_max * u_off[l - 1], m, sizes[l - 1])
            key = T[l, F_KEY]
            for i in range(i0, i1):
                for k in range(sizes[l - 1]):
                    masked[i, k] = a_in[i, k] * dropout_factor(p, train, seed, epoch, buf.ids[i], key, k)
            src = buf.M
        normed = T[l, F_NORM] != NO_NORM
        zb = _block(Z, m_max * u_off[l], m, sizes[l])
        ab = _block(A, m_max * u_off[l], m, sizes[l])
        if T[l, F_KIND] == CONVPOOL:
            x, z, W, b, cv, pt = _conv_views(net.params, T, l, sizes, u_off, src, Z, buf.CV, m_max, m)
            a = ab.reshape(z.shape)
            conv_forward(x[i0:i1], _transposed(buf.WT, T, l), b, cv[i0:i1], pt[i0:i1], z[i0:i1], a[i0:i1],
                         LINEAR if normed else T[l, F_ACT], T[l, F_K], T[l, F_POOL])
            if normed:
                _normalise(net, buf, l, zb, m_max, m, sizes[l], i0, i1, nmode)
                _activate_rows(zb[i0:i1], ab[i0:i1], n, T[l, F_ACT])
        else:
            W, b = _dense_views(net.params, T, l)
            a_in = _block(src, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            dense_t(a_in, _transposed(buf.WT, T, l), b, zb[i0:i1], n)
            if normed:
                _normalise(net, buf, l, zb, m_max, m, sizes[l], i0, i1, nmode)
            _activate_rows(zb[i0:i1], ab[i0:i1], n, T[l, F_ACT])


@njit(cache=True)
def backward_deltas(net, buf, m, i0, i1, train, seed, epoch, nmode):
    """Backpropagation of rows i0:i1 (each independent of the others, except through batch
    statistics: then i0:i1 is every row): every layer's delta (and each ConvPool layer's
    dC/d(convolution) in G, each normalised layer's dC/dz in ND), after :func:`forward_plan` of
    the same rows; the targets in ``buf.Tb``."""
    T, sizes, u_off, A, Z, D = net.table, net.sizes, net.u_off, buf.A, buf.Z, buf.D
    m_max = buf.ids.shape[0]
    L = sizes.shape[0] - 1
    nL = sizes[L]
    aL = _block(A, m_max * u_off[L], m, nL)
    zL = _block(Z, m_max * u_off[L], m, nL)
    dL = _block(D, m_max * u_off[L], m, nL)
    out_act = T[L, F_ACT]
    for i in range(i0, i1):
        for j in range(nL):
            dL[i, j] = output_delta(aL[i, j], buf.Tb[i, j], zL[i, j], net.cost, out_act)
    n = i1 - i0
    for l in range(L, 0, -1):
        if l > 1:
            dp = _block(D, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            zp = _block(Z, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            ap = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
        normed = T[l, F_NORM] != NO_NORM
        if normed:   # dC/dy (D) -> dC/dz (ND)
            gamma, beta, rmean, rvar = _norm_params(net.params, net.state, T, l)
            dy = _block(D, m_max * u_off[l], m, sizes[l]).reshape((m, T[l, F_NB], sizes[l] // T[l, F_NB]))
            norm_backward(dy, _nblock(buf.ND, T, l, m_max, m, sizes[l]), _nblock(buf.NX, T, l, m_max, m, sizes[l]),
                          gamma, buf.NS[l], rvar, T[l, F_NORM], nmode, net.normf[l, 1], i0, i1)
        if T[l, F_KIND] == CONVPOOL:
            x, dz, W, b, cv, pt = _conv_views(net.params, T, l, sizes, u_off, A, D, buf.CV, m_max, m)
            if normed:
                dz = _nblock(buf.ND, T, l, m_max, m, sizes[l]).reshape(dz.shape)
            _, _, g = _conv_grad_views(T, l, net.params, buf.G, m_max, m)
            dx = _block(D, m_max * u_off[l - 1], m, sizes[l - 1]).reshape(x.shape)
            conv_deltas(cv[i0:i1], dz[i0:i1], g[i0:i1], W, dx[i0:i1], l > 1, T[l, F_K], T[l, F_POOL])
            if l > 1:
                _times_prime(dp, zp, ap, T[l - 1, F_ACT], n)
        elif l > 1:
            W, b = _dense_views(net.params, T, l)
            if normed:
                d = _block(buf.ND, m_max * T[l, F_NOFF], m, sizes[l])[i0:i1]
            else:
                d = _block(D, m_max * u_off[l], m, sizes[l])[i0:i1]
            dense_back(W, d, dp, n)
            _bp2_finish(dp, zp, ap, T[l - 1, F_ACT], n, net.dropout[l], train, seed, epoch, buf.ids[i0:i1],
                        T[l, F_KEY])


@njit(cache=True)
def gradient_part(net, buf, m, t, nt, zero):
    """Part t of nt of every layer's units (maps of a ConvPool layer, rows of a dense one): add
    the mini-batch's summed dC/dW and dC/db of those units (and dC/dgamma, dC/dbeta of a
    normalised layer's features) into ``buf.grad`` (first set to zero if ``zero``), examples in
    order, after :func:`backward_deltas` of every row."""
    T, sizes, u_off, D, grad = net.table, net.sizes, net.u_off, buf.D, buf.grad
    m_max = buf.ids.shape[0]
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        src = buf.M if net.dropout[l] != 0.0 else buf.A
        normed = T[l, F_NORM] != NO_NORM
        if T[l, F_KIND] == CONVPOOL:
            x, dz, W, b, cv, pt = _conv_views(net.params, T, l, sizes, u_off, src, D, buf.CV, m_max, m)
            if normed:
                dz = _nblock(buf.ND, T, l, m_max, m, sizes[l]).reshape(dz.shape)
            gW, gb, g = _conv_grad_views(T, l, grad, buf.G, m_max, m)
        else:
            if normed:
                d = _block(buf.ND, m_max * T[l, F_NOFF], m, sizes[l])
            else:
                d = _block(D, m_max * u_off[l], m, sizes[l])
            a_in = _block(src, m_max * u_off[l - 1], m, sizes[l - 1])
            gW, gb = _dense_views(grad, T, l)
        j0, j1 = _parts(gW.shape[0], t, nt)
        if zero:
            gW[j0:j1] = 0
            gb[j0:j1] = 0
        if T[l, F_KIND] == CONVPOOL:
            conv_weight_grad(dz, g, pt, gW, gb, j0, j1)
        else:
            _outer_accumulate(d[:, j0:j1], a_in, gW[j0:j1], gb[j0:j1], m)
        if normed:
            F = T[l, F_NB]
            g0 = T[l, F_GOFF]
            g_gamma, g_beta = grad[g0:g0 + F], grad[g0 + F:g0 + 2 * F]
            if zero:
                g_gamma[j0:j1] = 0
                g_beta[j0:j1] = 0
            dy = _block(D, m_max * u_off[l], m, sizes[l]).reshape((m, F, sizes[l] // F))
            norm_param_grad(dy, _nblock(buf.NX, T, l, m_max, m, sizes[l]), g_gamma, g_beta, j0, j1, m)


@njit(cache=True)
def _examples(net, buf, m, t, nt1, train, seed, epoch, nmode, backward):
    """Phase 1, part t of nt1: its rows of the mini-batch forward (and, with ``backward``, their
    deltas)."""
    i0, i1 = _parts(m, t, nt1)
    forward_plan(net, buf, m, i0, i1, train, seed, epoch, nmode)
    if backward:
        backward_deltas(net, buf, m, i0, i1, train, seed, epoch, nmode)


def _twins(f):
    """``f`` compiled twice: with ``parallel=True`` (its prange loops split over the threads) and
    without it (prange runs as range), for one thread, where numba's parallel regions, entered
    a few times per mini-batch, cost more than they save. The bytes are the same (the module
    docstring); the serial twin has its own name, so numba caches the two apart."""
    name = f.__name__ + "_serial"
    code = f.__code__.replace(co_name=name)
    serial = types.FunctionType(code, f.__globals__, name, f.__defaults__, f.__closure__)
    serial.__qualname__, serial.__doc__ = name, f.__doc__
    return njit(cache=True, parallel=True)(f), njit(cache=True)(serial)


def sgd_epoch(net, buf, optim, data, order, n_used, rates, seed, epoch, threads):
    """One epoch of mini-batch SGD over ``order[:n_used]`` in slices of m_max (the last one may be
    shorter and is used with its own length, as in network2.py): mini-batch b steps with
    ``rates``' etas[b], decays[b], l1s[b] (the schedule's rates, computed in Python), by the
    book's rule when ``optim.opt`` is SGD and by :func:`.kernels.opt_range` otherwise, each
    mini-batch in two phases of ``threads`` parts (the module docstring; numba's thread count
    is an argument: a kernel that asks for it cannot be cached). The step count and Adam's bias
    corrections are computed once per mini-batch, outside the parallel phases. Normalised layers
    use batch statistics and move their running statistics (one part in phase 1 with batch
    normalisation)."""
    T, params, m_max = net.table, net.params, buf.ids.shape[0]
    nt = max(1, min(threads, m_max))
    nt1 = _phase1_parts(T, nt, NORM_TRAIN)
    for t in prange(nt):
        transpose_weights(params, buf.WT, T, t, nt)
    start = 0
    b = 0
    while start < n_used:
        m = min(m_max, n_used - start)
        _load_rows(data.x, data.t, order, start, m, _block(buf.A, 0, m, net.sizes[0]), buf.Tb, buf.ids)
        for t in prange(nt1):
            _examples(net, buf, m, t, nt1, True, seed, epoch, NORM_TRAIN, True)
        eta, decay, l1 = rates.etas[b], rates.decays[b], rates.l1s[b]
        c1, c2 = adam_corrections(optim.step, optim.hyp, optim.opt)
        for t in prange(nt):
            gradient_part(net, buf, m, t, nt, True)
            if optim.opt == SGD:
                update_part(net, buf, optim, eta / m, decay, l1, t, nt)
            else:
                update_part_opt(net, buf, optim, eta, m, decay, l1, c1, c2, t, nt)
            transpose_weights(params, buf.WT, T, t, nt)
        start += m
        b += 1


def gradient_sum(net, buf, data, rows, threads, nmode):
    """Sum over ``rows`` of dC_x/d(params) into ``buf.grad``, in row order (dropout in its
    inference form; normalisation by ``nmode``: running statistics, or each mini-batch's own
    statistics without moving the running ones)."""
    T, m_max = net.table, buf.ids.shape[0]
    nt = max(1, min(threads, m_max))
    nt1 = _phase1_parts(T, nt, nmode)
    for t in prange(nt):
        transpose_weights(net.params, buf.WT, T, t, nt)
    buf.grad[:] = 0
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        _load_rows(data.x, data.t, rows, start, m, _block(buf.A, 0, m, net.sizes[0]), buf.Tb, buf.ids)
        for t in prange(nt1):
            _examples(net, buf, m, t, nt1, False, 0, 0, nmode, True)
        for t in prange(nt):
            gradient_part(net, buf, m, t, nt, False)
        start += m


def evaluate(net, buf, data, rows, out_act, per_cost, per_correct, threads, nmode):
    """Forward every row of ``data`` (``rows``: 0, 1, ..., n - 1) in chunks of m_max and record each
    row's output, cost C_x and whether argmax(a) == label (the first maximum on ties); with
    ``per_cost`` empty, only the forward passes (timing). Normalisation by ``nmode`` (running
    statistics; or each chunk's own, the running ones unchanged)."""
    T, sizes, chunk = net.table, net.sizes, buf.ids.shape[0]
    L = sizes.shape[0] - 1
    nt = max(1, min(threads, chunk))
    nt1 = _phase1_parts(T, nt, nmode)
    for t in prange(nt):
        transpose_weights(net.params, buf.WT, T, t, nt)
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(chunk, n - start)
        _load_rows(data.x, data.t, rows, start, m, _block(buf.A, 0, m, sizes[0]), buf.Tb, buf.ids)
        for t in prange(nt1):
            _examples(net, buf, m, t, nt1, False, 0, 0, nmode, False)
        if per_cost.shape[0] > 0:
            aL = _block(buf.A, chunk * net.u_off[L], m, sizes[L])
            _score_rows(aL, start, data.t, data.labels, net.cost, out_act, per_cost, per_correct)
        start += m


sgd_epoch_parallel, sgd_epoch_serial = _twins(sgd_epoch)
gradient_sum_parallel, gradient_sum_serial = _twins(gradient_sum)
evaluate_parallel, evaluate_serial = _twins(evaluate)
