"""CPU building blocks of the layer-plan kernels (:mod:`.plan_kernels`): dense products, the
outer-product sums of backpropagation, activations of rows, the optimisers' elementwise step,
loading and scoring rows.

Parameters live in one flat array (:mod:`nnsci.engine.plan` gives the layout); activations,
weighted inputs and deltas of a mini-batch of m examples live in flat buffers: layer l's
(m x n_l) block at ``m_max * u_off[l]``.

Determinism: every sum runs in a fixed order (examples in mini-batch order,
as network2.py sums its per-example gradients), and the only parallel loop
(evaluation) is over independent examples whose results are summed serially
afterwards, so results do not depend on the thread count.

Same bytes on every machine: no kernel uses ``fastmath``. Every floating-point
operation runs in the order the source writes it (IEEE semantics), so LLVM may
vectorise only what does not change a result (independent elements, never a
reduction) and never forms fused multiply-adds: the vector width of the CPU
(SSE2, AVX2, AVX-512) cannot change a bit. Measured before this rule:
with ``reassoc``/``contract``, an AVX2 and an AVX-512 build trained different
weights, and so did a process that compiled a kernel and one that loaded the
same kernel from numba's cache (the fused multiply-adds and reassociations LLVM
chose differed with the optimisation context). ``FM`` names the flags the
kernels pass, so the rule lives in one place."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..functions import SOFTMAX, activate, activate_prime
from ..optim import ADAM, ADAMW
from ..rules import adaptive_step, coupling, dropout_factor, score_row, softmax_row

FM = False   # no fastmath: see the module docstring


@njit(cache=True, inline="always")
def _block(buf, off, m, n):
    return buf[off:off + m * n].reshape((m, n))


@njit(cache=True)
def transpose_into(W, WT):
    """WT = W^T (a copy, in 16 x 16 tiles so that both sides stay in cache); WT may be a view
    of some columns of a larger matrix."""
    n_out, n_in = W.shape
    for j0 in range(0, n_out, 16):
        j1 = min(j0 + 16, n_out)
        for k0 in range(0, n_in, 16):
            k1 = min(k0 + 16, n_in)
            for j in range(j0, j1):
                for k in range(k0, k1):
                    WT[k, j] = W[j, k]


@njit(cache=True, fastmath=FM, inline="always")
def four_rows(s0, s1, s2, s3, w, x0, x1, x2, x3):
    """s_r[j] += x_r w[j] for four rows r at once: the inner step of the dense and the convolution
    micro-kernels. Its loop runs over independent outputs j, so it vectorises without reordering
    any sum."""
    for j in range(w.shape[0]):
        wj = w[j]
        s0[j] += x0 * wj
        s1[j] += x1 * wj
        s2[j] += x2 * wj
        s3[j] += x3 * wj


@njit(cache=True, fastmath=FM)
def dense_t(a_in, WT, b, z_out, m):
    """z = W a + b for each of the m rows of a_in, given WT = W^T (n_in, n_out): each z[i, j]
    adds W[j, k] a[i, k] for k = 0, 1, ... in the network's dtype, starting from zero, then the
    bias (np.dot's order in network.py). The innermost loop runs over the independent outputs j,
    so the compiler vectorises it without reordering any sum; four rows share each load of
    WT[k]."""
    n_in, n_out = WT.shape
    zero = np.zeros(1, WT.dtype)[0]
    for i in range(m):
        for j in range(n_out):
            z_out[i, j] = zero
    i = 0
    while i + 4 <= m:
        z0, z1, z2, z3 = z_out[i], z_out[i + 1], z_out[i + 2], z_out[i + 3]
        a0, a1, a2, a3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
        for k in range(n_in):
            four_rows(z0, z1, z2, z3, WT[k], a0[k], a1[k], a2[k], a3[k])
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
def _outer_accumulate(d, a_in, gW, gb, m):
    """gW += sum_i delta_i a_i^T and gb += sum_i delta_i (BP3, BP4), four examples at a time."""
    n_out, n_in = gW.shape
    for j in range(n_out):
        for i in range(m):
            gb[j] += d[i, j]
        g = gW[j]
        i = 0
        while i + 4 <= m:
            d0, d1, d2, d3 = d[i, j], d[i + 1, j], d[i + 2, j], d[i + 3, j]
            a0, a1, a2, a3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
            for k in range(n_in):
                g[k] += d0 * a0[k] + d1 * a1[k] + d2 * a2[k] + d3 * a3[k]
            i += 4
        while i < m:
            di = d[i, j]
            a0 = a_in[i]
            for k in range(n_in):
                g[k] += di * a0[k]
            i += 1


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


@njit(cache=True, fastmath=FM)
def _times_prime(dp, zp, ap, act, m):
    for i in range(m):
        for k in range(dp.shape[1]):
            dp[i, k] = dp[i, k] * activate_prime(zp[i, k], ap[i, k], act)


@njit(cache=True)
def _activate_rows(z, a, m, kind):
    n = z.shape[1]
    if kind == SOFTMAX:
        for i in range(m):
            softmax_row(z[i], a[i])
    else:
        for i in range(m):
            for j in range(n):
                a[i, j] = activate(z[i, j], kind)


@njit(cache=True, fastmath=FM)
def opt_range(params, grad, velocity, m1, m2, r0, n, is_weight, opt, eta, m, decay, l1, momentum, c1, c2,
              hyp):
    """One step of optimiser ``opt`` (a code of :mod:`nnsci.engine.optim`, not SGD) on
    params[r0:r0+n], elementwise (:func:`nnsci.engine.rules.adaptive_step`), from the mini-batch's
    summed gradient ``grad`` of m examples. ``eta``: this step's learning rate; ``decay``, ``l1``:
    the step's L2 and L1 factors of the book's rule (1 - eta lambda/n and eta l1/n; nesterov's) or
    AdamW's 1 - eta wd (weights); c1, c2: Adam's bias corrections; hyp: :data:`nnsci.engine.optim.HYPER`."""
    cpl = coupling(opt, is_weight, eta, m, decay, l1, hyp, np.zeros(1, params.dtype)[0])
    p, g, v, a, b = params[r0:r0 + n], grad[r0:r0 + n], velocity[r0:r0 + n], m1[r0:r0 + n], m2[r0:r0 + n]
    for r in range(n):   # (views indexed from 0: see .update._update_range)
        adaptive_step(p, v, a, b, r, g[r], opt, eta, m, momentum, c1, c2, hyp, cpl)


@njit(cache=True)
def adam_corrections(step, hyp, opt):
    """Count one more step (the workspace's step count, step[0]) and return Adam's bias corrections
    1 - beta1^t, 1 - beta2^t for it (float64, as Python's ``1.0 - beta ** t``; 1 for the others)."""
    step[0] += 1
    if opt == ADAM or opt == ADAMW:
        t = float(step[0])
        return 1.0 - float(hyp[0]) ** t, 1.0 - float(hyp[1]) ** t
    return 1.0, 1.0


@njit(cache=True)
def _load_rows(X, T, order, start, m, A0, Tb, ids):
    for i in range(m):
        r = order[start + i]
        ids[i] = r
        for k in range(X.shape[1]):
            A0[i, k] = X[r, k]
        for k in range(T.shape[1]):
            Tb[i, k] = T[r, k]


@njit(cache=True)
def _score_rows(aL, start, T, labels, cost, out_act, per_cost, per_correct):
    """Record, for rows start.. of a chunk whose outputs are aL, each output, its cost C_x and
    whether argmax(a) == label (:func:`nnsci.engine.rules.score_row`)."""
    for i in range(aL.shape[0]):
        r = start + i
        per_cost[r], per_correct[r] = score_row(aL[i], T[r], labels[r], cost, out_act[r])
