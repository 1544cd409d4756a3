"""The CPU engine: kernels that walk a layer plan (ConvPool, dense and softmax layers in any
order). Every network runs here, the book's dense ones of chapters 1-5 included
(tests/test_one_engine.py pins their bytes). A layer is a row of the int64 layer table
(:meth:`nnsci.engine.plan.Plan.table`); parameters, activations and deltas live in the flat
buffers of :mod:`.kernels` (layer l's (m x units) block at ``m_max * u_off[l]``), and ConvPool
layers keep their
pre-pooling convolution in ``CV`` (and its gradient in ``G``) at
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
called from Python (sgd_epoch_plan, gradient_sum_plan, evaluate_plan) are ``parallel=True``:
numba's cache cannot hold a compiled function that calls a parallel one (``nnsci curves
ch6.ensemble``, loading such a function from the cache that a training job had written,
crashed with a segmentation fault).

Normalisation (:mod:`.norm`): a layer with ``norm`` normalises its pre-activation z in place
(z becomes y = gamma xhat + beta, xhat kept in ``NX``) before its activation; backward, its
delta dC/dy stays in D (dC/dgamma, dC/dbeta need it) and dC/dz goes to ``ND``, which feeds the
layer's weight gradients and the delta of the layer below. Both buffers hold a normalised
layer's (m x units) block at ``m_max * T[l, F_NOFF]``; ``NS[l]`` holds its statistics, ``state``
the running statistics, ``normf[l]`` its (momentum, eps). ``nmode`` says which statistics
(:data:`.norm.NORM_RUNNING`, ``NORM_BATCH``, or ``NORM_TRAIN``, which also moves the running
ones). Batch statistics couple the examples of a mini-batch, so when they are in use and the
plan has a batch-normalised layer, phase 1 (forward and the chain of deltas) runs as ONE part
on one thread (:func:`_phase1_parts`); phase 2 (per unit: gradients and the update, gamma and
beta included) still runs on every thread. Layer normalisation is per example and keeps
phase 1's split. Either way every output is computed whole by one thread in the serial
order, so the bytes do not depend on the thread count."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..functions import LINEAR, activate_prime
from ..optim import SGD
from ..plan import (BATCH_NORM, CONVPOOL, F_ACT, F_BOFF, F_C, F_COFF, F_GOFF, F_H, F_HC, F_HP, F_K, F_KEY,
                    F_KIND, F_MAPS, F_NB, F_NOFF, F_NORM, F_NW, F_POOL, F_SOFF, F_W, F_WC, F_WOFF, F_WP,
                    NO_NORM)
from .convpool import conv_deltas, conv_forward, conv_weight_grad
from ..rules import dropout_factor, output_delta
from .kernels import (FM, _activate_rows, _block, _load_rows, _outer_accumulate, _score_rows, adam_corrections,
                      dense_t, transpose_into)
from .update import _parts, update_part, update_part_opt
from .norm import NORM_RUNNING, NORM_TRAIN, norm_backward, norm_forward, norm_param_grad


@njit(cache=True, fastmath=FM)
def dense_back(W, d, dp, m):
    """dp[i, k] = sum_j W[j, k] d[i, j] (j in order): row j of W is read once for all m examples."""
    n_out, n_in = W.shape
    for i in range(m):
        for k in range(n_in):
            dp[i, k] = 0.0
    for j in range(n_out):
        w = W[j]
        for i in range(m):
            dij = d[i, j]
            row = dp[i]
            for k in range(n_in):
                row[k] += w[k] * dij


@njit(cache=True, fastmath=FM)
def _bp2_finish(dp, zp, ap, act, m, p, train, seed, epoch, ids, key):
    """delta^{l-1} *= sigma'(z^{l-1}) (and the dropout factor of each input unit)."""
    n_in = dp.shape[1]
    for i in range(m):
        for k in range(n_in):
            dp[i, k] = dp[i, k] * activate_prime(zp[i, k], ap[i, k], act)
        if p != 0.0:
            for k in range(n_in):
                dp[i, k] = dp[i, k] * dropout_factor(p, train, seed, epoch, ids[i], key, k)


# -- the plan ------------------------------------------------------------------------------------

