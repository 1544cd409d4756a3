"""CPU kernels: the forward pass, backpropagation, the SGD epoch, evaluation.

Parameters live in one flat array: layer l (1..L) has its weight matrix
W^l (n_l x n_{l-1}, row-major, as in network2.py) at ``w_off[l]`` and its
bias vector b^l at ``b_off[l]``. Activations, weighted inputs and deltas of a
mini-batch of m examples live in flat buffers: layer l's (m x n_l) block at
``m_max * u_off[l]``.

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

import math

import numpy as np
from numba import njit, prange

from ..functions import (LOG_LIKELIHOOD, QUADRATIC, SOFTMAX, activate,
                         activate_prime, cost_term, nan_to_num)
from ..optim import ADAGRAD, ADAM, ADAMW, NESTEROV, RMSPROP, SGD

FM = False   # no fastmath: see the module docstring


@njit(cache=True, inline="always")
def _block(buf, off, m, n):
    return buf[off:off + m * n].reshape((m, n))


@njit(cache=True, inline="always")
def _weights(params, w_off, sizes, l):
    return params[w_off[l]:w_off[l] + sizes[l] * sizes[l - 1]].reshape((sizes[l], sizes[l - 1]))


@njit(cache=True, inline="always")
def _biases(params, b_off, sizes, l):
    return params[b_off[l]:b_off[l] + sizes[l]]


@njit(cache=True)
def _uniform(seed, a, b, c):
    """A counter-based uniform in [0, 1) (splitmix64 of seed and three counters).

    Dropout masks drawn this way depend only on (seed, epoch, example, unit),
    never on the order in which threads or GPU blocks run."""
    x = np.uint64(seed)
    for v in (a, b, c):
        x = x ^ np.uint64(v)
        x = x + np.uint64(0x9E3779B97F4A7C15)
        z = x
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = z ^ (z >> np.uint64(31))
    return (x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


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


@njit(cache=True, fastmath=FM)
def _dense(a_in, W, b, z_out, m):
    """z = W a + b for each of the m rows of a_in (the dot, then the bias, as np.dot(w, a) + b),
    from a transposed copy of W: :func:`dense_t`."""
    n_out, n_in = W.shape
    WT = np.empty((n_in, n_out), dtype=W.dtype)
    transpose_into(W, WT)
    dense_t(a_in, WT, b, z_out, m)


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


@njit(cache=True)
def _activate_rows(z, a, m, kind):
    n = z.shape[1]
    if kind == SOFTMAX:
        for i in range(m):
            top = z[i, 0]
            for j in range(1, n):
                top = max(top, z[i, j])
            total = 0.0
            for j in range(n):
                e = math.exp(z[i, j] - top)
                a[i, j] = e
                total += e
            for j in range(n):
                a[i, j] = a[i, j] / total
    else:
        for i in range(m):
            for j in range(n):
                a[i, j] = activate(z[i, j], kind)


@njit(cache=True)
def dropout_factor(p, train, seed, epoch, example, layer, unit):
    """The factor by which dropout multiplies one input unit of ``layer``.

    p > 0: network3.py's dropout: a Bernoulli(1 - p) mask in training (no
    rescaling), a factor (1 - p) at inference. p < 0 encodes inverted dropout of
    rate -p: kept units times 1/(1 + p) in training, 1 at inference. The mask is
    a counter-based draw, so it depends on (seed, epoch, example, unit) only."""
    inverted = p < 0.0
    rate = -p if inverted else p
    if not train:
        return 1.0 if inverted else 1.0 - rate
    u = _uniform(seed, epoch, example, layer * 1000003 + unit)
    if u < rate:
        return 0.0
    return 1.0 / (1.0 - rate) if inverted else 1.0


@njit(cache=True)
def forward(params, w_off, b_off, sizes, hidden, output, A, Z, M, u_off, m_max, m,
            dropout, drop_train, drop_seed, drop_epoch, example_ids):
    """Feed the m rows already in A's layer-0 block forward through every layer.

    Where layer l has dropout on its input (``dropout[l] != 0``), the input
    times its dropout factors goes to M's layer-(l-1) block and feeds W^l; A
    keeps the unmasked activations that sigma'(z) needs in backprop."""
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        a_in = _block(A, m_max * u_off[l - 1], m, sizes[l - 1])
        p = dropout[l]
        if p != 0.0:
            masked = _block(M, m_max * u_off[l - 1], m, sizes[l - 1])
            for i in range(m):
                for k in range(sizes[l - 1]):
                    f = dropout_factor(p, drop_train, drop_seed, drop_epoch, example_ids[i], l, k)
                    masked[i, k] = a_in[i, k] * f
            a_in = masked
        z = _block(Z, m_max * u_off[l], m, sizes[l])
        a = _block(A, m_max * u_off[l], m, sizes[l])
        _dense(a_in, _weights(params, w_off, sizes, l), _biases(params, b_off, sizes, l), z, m)
        _activate_rows(z, a, m, output if l == L else hidden)


