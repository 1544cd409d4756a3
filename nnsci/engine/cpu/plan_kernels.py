"""CPU kernels that walk a layer plan: ConvPool, dense and softmax layers in any order.

Networks of the compact form (dense layers with one hidden activation) run on
the dense kernels of :mod:`.kernels`, unchanged, so chapters 1-5 keep their
bytes; every other network runs here. A layer is a row of the int64 layer
table (:meth:`nnsci.engine.plan.Plan.table`); parameters, activations and
deltas live in the same flat buffers as in :mod:`.kernels` (layer l's
(m x units) block at ``m_max * u_off[l]``), and ConvPool layers keep their
pre-pooling convolution in ``CV`` (and its gradient in ``G``) at
``m_max * coff``.

Convolution: the TRUE convolution Theano's ``conv2d`` computes (it flips the
kernel): ``conv[f, y, x] = sum_{c,u,v} in[c, y+u, x+v] W[f, c, k-1-u, k-1-v]``
(see :mod:`nnsci.engine.plan`). Max-pooling backpropagates by Theano's rule:
every input equal to its window's maximum receives the window's gradient.

Determinism: every output's sum runs in one fixed order (examples in mini-batch order). The
ConvPool loops are written over independent outputs (an example in the forward pass and in
dC/d(input), an (example, map) pair in the routing through the max, a map for the weight and
bias gradients), but they run on one thread (``convpool.py``): numba's cache cannot
hold a compiled function that calls a ``parallel=True`` one (``nnsci curves ch6.ensemble``,
loading ``evaluate_plan`` from the cache that a training job had written, crashed with a
segmentation fault). Dense layers and the update run on one thread as well."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..functions import QUADRATIC, activate_prime
from ..plan import (CONVPOOL, F_ACT, F_BOFF, F_C, F_COFF, F_H, F_HC, F_HP, F_K, F_KEY, F_KIND,
                    F_MAPS, F_NB, F_NW, F_POOL, F_W, F_WC, F_WOFF, F_WP)
from .convpool import conv_backward, conv_forward, transpose_into
from .kernels import FM, _activate_rows, _score_rows, _block, _outer_accumulate, dropout_factor
from .kernels import forward as dense_forward


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
def dense_forward_t(a_in, W, b, z_out, m, WT):
    """z = W a + b for each of the m rows of a_in, the same sums as :func:`.kernels._dense` (each
    z[i, j] adds W[j, k] a[i, k] for k = 0, 1, ... in the network's dtype, then the bias), arranged
    for the wide layers of chapter 6: W is first copied transposed into WT (n_in, n_out), so that
    the innermost loop runs over the independent outputs j and vectorises without reordering any
    sum; four rows share each load of WT[k]."""
    n_out, n_in = W.shape
    transpose_into(W, WT)
    zero = np.zeros(1, W.dtype)[0]
    for i in range(m):
        for j in range(n_out):
            z_out[i, j] = zero
    i = 0
    while i + 4 <= m:
        z0, z1, z2, z3 = z_out[i], z_out[i + 1], z_out[i + 2], z_out[i + 3]
        a0, a1, a2, a3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
        for k in range(n_in):
            x0, x1, x2, x3 = a0[k], a1[k], a2[k], a3[k]
            wt = WT[k]
            for j in range(n_out):
                w = wt[j]
                z0[j] += x0 * w
                z1[j] += x1 * w
                z2[j] += x2 * w
                z3[j] += x3 * w
        i += 4
    while i < m:
        zr, ar = z_out[i], a_in[i]
        for k in range(n_in):
            x0 = ar[k]
            wt = WT[k]
            for j in range(n_out):
                zr[j] += x0 * wt[j]
        i += 1
    for i in range(m):
        for j in range(n_out):
            z_out[i, j] = z_out[i, j] + b[j]


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
def forward_plan(params, T, sizes, u_off, A, Z, M, CV, m_max, m, dropout, train, seed, epoch, ids):
    """Feed the m rows in A's layer-0 block forward through every layer of the plan."""
    L = sizes.shape[0] - 1
    n_wt = 0
    for l in range(1, L + 1):
        if T[l, F_KIND] != CONVPOOL:
            n_wt = max(n_wt, T[l, F_NW])
    WT = np.empty(n_wt, dtype=params.dtype)
    for l in range(1, L + 1):
        p = dropout[l]
        src = A
        if p != 0.0:
            a_in = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])
            masked = _block(M, m_max * u_off[l - 1], m, sizes[l - 1])
            key = T[l, F_KEY]
            for i in range(m):
                for k in range(sizes[l - 1]):
                    masked[i, k] = a_in[i, k] * dropout_factor(p, train, seed, epoch, ids[i], key, k)
            src = M
        if T[l, F_KIND] == CONVPOOL:
            x, z, W, b, cv, pt = _conv_views(params, T, l, sizes, u_off, src, Z, CV, m_max, m)
            a = _block(A, m_max * u_off[l], m, sizes[l]).reshape(z.shape)
            conv_forward(x, W, b, cv, pt, z, a, T[l, F_ACT], T[l, F_K], T[l, F_POOL])
        else:
            W, b = _dense_views(params, T, l)
            a_in = _block(src, m_max * u_off[l - 1], m, sizes[l - 1])
            z = _block(Z, m_max * u_off[l], m, sizes[l])
            a = _block(A, m_max * u_off[l], m, sizes[l])
            dense_forward_t(a_in, W, b, z, m, WT[:W.size].reshape((W.shape[1], W.shape[0])))
            _activate_rows(z, a, m, T[l, F_ACT])