@njit(cache=True)
def _conv_views(params, T, l, sizes, u_off, buf_a, buf_b, CV, m_max, m):
    """The views of a ConvPool layer: its input block in buf_a (m, C, H, Wd), its output block in
    buf_b (m, M, hp, wp), its weights (M, C k k), biases, pre-pooling buffer (m, M, hc*wc) and
    patch matrix (m, hc*wc, C k k), the last two in CV."""
    C, H, Wd = T[l, F_C], T[l, F_H], T[l, F_W]
    M, k = T[l, F_MAPS], T[l, F_K]
    hc, wc, hp, wp = T[l, F_HC], T[l, F_WC], T[l, F_HP], T[l, F_WP]
    R = C * k * k
    x = _block(buf_a, m_max * u_off[l - 1], m, sizes[l - 1]).reshape((m, C, H, Wd))
    y = _block(buf_b, m_max * u_off[l], m, sizes[l]).reshape((m, M, hp, wp))
    W = params[T[l, F_WOFF]:T[l, F_WOFF] + T[l, F_NW]].reshape((M, R))
    b = params[T[l, F_BOFF]:T[l, F_BOFF] + T[l, F_NB]]
    o = m_max * T[l, F_COFF]
    cv = CV[o:o + m * M * hc * wc].reshape((m, M, hc * wc))
    o += m_max * M * hc * wc
    pt = CV[o:o + m * hc * wc * R].reshape((m, hc * wc, R))
    return x, y, W, b, cv, pt


@njit(cache=True)
def _dense_views(params, T, l):
    n_out, n_in = T[l, F_MAPS], T[l, F_C]
    W = params[T[l, F_WOFF]:T[l, F_WOFF] + T[l, F_NW]].reshape((n_out, n_in))
    b = params[T[l, F_BOFF]:T[l, F_BOFF] + T[l, F_NB]]
    return W, b


@njit(cache=True)
def _phase1_parts(T, nt, nmode):
    """Phase 1's number of parts: 1 when batch statistics are in use and a layer is batch
    normalised (they couple the mini-batch's examples), else nt."""
    if nmode == NORM_RUNNING:
        return nt
    for l in range(1, T.shape[0]):
        if T[l, F_NORM] == BATCH_NORM:
            return 1
    return nt