@njit(cache=True, fastmath=FM)
def backward(params, w_off, b_off, sizes, hidden, output, cost, A, Z, M, D, u_off, m_max, m,
             T, grad, dropout, drop_train, drop_seed, drop_epoch, example_ids):
    """Backpropagation (the book's BP1-BP4) for the m rows of a forward pass.

    Adds the sum over the mini-batch of dC_x/dW and dC_x/db into ``grad`` (same
    layout as ``params``), summing examples in order as network2.py does."""
    L = sizes.shape[0] - 1
    nL = sizes[L]
    zero = np.zeros(1, params.dtype)[0]
    # BP1: delta^L. Cross-entropy with sigmoid and log-likelihood with softmax give a - y.
    aL = _block(A, m_max * u_off[L], m, nL)
    zL = _block(Z, m_max * u_off[L], m, nL)
    dL = _block(D, m_max * u_off[L], m, nL)
    for i in range(m):
        for j in range(nL):
            diff = aL[i, j] - T[i, j]
            if cost == QUADRATIC:
                dL[i, j] = diff * activate_prime(zL[i, j], aL[i, j], output)
            else:
                dL[i, j] = diff
    for l in range(L, 0, -1):
        d = _block(D, m_max * u_off[l], m, sizes[l])
        p = dropout[l]
        a_in = _block(M if p != 0.0 else A, m_max * u_off[l - 1], m, sizes[l - 1])
        W = _weights(params, w_off, sizes, l)
        gW = _weights(grad, w_off, sizes, l)
        gb = _biases(grad, b_off, sizes, l)
        n_out, n_in = W.shape
        # BP3, BP4: dC/db = delta, dC/dW = delta a^T, summed over the mini-batch.
        _outer_accumulate(d, a_in, gW, gb, m)
        # BP2: delta^{l-1} = (W^T delta^l) * sigma'(z^{l-1}), with the weights before the update
        # (and times the dropout factor of each input unit).
        if l > 1:
            dp = _block(D, m_max * u_off[l - 1], m, n_in)
            zp = _block(Z, m_max * u_off[l - 1], m, n_in)
            ap = _block(A, m_max * u_off[l - 1], m, n_in)
            for i in range(m):
                for k in range(n_in):
                    dp[i, k] = zero
                for j in range(n_out):
                    dij = d[i, j]
                    for k in range(n_in):
                        dp[i, k] += W[j, k] * dij
                for k in range(n_in):
                    dp[i, k] = dp[i, k] * activate_prime(zp[i, k], ap[i, k], hidden)
                if p != 0.0:
                    for k in range(n_in):
                        dp[i, k] = dp[i, k] * dropout_factor(p, drop_train, drop_seed, drop_epoch,
                                                             example_ids[i], l, k)


@njit(cache=True, fastmath=FM)
def update(params, grad, velocity, w_off, b_off, sizes, scale, decay, l1, momentum):
    """Apply one mini-batch's summed gradient.

    Without momentum, network2.py's rule: W <- decay W - scale nabla_W (decay = 1 - eta
    lambda / n) and b <- b - scale nabla_b, scale = eta / m. L1 subtracts l1 sgn(W)
    (l1 = eta lambda_1 / n). With momentum mu: v <- mu v - (1 - decay) W - l1 sgn(W)
    - scale nabla, W <- W + v (the book's v -> mu v - eta grad C)."""
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        W = _weights(params, w_off, sizes, l)
        gW = _weights(grad, w_off, sizes, l)
        b = _biases(params, b_off, sizes, l)
        gb = _biases(grad, b_off, sizes, l)
        n_out, n_in = W.shape
        if momentum == 0:
            if l1 == 0:
                for j in range(n_out):
                    for k in range(n_in):
                        W[j, k] = decay * W[j, k] - scale * gW[j, k]
            else:
                for j in range(n_out):
                    for k in range(n_in):
                        w = W[j, k]
                        sgn = (w > 0) - (w < 0)
                        W[j, k] = decay * w - l1 * sgn - scale * gW[j, k]
            for j in range(n_out):
                b[j] = b[j] - scale * gb[j]
        else:
            vW = _weights(velocity, w_off, sizes, l)
            vb = _biases(velocity, b_off, sizes, l)
            shrink = 1 - decay
            for j in range(n_out):
                for k in range(n_in):
                    w = W[j, k]
                    sgn = (w > 0) - (w < 0)
                    vW[j, k] = momentum * vW[j, k] - shrink * w - l1 * sgn - scale * gW[j, k]
                    W[j, k] = w + vW[j, k]
            for j in range(n_out):
                vb[j] = momentum * vb[j] - scale * gb[j]
                b[j] = b[j] + vb[j]


