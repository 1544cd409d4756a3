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
bias gradients), but they run on one thread (``prange`` is ``range`` here): numba's cache cannot
hold a compiled function that calls a ``parallel=True`` one (``nnsci curves ch6.ensemble``,
loading ``evaluate_plan`` from the cache that a training job had written, crashed with a
segmentation fault). Dense layers and the update run on one thread as well."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

prange = range   # see the module docstring: no parallel=True kernel may sit under a cached caller

from ..functions import LOG_LIKELIHOOD, QUADRATIC, activate, activate_prime, cost_term, nan_to_num
from ..plan import (CONVPOOL, F_ACT, F_BOFF, F_C, F_COFF, F_H, F_HC, F_HP, F_K, F_KEY, F_KIND,
                    F_MAPS, F_NB, F_NW, F_POOL, F_W, F_WC, F_WOFF, F_WP)
from .kernels import FM, _activate_rows, _block, _dense, _outer_accumulate, dropout_factor
from .kernels import forward as dense_forward


# -- ConvPool ------------------------------------------------------------------------------------
# Per example, the input's k x k patches are copied into a matrix PT (im2col, one row per output
# position p = y * wc + x, one column per r = (c, u, v)) in the flipped order
# PT[p, (c, u, v)] = in[c, y + k-1-u, x + k-1-v], so that the true convolution is a dot product
# with the filter as Theano stores it: conv[f, p] = sum_r W[f, r] PT[p, r]. Then
# dC/dW[f, r] = sum_p dC/dconv[f, p] PT[p, r], and dC/d(input) scatters
# sum_f dC/dconv[f, p] W[f, r] back through the same index map. Only a quarter of dC/dconv is
# non-zero after 2 x 2 max-pooling (the inputs that were not a window's maximum get nothing),
# and the backward loops skip the zeros.


@njit(cache=True, fastmath=FM)
def conv_forward(x, W, b, cv, pt, z, a, act, k, pool):
    """For each example i: pt[i] = its flipped patches, cv[i, f, p] = W[f] . pt[i, p],
    z = max-pool(cv) + b[f], a = act(z). x: (m, C, H, Wd); W: (M, R = C k k); cv: (m, M, hc*wc);
    pt: (m, hc*wc, R); z, a: (m, M, hp, wp)."""
    m, C = x.shape[0], x.shape[1]
    M, R = W.shape[0], W.shape[1]
    hp, wp = z.shape[2], z.shape[3]
    hc, wc = x.shape[2] - k + 1, x.shape[3] - k + 1
    P = hc * wc
    for i in prange(m):
        xi = x[i]
        pi = pt[i]
        for y in range(hc):
            for xx in range(wc):
                row = pi[y * wc + xx]
                r = 0
                for c in range(C):
                    for u in range(k):
                        src = xi[c, y + k - 1 - u]
                        for v in range(k):
                            row[r] = src[xx + k - 1 - v]
                            r += 1
        ci = cv[i]
        p = 0
        while p + 4 <= P:
            a0, a1, a2, a3 = pi[p], pi[p + 1], pi[p + 2], pi[p + 3]
            for f in range(M):
                w = W[f]
                s0 = s1 = s2 = s3 = 0.0
                for r in range(R):
                    wr = w[r]
                    s0 += wr * a0[r]
                    s1 += wr * a1[r]
                    s2 += wr * a2[r]
                    s3 += wr * a3[r]
                ci[f, p] = s0
                ci[f, p + 1] = s1
                ci[f, p + 2] = s2
                ci[f, p + 3] = s3
            p += 4
        while p < P:
            a0 = pi[p]
            for f in range(M):
                w = W[f]
                s0 = 0.0
                for r in range(R):
                    s0 += w[r] * a0[r]
                ci[f, p] = s0
            p += 1
        for f in range(M):
            cf = ci[f]
            for pp in range(hp):
                for qq in range(wp):
                    top = cf[pp * pool * wc + qq * pool]
                    for du in range(pool):
                        for dv in range(pool):
                            top = max(top, cf[(pp * pool + du) * wc + qq * pool + dv])
                    zz = top + b[f]
                    z[i, f, pp, qq] = zz
                    a[i, f, pp, qq] = activate(zz, act)