@njit(cache=True)
def _nblock(buf, T, l, m_max, m, n):
    """A normalised layer's (m, F, P) block in a norm buffer (NX or ND): F features (T[l, F_NB]),
    P = n / F positions each."""
    F = T[l, F_NB]
    return buf[m_max * T[l, F_NOFF]:m_max * T[l, F_NOFF] + m * n].reshape((m, F, n // F))


@njit(cache=True)
def _norm_params(params, state, T, l):
    """gamma, beta, running mean and running variance of a normalised layer."""
    F = T[l, F_NB]
    g0, s0 = T[l, F_GOFF], T[l, F_SOFF]
    return params[g0:g0 + F], params[g0 + F:g0 + 2 * F], state[s0:s0 + F], state[s0 + F:s0 + 2 * F]


@njit(cache=True)
def _normalise(params, T, l, z, NX, NS, state, normf, m_max, m, n, i0, i1, nmode):
    """Layer l's pre-activation z (its whole (m, n) block) normalised in place for rows i0:i1."""
    gamma, beta, rmean, rvar = _norm_params(params, state, T, l)
    xh = _nblock(NX, T, l, m_max, m, n)
    F = T[l, F_NB]
    norm_forward(z.reshape((m, F, n // F)), xh, gamma, beta, NS[l], rmean, rvar, T[l, F_NORM], nmode,
                 normf[l, 0], normf[l, 1], i0, i1)


@njit(cache=True)
def _conv_grad_views(T, l, grad, G, m_max, m):
    """A ConvPool layer's weight and bias gradients (M, C k k), (M,) and its dC/d(convolution)
    buffer (m, M, hc*wc) in G."""
    M = T[l, F_MAPS]
    P = T[l, F_HC] * T[l, F_WC]
    gW = grad[T[l, F_WOFF]:T[l, F_WOFF] + T[l, F_NW]].reshape((M, T[l, F_NW] // M))
    gb = grad[T[l, F_BOFF]:T[l, F_BOFF] + T[l, F_NB]]
    o = m_max * T[l, F_COFF]
    return gW, gb, G[o:o + m * M * P].reshape((m, M, P))


@njit(cache=True)
def _transposed(WT, T, l):
    """Layer l's weights transposed, (inputs per unit, units), at the layer's weight offset in WT."""
    units = T[l, F_NB]
    per = T[l, F_NW] // units
    return WT[T[l, F_WOFF]:T[l, F_WOFF] + T[l, F_NW]].reshape((per, units))


@njit(cache=True)
def transpose_weights(params, WT, T, t, nt):
    """WT (a buffer the size of params) = every layer's weights transposed, for part t of nt of
    each layer's units (as :func:`gradient_part`): the forward passes' layout, kept up to date by
    the update of those units."""
    L = T.shape[0] - 1
    for l in range(1, L + 1):
        units = T[l, F_NB]
        per = T[l, F_NW] // units
        j0, j1 = _parts(units, t, nt)
        W = params[T[l, F_WOFF]:T[l, F_WOFF] + T[l, F_NW]].reshape((units, per))
        transpose_into(W[j0:j1], _transposed(WT, T, l)[:, j0:j1])


@njit(cache=True)
def forward_plan(params, WT, T, sizes, u_off, A, Z, M, CV, m_max, m, i0, i1, dropout, train, seed, epoch,
                 ids, NX, NS, state, normf, nmode):
    """Feed rows i0:i1 of the m rows in A's layer-0 block forward through every layer of the plan
    (each row independent of the others, except through batch statistics: then i0:i1 is every
    row), the weights read from WT (:func:`transpose_weights`)."""
    L = sizes.shape[0] - 1
    n = i1 - i0
    for l in range(1, L + 1):
        p = dropout[l]
        src = A
        if p != 0.0:
            a_in = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])
            masked = _block(M, m_max * u_off[l - 1], m, sizes[l - 1])
            key = T[l, F_KEY]
            for i in range(i0, i1):
                for k in range(sizes[l - 1]):
                    masked[i, k] = a_in[i, k] * dropout_factor(p, train, seed, epoch, ids[i], key, k)
            src = M
        normed = T[l, F_NORM] != NO_NORM
        if T[l, F_KIND] == CONVPOOL:
            x, z, W, b, cv, pt = _conv_views(params, T, l, sizes, u_off, src, Z, CV, m_max, m)
            a = _block(A, m_max * u_off[l], m, sizes[l]).reshape(z.shape)
            conv_forward(x[i0:i1], _transposed(WT, T, l), b, cv[i0:i1], pt[i0:i1], z[i0:i1], a[i0:i1],
                         LINEAR if normed else T[l, F_ACT], T[l, F_K], T[l, F_POOL])
            if normed:
                zb = _block(Z, m_max * u_off[l], m, sizes[l])
                _normalise(params, T, l, zb, NX, NS, state, normf, m_max, m, sizes[l], i0, i1, nmode)
                _activate_rows(zb[i0:i1], _block(A, m_max * u_off[l], m, sizes[l])[i0:i1], n, T[l, F_ACT])
        else:
            W, b = _dense_views(params, T, l)
            a_in = _block(src, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            z = _block(Z, m_max * u_off[l], m, sizes[l])[i0:i1]
            a = _block(A, m_max * u_off[l], m, sizes[l])[i0:i1]
            dense_t(a_in, _transposed(WT, T, l), b, z, n)
            if normed:
                _normalise(params, T, l, _block(Z, m_max * u_off[l], m, sizes[l]), NX, NS, state, normf, m_max, m,
                           sizes[l], i0, i1, nmode)
            _activate_rows(z, a, n, T[l, F_ACT])


@njit(cache=True, fastmath=FM)
def _times_prime(dp, zp, ap, act, m):
    for i in range(m):
        for k in range(dp.shape[1]):
            dp[i, k] = dp[i, k] * activate_prime(zp[i, k], ap[i, k], act)


@njit(cache=True)
def backward_deltas(params, T, sizes, u_off, cost, A, Z, M, D, CV, G, m_max, m, i0, i1, Tm,
                    dropout, train, seed, epoch, ids, NX, ND, NS, state, normf, nmode):
    """Backpropagation of rows i0:i1 (each independent of the others, except through batch
    statistics: then i0:i1 is every row): every layer's delta (and each ConvPool layer's
    dC/d(convolution) in G, each normalised layer's dC/dz in ND), after :func:`forward_plan` of
    the same rows."""
    L = sizes.shape[0] - 1
    nL = sizes[L]
    aL = _block(A, m_max * u_off[L], m, nL)
    zL = _block(Z, m_max * u_off[L], m, nL)
    dL = _block(D, m_max * u_off[L], m, nL)
    out_act = T[L, F_ACT]
    for i in range(i0, i1):
        for j in range(nL):
            dL[i, j] = output_delta(aL[i, j], Tm[i, j], zL[i, j], cost, out_act)
    n = i1 - i0
    for l in range(L, 0, -1):
        p = dropout[l]
        if l > 1:
            dp = _block(D, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            zp = _block(Z, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
            ap = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])[i0:i1]
        normed = T[l, F_NORM] != NO_NORM
        if normed:   # dC/dy (D) -> dC/dz (ND)
            gamma, beta, rmean, rvar = _norm_params(params, state, T, l)
            dy = _block(D, m_max * u_off[l], m, sizes[l]).reshape((m, T[l, F_NB], sizes[l] // T[l, F_NB]))
            norm_backward(dy, _nblock(ND, T, l, m_max, m, sizes[l]), _nblock(NX, T, l, m_max, m, sizes[l]), gamma,
                          NS[l], rvar, T[l, F_NORM], nmode, normf[l, 1], i0, i1)
        if T[l, F_KIND] == CONVPOOL:
            x, dz, W, b, cv, pt = _conv_views(params, T, l, sizes, u_off, A, D, CV, m_max, m)
            if normed:
                dz = _nblock(ND, T, l, m_max, m, sizes[l]).reshape(dz.shape)
            _, _, g = _conv_grad_views(T, l, params, G, m_max, m)
            dx = _block(D, m_max * u_off[l - 1], m, sizes[l - 1]).reshape(x.shape)
            conv_deltas(cv[i0:i1], dz[i0:i1], g[i0:i1], W, dx[i0:i1], l > 1, T[l, F_K], T[l, F_POOL])
            if l > 1:
                _times_prime(dp, zp, ap, T[l - 1, F_ACT], n)
        elif l > 1:
            W, b = _dense_views(params, T, l)
            if normed:
                d = _block(ND, m_max * T[l, F_NOFF], m, sizes[l])[i0:i1]
            else:
                d = _block(D, m_max * u_off[l], m, sizes[l])[i0:i1]
            dense_back(W, d, dp, n)
            _bp2_finish(dp, zp, ap, T[l - 1, F_ACT], n, p, train, seed, epoch, ids[i0:i1], T[l, F_KEY])


@njit(cache=True)
def gradient_part(params, T, sizes, u_off, A, M, D, CV, G, m_max, m, grad, dropout, t, nt, zero, NX, ND):
    """Part t of nt of every layer's units (maps of a ConvPool layer, rows of a dense one): add
    the mini-batch's summed dC/dW and dC/db of those units (and dC/dgamma, dC/dbeta of a
    normalised layer's features) into grad (first set to zero if ``zero``), examples in order,
    after :func:`backward_deltas` of every row."""
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        src = M if dropout[l] != 0.0 else A
        normed = T[l, F_NORM] != NO_NORM
        if T[l, F_KIND] == CONVPOOL:
            x, dz, W, b, cv, pt = _conv_views(params, T, l, sizes, u_off, src, D, CV, m_max, m)
            if normed:
                dz = _nblock(ND, T, l, m_max, m, sizes[l]).reshape(dz.shape)
            gW, gb, g = _conv_grad_views(T, l, grad, G, m_max, m)
        else:
            if normed:
                d = _block(ND, m_max * T[l, F_NOFF], m, sizes[l])
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
            norm_param_grad(dy, _nblock(NX, T, l, m_max, m, sizes[l]), g_gamma, g_beta, j0, j1, m)


@njit(cache=True, parallel=True)
def sgd_epoch_plan(params, velocity, m1, m2, step, T, sizes, u_off, cost, X, Tg, order, n_used, m_max,
                   A, Z, M, D, CV, G, WT, grad, Tb, ids, etas, decays, l1s, momentum, opt, hyp, dropout, seed,
                   epoch, threads, NX, ND, NS, state, normf):
    """One epoch of mini-batch SGD over ``order[:n_used]`` in slices of m_max (the last one may be
    shorter and is used with its own length, as in network2.py): mini-batch b steps with etas[b],
    decays[b], l1s[b] (the schedule's rates, computed in Python), by the book's rule when ``opt``
    is 0 and by :func:`.kernels.opt_range` otherwise, each mini-batch in two parallel phases of ``threads``
    parts (the module docstring; numba's thread count is an argument: a kernel that asks for it
    cannot be cached). The step count and Adam's bias corrections are computed once per
    mini-batch, outside the parallel phases. Normalised layers use batch statistics and move
    their running statistics (one part in phase 1 with batch normalisation)."""
    nt = max(1, min(threads, m_max))
    nmode = NORM_TRAIN
    nt1 = _phase1_parts(T, nt, nmode)
    for t in prange(nt):
        transpose_weights(params, WT, T, t, nt)
    start = 0
    b = 0
    while start < n_used:
        m = min(m_max, n_used - start)
        _load_rows(X, Tg, order, start, m, _block(A, 0, m, sizes[0]), Tb, ids)
        for t in prange(nt1):
            i0, i1 = _parts(m, t, nt1)
            forward_plan(params, WT, T, sizes, u_off, A, Z, M, CV, m_max, m, i0, i1, dropout, True, seed, epoch, ids,
                         NX, NS, state, normf, nmode)
            backward_deltas(params, T, sizes, u_off, cost, A, Z, M, D, CV, G, m_max, m, i0, i1, Tb,
                            dropout, True, seed, epoch, ids, NX, ND, NS, state, normf, nmode)
        eta, decay, l1 = etas[b], decays[b], l1s[b]
        scale = eta / m
        c1, c2 = adam_corrections(step, hyp, opt)
        for t in prange(nt):
            gradient_part(params, T, sizes, u_off, A, M, D, CV, G, m_max, m, grad, dropout, t, nt, True, NX, ND)
            if opt == SGD:
                update_part(params, grad, velocity, T, scale, decay, l1, momentum, t, nt)
            else:
                update_part_opt(params, grad, velocity, m1, m2, T, opt, eta, m, decay, l1, momentum, c1, c2, hyp,
                                t, nt)
            transpose_weights(params, WT, T, t, nt)
        start += m
        b += 1


@njit(cache=True, parallel=True)
def gradient_sum_plan(params, T, sizes, u_off, cost, X, Tg, rows, m_max, A, Z, M, D, CV, G, WT, grad, Tb,
                      ids, dropout, threads, NX, ND, NS, state, normf, nmode):
    """Sum over ``rows`` of dC_x/d(params), in row order (dropout in its inference form;
    normalisation by ``nmode``: running statistics, or each mini-batch's own statistics without
    moving the running ones)."""
    nt = max(1, min(threads, m_max))
    nt1 = _phase1_parts(T, nt, nmode)
    for t in prange(nt):
        transpose_weights(params, WT, T, t, nt)
    grad[:] = 0
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        _load_rows(X, Tg, rows, start, m, _block(A, 0, m, sizes[0]), Tb, ids)
        for t in prange(nt1):
            i0, i1 = _parts(m, t, nt1)
            forward_plan(params, WT, T, sizes, u_off, A, Z, M, CV, m_max, m, i0, i1, dropout, False, 0, 0, ids,
                         NX, NS, state, normf, nmode)
            backward_deltas(params, T, sizes, u_off, cost, A, Z, M, D, CV, G, m_max, m, i0, i1, Tb,
                            dropout, False, 0, 0, ids, NX, ND, NS, state, normf, nmode)
        for t in prange(nt):
            gradient_part(params, T, sizes, u_off, A, M, D, CV, G, m_max, m, grad, dropout, t, nt, False, NX, ND)
        start += m


@njit(cache=True, parallel=True)
def evaluate_plan(params, T, sizes, u_off, cost, X, Tg, labels, chunk, dropout, A, Z, M, CV, WT,
                  out_act, per_cost, per_correct, threads, NX, NS, state, normf, nmode):
    """Forward every row of X in chunks and record each row's output, cost C_x and whether
    argmax(a) == label (the first maximum on ties). Normalisation by ``nmode`` (running
    statistics; or each chunk's own, the running ones unchanged)."""
    n = X.shape[0]
    L = sizes.shape[0] - 1
    nL = sizes[L]
    nt = max(1, min(threads, chunk))
    nt1 = _phase1_parts(T, nt, nmode)
    for t in prange(nt):
        transpose_weights(params, WT, T, t, nt)
    ids = np.zeros(chunk, dtype=np.int64)
    start = 0
    while start < n:
        m = min(chunk, n - start)
        A0 = _block(A, 0, m, sizes[0])
        for i in range(m):
            ids[i] = start + i
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        for t in prange(nt1):
            i0, i1 = _parts(m, t, nt1)
            forward_plan(params, WT, T, sizes, u_off, A, Z, M, CV, chunk, m, i0, i1, dropout, False, 0, 0, ids,
                         NX, NS, state, normf, nmode)
        _score_rows(_block(A, chunk * u_off[L], m, nL), start, Tg, labels, cost, out_act, per_cost, per_correct)
        start += m


@njit(cache=True)
def forward_rows(params, T, sizes, u_off, X, m_max, A, Z, M, CV, WT, dropout, NX, NS, state, normf):
    """Forward passes only, in batches of m_max (timing of chapter 2's table; running statistics)."""
    transpose_weights(params, WT, T, 0, 1)
    n = X.shape[0]
    ids = np.arange(m_max)
    start = 0
    while start < n:
        m = min(m_max, n - start)
        A0 = _block(A, 0, m, sizes[0])
        for i in range(m):
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        forward_plan(params, WT, T, sizes, u_off, A, Z, M, CV, m_max, m, 0, m, dropout, False, 0, 0, ids,
                     NX, NS, state, normf, NORM_RUNNING)
        start += m