@njit(cache=True, fastmath=FM)
def opt_range(params, grad, velocity, m1, m2, r0, n, is_weight, opt, eta, m, decay, l1, momentum, c1, c2,
              hyp):
    """One step of optimiser ``opt`` (a code of :mod:`nnsci.engine.optim`, not SGD) on
    params[r0:r0+n], elementwise, from the mini-batch's summed gradient ``grad`` of m examples;
    the formulas and conventions are :mod:`nnsci.engine.optim`'s. ``eta``: this step's learning
    rate; ``decay``, ``l1``: the step's L2 and L1 factors of the book's rule (1 - eta lambda/n and
    eta l1/n; nesterov's) or AdamW's 1 - eta wd (weights); c1, c2: Adam's bias corrections
    1 - beta1^t, 1 - beta2^t; hyp: beta1, beta2, eps, rho, and the coupled L2 and L1
    coefficients of the adaptive optimisers' gradient."""
    lo, hi = r0, r0 + n
    zero = np.zeros(1, params.dtype)[0]
    beta1, beta2, eps, rho = hyp[0], hyp[1], hyp[2], hyp[3]
    c_2 = hyp[4] if is_weight else zero   # biases: no L2, no L1 (as the book's rule)
    c_1 = hyp[5] if is_weight else zero
    if opt == NESTEROV:
        scale = eta / m
        shrink = (1 - decay) if is_weight else zero
        l1w = l1 if is_weight else zero
        for r in range(lo, hi):
            w = params[r]
            sgn = (w > 0) - (w < 0)
            step = shrink * w + l1w * sgn + scale * grad[r]
            velocity[r] = momentum * velocity[r] - step
            params[r] = w + momentum * velocity[r] - step
    elif opt == ADAGRAD:
        for r in range(lo, hi):
            w = params[r]
            sgn = (w > 0) - (w < 0)
            g = grad[r] / m + c_2 * w + c_1 * sgn
            m2[r] = m2[r] + g * g
            params[r] = w - eta * g / (math.sqrt(m2[r]) + eps)
    elif opt == RMSPROP:
        for r in range(lo, hi):
            w = params[r]
            sgn = (w > 0) - (w < 0)
            g = grad[r] / m + c_2 * w + c_1 * sgn
            m2[r] = rho * m2[r] + (1 - rho) * (g * g)
            params[r] = w - eta * g / (math.sqrt(m2[r]) + eps)
    else:   # ADAM, ADAMW (AdamW's decay is 1 - eta wd on weights, 1 otherwise)
        d = decay if (is_weight and opt == ADAMW) else zero + 1
        for r in range(lo, hi):
            w = params[r]
            sgn = (w > 0) - (w < 0)
            g = grad[r] / m + c_2 * w + c_1 * sgn
            m1[r] = beta1 * m1[r] + (1 - beta1) * g
            m2[r] = beta2 * m2[r] + (1 - beta2) * (g * g)
            params[r] = d * w - eta * (m1[r] / c1) / (math.sqrt(m2[r] / c2) + eps)


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
def update_opt(params, grad, velocity, m1, m2, w_off, b_off, sizes, opt, eta, m, decay, l1, momentum, c1, c2,
               hyp):
    """:func:`opt_range` on every layer's weights and biases (the compact networks' layout)."""
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        opt_range(params, grad, velocity, m1, m2, w_off[l], sizes[l] * sizes[l - 1], True, opt, eta, m, decay,
                  l1, momentum, c1, c2, hyp)
        opt_range(params, grad, velocity, m1, m2, b_off[l], sizes[l], False, opt, eta, m, decay, l1, momentum,
                  c1, c2, hyp)


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
def _batch_gradient(params, w_off, b_off, sizes, hidden, output, cost, X, T, order, start, m, m_max,
                    u_off, A, Z, M, D, grad, Tb, ids, dropout, train, drop_seed, epoch):
    """Add the summed gradient of rows ``order[start:start + m]`` into ``grad``."""
    A0 = _block(A, 0, m, sizes[0])
    Tm = Tb[:m]
    _load_rows(X, T, order, start, m, A0, Tm, ids)
    forward(params, w_off, b_off, sizes, hidden, output, A, Z, M, u_off, m_max, m,
            dropout, train, drop_seed, epoch, ids)
    backward(params, w_off, b_off, sizes, hidden, output, cost, A, Z, M, D, u_off, m_max, m,
             Tm, grad, dropout, train, drop_seed, epoch, ids)