@njit(cache=True, fastmath=FM)
def _times_prime(dp, zp, ap, act, m):
    for i in range(m):
        for k in range(dp.shape[1]):
            dp[i, k] = dp[i, k] * activate_prime(zp[i, k], ap[i, k], act)


@njit(cache=True)
def backward_plan(params, T, sizes, u_off, cost, A, Z, M, D, CV, G, m_max, m, Tm, grad,
                  dropout, train, seed, epoch, ids):
    """Backpropagation through the plan: adds the mini-batch's summed dC_x/d(params) into grad."""
    L = sizes.shape[0] - 1
    nL = sizes[L]
    aL = _block(A, m_max * u_off[L], m, nL)
    zL = _block(Z, m_max * u_off[L], m, nL)
    dL = _block(D, m_max * u_off[L], m, nL)
    out_act = T[L, F_ACT]
    for i in range(m):
        for j in range(nL):
            diff = aL[i, j] - Tm[i, j]
            if cost == QUADRATIC:
                dL[i, j] = diff * activate_prime(zL[i, j], aL[i, j], out_act)
            else:
                dL[i, j] = diff
    for l in range(L, 0, -1):
        p = dropout[l]
        src = M if p != 0.0 else A
        if T[l, F_KIND] == CONVPOOL:
            x, dz, W, b, cv, pt = _conv_views(params, T, l, sizes, u_off, src, D, CV, m_max, m)
            _, _, gW, gb, g, _ = _conv_views(grad, T, l, sizes, u_off, src, D, G, m_max, m)
            dx = _block(D, m_max * u_off[l - 1], m, sizes[l - 1]).reshape(x.shape)
            conv_backward(x, W, cv, pt, dz, g, gW, gb, dx, l > 1, T[l, F_K], T[l, F_POOL])
            if l > 1:
                dp = _block(D, m_max * u_off[l - 1], m, sizes[l - 1])
                _times_prime(dp, _block(Z, m_max * u_off[l - 1], m, sizes[l - 1]),
                             _block(A, m_max * u_off[l - 1], m, sizes[l - 1]), T[l - 1, F_ACT], m)
        else:
            d = _block(D, m_max * u_off[l], m, sizes[l])
            a_in = _block(src, m_max * u_off[l - 1], m, sizes[l - 1])
            W, b = _dense_views(params, T, l)
            gW, gb = _dense_views(grad, T, l)
            _outer_accumulate(d, a_in, gW, gb, m)
            if l > 1:
                dp = _block(D, m_max * u_off[l - 1], m, sizes[l - 1])
                dense_back(W, d, dp, m)
                _bp2_finish(dp, _block(Z, m_max * u_off[l - 1], m, sizes[l - 1]),
                            _block(A, m_max * u_off[l - 1], m, sizes[l - 1]), T[l - 1, F_ACT], m, p, train,
                            seed, epoch, ids, T[l, F_KEY])


@njit(cache=True, fastmath=FM)
def _update_range(params, grad, velocity, r0, n, is_weight, scale, decay, l1, momentum):
    """:func:`.kernels.update`'s rule on params[r0:r0+n] (elementwise)."""
    lo, hi = r0, r0 + n
    if momentum == 0:
        if not is_weight:
            for r in range(lo, hi):
                params[r] = params[r] - scale * grad[r]
        elif l1 == 0:
            for r in range(lo, hi):
                params[r] = decay * params[r] - scale * grad[r]
        else:
            for r in range(lo, hi):
                w = params[r]
                sgn = (w > 0) - (w < 0)
                params[r] = decay * w - l1 * sgn - scale * grad[r]
    else:
        if not is_weight:
            for r in range(lo, hi):
                velocity[r] = momentum * velocity[r] - scale * grad[r]
                params[r] = params[r] + velocity[r]
        else:
            shrink = 1 - decay
            for r in range(lo, hi):
                w = params[r]
                sgn = (w > 0) - (w < 0)
                velocity[r] = momentum * velocity[r] - shrink * w - l1 * sgn - scale * grad[r]
                params[r] = w + velocity[r]