@njit(cache=True, fastmath=FM)
def conv_backward(x, W, cv, pt, dz, g, gW, gb, dx, need_dx, k, pool):
    """Given dz = dC/dz of the pooled outputs (m, M, hp, wp): route it through the max into
    g (m, M, hc*wc) (every input equal to its window's max gets it: Theano's rule), add the
    mini-batch's summed dC/dW (M, R) and dC/db into gW, gb (examples in order), and, if need_dx,
    write dC/d(input) into dx (m, C, H, Wd) (pt is overwritten then)."""
    m, C = x.shape[0], x.shape[1]
    M, R = W.shape[0], W.shape[1]
    hp, wp = dz.shape[2], dz.shape[3]
    hc, wc = x.shape[2] - k + 1, x.shape[3] - k + 1
    P = hc * wc
    for t in prange(m * M):
        i = t // M
        f = t - i * M
        gi = g[i, f]
        ci = cv[i, f]
        for q in range(P):
            gi[q] = 0.0
        for pp in range(hp):
            for qq in range(wp):
                top = ci[pp * pool * wc + qq * pool]
                for du in range(pool):
                    for dv in range(pool):
                        top = max(top, ci[(pp * pool + du) * wc + qq * pool + dv])
                d = dz[i, f, pp, qq]
                for du in range(pool):
                    for dv in range(pool):
                        q = (pp * pool + du) * wc + qq * pool + dv
                        if ci[q] == top:
                            gi[q] = d
    for f in prange(M):
        gw = gW[f]
        nz = np.empty(P, dtype=np.int64)
        for i in range(m):
            s = 0.0
            for pp in range(hp):
                for qq in range(wp):
                    s += dz[i, f, pp, qq]
            gb[f] += s
            gi = g[i, f]
            pi = pt[i]
            n = 0
            for q in range(P):
                if gi[q] != 0.0:
                    nz[n] = q
                    n += 1
            j = 0
            while j + 4 <= n:
                q0, q1, q2, q3 = nz[j], nz[j + 1], nz[j + 2], nz[j + 3]
                d0, d1, d2, d3 = gi[q0], gi[q1], gi[q2], gi[q3]
                a0, a1, a2, a3 = pi[q0], pi[q1], pi[q2], pi[q3]
                for r in range(R):
                    gw[r] += d0 * a0[r] + d1 * a1[r] + d2 * a2[r] + d3 * a3[r]
                j += 4
            while j < n:
                q0 = nz[j]
                d0 = gi[q0]
                a0 = pi[q0]
                for r in range(R):
                    gw[r] += d0 * a0[r]
                j += 1
    if need_dx:
        for i in prange(m):
            pi = pt[i]
            for q in range(P):
                row = pi[q]
                for r in range(R):
                    row[r] = 0.0
                for f in range(M):
                    d = g[i, f, q]
                    if d != 0.0:
                        w = W[f]
                        for r in range(R):
                            row[r] += d * w[r]
            di = dx[i]
            for c in range(C):
                for y in range(x.shape[2]):
                    for xx in range(x.shape[3]):
                        di[c, y, xx] = 0.0
            for y in range(hc):
                for xx in range(wc):
                    row = pi[y * wc + xx]
                    r = 0
                    for c in range(C):
                        for u in range(k):
                            dst = di[c, y + k - 1 - u]
                            for v in range(k):
                                dst[xx + k - 1 - v] += row[r]
                                r += 1


# -- dense layers ------------------------------------------------------------------------------------
# The plan's dense layers use the dense engine's forward and nabla-W kernels (:func:`.kernels._dense`,
# :func:`.kernels._outer_accumulate`) and a BP2 that reads each weight once per mini-batch. They run
# on one thread: measured on this machine, numba's parallel loops over output blocks vectorised
# worse than these serial loops (bench/README.md).


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
def forward_plan(params, T, sizes, u_off, A, Z, M, CV, m_max, m, dropout, train, seed, epoch, ids):
    """Feed the m rows in A's layer-0 block forward through every layer of the plan."""
    L = sizes.shape[0] - 1
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
            _dense(a_in, W, b, z, m)
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
    """Forward every row of X in chunks (the ConvPool kernels run in parallel inside) and record
    each row's output, cost C_x and whether argmax(a) == label (the first maximum on ties)."""
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
        aL = _block(A, chunk * u_off[L], m, nL)
        for i in range(m):
            r = start + i
            best = 0
            for j in range(nL):
                out_act[r, j] = aL[i, j]
                if aL[i, j] > aL[i, best]:
                    best = j
            per_correct[r] = 1 if best == labels[r] else 0
            if cost == LOG_LIKELIHOOD:
                y = 0
                for j in range(nL):
                    if Tg[r, j] > Tg[r, y]:
                        y = j
                per_cost[r] = nan_to_num(-math.log(aL[i, y]))
            else:
                s = 0.0
                for j in range(nL):
                    s += cost_term(aL[i, j], Tg[r, j], cost)
                per_cost[r] = s
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