@njit(cache=True)
def sgd_epoch(params, velocity, m1, m2, step, w_off, b_off, sizes, hidden, output, cost, X, T, order, n_used,
              m_max, u_off, A, Z, M, D, grad, Tb, ids, etas, decays, l1s, momentum, opt, hyp,
              dropout, drop_seed, epoch):
    """One epoch of mini-batch SGD over ``order[:n_used]``, in slices of m_max
    (the last one may be shorter and is used with its own length, as in network2.py).

    Mini-batch b steps with ``etas[b]``, ``decays[b]``, ``l1s[b]`` (the schedule's rates, computed
    in Python). ``opt`` 0 is the book's SGD (:func:`update`); other codes are :func:`update_opt`'s
    optimisers, with their state in velocity, m1, m2 and the step count step[0]."""
    start = 0
    b = 0
    while start < n_used:
        m = min(m_max, n_used - start)
        grad[:] = 0
        _batch_gradient(params, w_off, b_off, sizes, hidden, output, cost, X, T, order, start, m, m_max,
                        u_off, A, Z, M, D, grad, Tb, ids, dropout, True, drop_seed, epoch)
        eta = etas[b]
        c1, c2 = adam_corrections(step, hyp, opt)
        if opt == SGD:
            update(params, grad, velocity, w_off, b_off, sizes, eta / m, decays[b], l1s[b], momentum)
        else:
            update_opt(params, grad, velocity, m1, m2, w_off, b_off, sizes, opt, eta, m, decays[b], l1s[b],
                       momentum, c1, c2, hyp)
        start += m
        b += 1


@njit(cache=True)
def gradient_sum(params, w_off, b_off, sizes, hidden, output, cost, X, T, rows, m_max, u_off,
                 A, Z, M, D, grad, Tb, ids, dropout):
    """Sum over ``rows`` of dC_x/d(params), in row order (no regularisation term, dropout
    in its inference form)."""
    grad[:] = 0
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        _batch_gradient(params, w_off, b_off, sizes, hidden, output, cost, X, T, rows, start, m, m_max,
                        u_off, A, Z, M, D, grad, Tb, ids, dropout, False, 0, 0)
        start += m


@njit(cache=True)
def _score_rows(aL, start, T, labels, cost, out_act, per_cost, per_correct):
    """Record, for rows start.. of a chunk whose outputs are aL, each output, its cost C_x and
    whether argmax(a) == label (the first maximum on ties)."""
    m, nL = aL.shape
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
                if T[r, j] > T[r, y]:
                    y = j
            per_cost[r] = nan_to_num(-math.log(aL[i, y]))
        else:
            s = 0.0
            for j in range(nL):
                s += cost_term(aL[i, j], T[r, j], cost)
            per_cost[r] = s


@njit(cache=True, parallel=True)
def evaluate(params, w_off, b_off, sizes, hidden, output, cost, X, T, labels, u_off, chunk,
             dropout, out_act, per_cost, per_correct):
    """Forward every row of X (in parallel chunks of independent rows) and record each
    row's cost C_x and whether argmax(a) == label (the first maximum on ties).

    Sums are left to the caller, who adds them in row order, so the result does
    not depend on the number of threads."""
    n = X.shape[0]
    L = sizes.shape[0] - 1
    nL = sizes[L]
    total_units = u_off[L + 1]
    n_chunks = (n + chunk - 1) // chunk
    for c in prange(n_chunks):
        start = c * chunk
        m = min(chunk, n - start)
        A = np.empty(chunk * total_units, dtype=params.dtype)
        Z = np.empty(chunk * total_units, dtype=params.dtype)
        M = np.empty(chunk * total_units, dtype=params.dtype)
        ids = np.arange(start, start + m)
        A0 = _block(A, 0, m, sizes[0])
        for i in range(m):
            for k in range(X.shape[1]):
                A0[i, k] = X[start + i, k]
        forward(params, w_off, b_off, sizes, hidden, output, A, Z, M, u_off, chunk, m,
                dropout, False, 0, 0, ids)
        _score_rows(_block(A, chunk * u_off[L], m, nL), start, T, labels, cost, out_act, per_cost, per_correct)