@njit(cache=True)
def update_plan(params, grad, velocity, T, scale, decay, l1, momentum):
    """:func:`.kernels.update`'s rule over the plan's layers: weights decay (L2), L1 and momentum;
    biases only the gradient step (and momentum)."""
    L = T.shape[0] - 1
    for l in range(1, L + 1):
        _update_range(params, grad, velocity, T[l, F_WOFF], T[l, F_NW], True, scale, decay, l1, momentum)
        _update_range(params, grad, velocity, T[l, F_BOFF], T[l, F_NB], False, scale, decay, l1, momentum)


@njit(cache=True)
def _load_rows(X, Tg, order, start, m, A0, Tb, ids):
    for i in range(m):
        r = order[start + i]
        ids[i] = r
        for k in range(X.shape[1]):
            A0[i, k] = X[r, k]
        for k in range(Tg.shape[1]):
            Tb[i, k] = Tg[r, k]


@njit(cache=True)
def _batch_gradient(params, T, sizes, u_off, cost, X, Tg, order, start, m, m_max, A, Z, M, D, CV, G,
                    grad, Tb, ids, dropout, train, seed, epoch):
    A0 = _block(A, 0, m, sizes[0])
    Tm = Tb[:m]
    _load_rows(X, Tg, order, start, m, A0, Tm, ids)
    forward_plan(params, T, sizes, u_off, A, Z, M, CV, m_max, m, dropout, train, seed, epoch, ids)
    backward_plan(params, T, sizes, u_off, cost, A, Z, M, D, CV, G, m_max, m, Tm, grad,
                  dropout, train, seed, epoch, ids)


@njit(cache=True)
def sgd_epoch_plan(params, velocity, T, sizes, u_off, cost, X, Tg, order, n_used, m_max,
                   A, Z, M, D, CV, G, grad, Tb, ids, eta, decay, l1, momentum, dropout, seed, epoch):
    """One epoch of mini-batch SGD over ``order[:n_used]`` (as :func:`.kernels.sgd_epoch`)."""
    start = 0
    while start < n_used:
        m = min(m_max, n_used - start)
        grad[:] = 0
        _batch_gradient(params, T, sizes, u_off, cost, X, Tg, order, start, m, m_max, A, Z, M, D, CV, G,
                        grad, Tb, ids, dropout, True, seed, epoch)
        update_plan(params, grad, velocity, T, eta / m, decay, l1, momentum)
        start += m


@njit(cache=True)
def gradient_sum_plan(params, T, sizes, u_off, cost, X, Tg, rows, m_max, A, Z, M, D, CV, G, grad, Tb, ids,
                      dropout):
    """Sum over ``rows`` of dC_x/d(params), in row order (dropout in its inference form)."""
    grad[:] = 0
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        _batch_gradient(params, T, sizes, u_off, cost, X, Tg, rows, start, m, m_max, A, Z, M, D, CV, G,
                        grad, Tb, ids, dropout, False, 0, 0)
        start += m


@njit(cache=True)
def evaluate_plan(params, T, sizes, u_off, cost, X, Tg, labels, chunk, dropout, A, Z, M, CV,
                  out_act, per_cost, per_correct):
    """Forward every row of X in chunks and record each row's output, cost C_x and whether
    argmax(a) == label (the first maximum on ties)."""
    n = X.shape[0]
    L = sizes.shape[0] - 1
    nL = sizes[L]
    ids = np.zeros(chunk, dtype=np.int64)
    start = 0
    while start < n:
        m = min(chunk, n - start)
        A0 = _block(A, 0, m, sizes[0])
        for i in range(m):
            ids[i] = start + i
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        forward_plan(params, T, sizes, u_off, A, Z, M, CV, chunk, m, dropout, False, 0, 0, ids)
        _score_rows(_block(A, chunk * u_off[L], m, nL), start, Tg, labels, cost, out_act, per_cost, per_correct)
        start += m


@njit(cache=True)
def forward_rows(params, T, sizes, u_off, X, m_max, A, Z, M, CV, dropout):
    """Forward passes only, in batches of m_max (timing of chapter 2's table)."""
    n = X.shape[0]
    ids = np.arange(m_max)
    start = 0
    while start < n:
        m = min(m_max, n - start)
        A0 = _block(A, 0, m, sizes[0])
        for i in range(m):
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        forward_plan(params, T, sizes, u_off, A, Z, M, CV, m_max, m, dropout, False, 0, 0, ids)
        start += m


@njit(cache=True)
def forward_rows_dense(params, w_off, b_off, sizes, hidden, output, X, m_max, u_off, A, Z, M, dropout):
    """Forward passes only through a compact (dense) network, in batches (serial, one thread)."""
    n = X.shape[0]
    ids = np.arange(m_max)
    start = 0
    while start < n:
        m = min(m_max, n - start)
        A0 = A[:m * sizes[0]].reshape((m, sizes[0]))
        for i in range(m):
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        dense_forward(params, w_off, b_off, sizes, hidden, output, A, Z, M, u_off, m_max, m,
                      dropout, False, 0, 0, ids)
        start += m
