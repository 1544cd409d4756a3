"""CUDA kernels that walk a layer plan: one launch per epoch, one thread block per run.

A training step at mini-batch 10 is a few MFLOP, too small to pay for a launch
per step, so the SGD kernel is persistent: each thread block walks through every
mini-batch of its run's epoch, and a family of runs (seeds, lambdas, the runs of
a replica script, ensemble members) trains in one launch, one block per run.

Layout: exactly the CPU engine's (:mod:`nnsci.engine.plan`). Each run's
parameters are a row of ``P`` (layer after layer, weights then biases, the
layout of the plan); its activations ``A``, pre-activations ``Z``, dropout-masked
inputs ``M`` and deltas ``D`` are rows of (runs, m_max * units), layer l's
(m x units) block at ``m_max * u_off[l]``; a ConvPool layer's convolution before
pooling (and its gradient) sits in ``CV`` (``G``) at ``m_max * cv_off[l]``.

Parallelism and determinism: inside a block, every output of a phase (an
activation, a delta, a parameter's gradient) is computed whole by one thread, in
one fixed order (the CPU kernels' order: inputs by index, examples in mini-batch
order), and phases are separated by ``syncthreads``. No atomics, so a run gives
the same bytes whatever the number of threads. The scalar rules (activations,
costs, the counter-based dropout draws, the SGD step, the output delta, softmax and
scoring) are :mod:`nnsci.engine.rules`', which the CPU engine calls too, compiled for
the GPU, so masks, steps and scores are those of a CPU run.

Per mini-batch: forward (BP0), delta^L (BP1); then for l = L..1, delta^{l-1} =
(W^l)^T delta^l * sigma'(z^{l-1}) with the weights before the update (BP2), and
then W^l, b^l take their step from dC/dW^l = sum_x delta^l a^{l-1 T} and dC/db^l =
sum_x delta^l (BP3, BP4) by :func:`nnsci.engine.rules.sgd_step` (L2 as decay or
penalty, L1, momentum). Since lower layers need only W^l's old values, each layer
is updated as soon as its delta has been passed down; no gradient buffer is
needed for training.

See :mod:`.compat` for what the simulator and numba-cuda impose."""

from __future__ import annotations

from .. import rules
from ..functions import SOFTMAX, activate, activate_prime
from ..plan import (CONVPOOL, F_ACT, F_BOFF, F_C, F_H, F_HC, F_HP, F_K, F_KEY, F_KIND, F_MAPS, F_POOL, F_W,
                    F_WC, F_WOFF, F_WP)
from ..rules import dropout_factor, output_delta
from .compat import device_rule, import_cuda

cuda = import_cuda()
sgd_step, softmax_row, score_row = (device_rule(r) for r in (rules.sgd_step, rules.softmax_row, rules.score_row))

device = cuda.jit(device=True)
kernel = cuda.jit(cache=True)


# -- small pieces -------------------------------------------------------------------------------

@device
def load_rows(X, A, rows, start, m, n_in, tid, nth):
    """Copy the m input rows rows[start:start+m] into the layer-0 block of A."""
    for t in range(tid, m * n_in, nth):
        i = t // n_in
        A[t] = X[rows[start + i], t - i * n_in]


@device
def take(p, v, g, r, s, is_weight, update, scale, decay, l1, mu):
    """Parameter r's gradient sum s: its SGD step (``update``) or added into g."""
    if update:
        sgd_step(p, v, r, s, is_weight, scale, decay, l1, mu)
    else:
        g[r] += s


@device
def unravel(t, n, hw, w):
    """(i, c, y, x) of the flat index t = ((i C + c) h + y) w + x into blocks of n = C h w
    elements (hw = h w)."""
    i = t // n
    c = (t - i * n) // hw
    yx = t - i * n - c * hw
    y = yx // w
    return i, c, y, yx - y * w


# -- forward ------------------------------------------------------------------------------------

@device
def conv_forward(p, T, l, src, xo, Z, A, zo, CV, co, m, zero, tid, nth):
    """ConvPool layer l: for each pooled output (example i, map f, pooled position), the
    true convolution conv[f, y, x] = sum_{c,u,v} in[c, y+k-1-u, x+k-1-v] W[f, c, u, v] at the
    pool window's positions (kept in CV for the backward pass), their max, plus b[f], then the
    activation."""
    C, H, Wd = T[l, F_C], T[l, F_H], T[l, F_W]
    maps, k, pool = T[l, F_MAPS], T[l, F_K], T[l, F_POOL]
    hc, wc, hp, wp = T[l, F_HC], T[l, F_WC], T[l, F_HP], T[l, F_WP]
    w0, b0, act = T[l, F_WOFF], T[l, F_BOFF], T[l, F_ACT]
    n_out = maps * hp * wp
    for t in range(tid, m * n_out, nth):
        i, f, pp, qq = unravel(t, n_out, hp * wp, wp)
        xi = xo + i * C * H * Wd
        ci = co + (i * maps + f) * hc * wc
        wf = w0 + f * C * k * k
        top = zero
        for du in range(pool):
            for dv in range(pool):
                y = pp * pool + du
                x = qq * pool + dv
                s = zero
                r = 0
                for c in range(C):
                    for u in range(k):
                        row = xi + (c * H + y + k - 1 - u) * Wd + x + k - 1
                        for vv in range(k):
                            s += p[wf + r] * src[row - vv]
                            r += 1
                CV[ci + y * wc + x] = s
                top = s if du == 0 and dv == 0 else max(top, s)
        z = top + p[b0 + f]
        Z[zo + t] = z
        A[zo + t] = activate(z, act)


@device
def forward(p, T, sizes, u_off, cv_off, A, Z, M, CV, m_max, m, dropout, train, seed, epoch, rows, start,
            zero, tid, nth):
    """Feed the m rows in A's layer-0 block forward through every layer (BP0). Where layer l has
    dropout on its input, the input times its dropout factors goes to M and feeds layer l; A keeps
    the unmasked activations that sigma'(z) needs in backprop."""
    L = sizes.shape[0] - 1
    for l in range(1, L + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        io, zo = m_max * u_off[l - 1], m_max * u_off[l]
        rate = dropout[l]
        src = A
        if rate != 0.0:
            for t in range(tid, m * n_in, nth):
                i = t // n_in
                M[io + t] = A[io + t] * dropout_factor(rate, train, seed, epoch, rows[start + i], T[l, F_KEY],
                                                       t - i * n_in)
            cuda.syncthreads()
            src = M
        act = T[l, F_ACT]
        if T[l, F_KIND] == CONVPOOL:
            conv_forward(p, T, l, src, io, Z, A, zo, CV, m_max * cv_off[l], m, zero, tid, nth)
        else:   # dense or softmax: z = W a + b (the dot in input order, then the bias)
            w0, b0 = T[l, F_WOFF], T[l, F_BOFF]
            for t in range(tid, m * n_out, nth):
                i, j = t // n_out, t % n_out   # example, unit
                s = zero
                for k in range(n_in):
                    s += p[w0 + j * n_in + k] * src[io + i * n_in + k]
                z = s + p[b0 + j]
                Z[zo + t] = z
                if act != SOFTMAX:
                    A[zo + t] = activate(z, act)
        cuda.syncthreads()
        if act == SOFTMAX:
            for i in range(tid, m, nth):
                o = zo + i * n_out
                softmax_row(Z[o:o + n_out], A[o:o + n_out])
            cuda.syncthreads()


# -- backward and update ------------------------------------------------------------------------

@device
def dense_backward(p, v, g, T, l, sizes, u_off, src, A, Z, D, m_max, m, rate, train, seed, epoch, rows, start,
                   update, scale, decay, l1, mu, zero, tid, nth):
    """A dense (or softmax) layer l whose delta is in D: BP2 into layer l-1's delta, then the
    step (or, with update false, the gradient added into g)."""
    n_in, n_out = sizes[l - 1], sizes[l]
    io, do = m_max * u_off[l - 1], m_max * u_off[l]
    w0 = T[l, F_WOFF]
    if l > 1:
        prev = T[l - 1, F_ACT]
        for t in range(tid, m * n_in, nth):
            i = t // n_in
            k = t - i * n_in
            s = zero
            for j in range(n_out):
                s += p[w0 + j * n_in + k] * D[do + i * n_out + j]
            D[io + t] = s * activate_prime(Z[io + t], A[io + t], prev)
            if rate != 0.0:
                D[io + t] = D[io + t] * dropout_factor(rate, train, seed, epoch, rows[start + i], T[l, F_KEY], k)
        cuda.syncthreads()
    n_w = n_out * n_in
    for t in range(tid, n_w + n_out, nth):   # the biases follow the weights
        s = zero
        if t < n_w:
            j = t // n_in
            k = t - j * n_in
            for i in range(m):
                s += D[do + i * n_out + j] * src[io + i * n_in + k]
        else:
            j = t - n_w
            for i in range(m):
                s += D[do + i * n_out + j]
        take(p, v, g, w0 + t, s, t < n_w, update, scale, decay, l1, mu)
    cuda.syncthreads()


@device
def conv_backward(p, v, g, T, l, src, xo, A, Z, D, do, dxo, CV, G, co, m, update, scale, decay, l1, mu, zero,
                  tid, nth):
    """ConvPool layer l, whose delta (dC/dz of the pooled outputs) is in D at do: route it through
    the max into G (every input equal to its window's maximum receives it: Theano's rule), pass it
    down to layer l-1's delta at dxo (if l > 1), then step W and b (or add the gradient into g)."""
    C, H, Wd = T[l, F_C], T[l, F_H], T[l, F_W]
    maps, k, pool = T[l, F_MAPS], T[l, F_K], T[l, F_POOL]
    hc, wc, hp, wp = T[l, F_HC], T[l, F_WC], T[l, F_HP], T[l, F_WP]
    w0 = T[l, F_WOFF]
    P = hc * wc
    for t in range(tid, m * maps * P, nth):
        im = t // P                      # example i, map f: im = i * maps + f
        q = t - im * P
        y = q // wc
        x = q - y * wc
        pp, qq = y // pool, x // pool
        base = co + im * P + pp * pool * wc + qq * pool
        top = CV[base]
        for du in range(pool):
            for dv in range(pool):
                top = max(top, CV[base + du * wc + dv])
        G[co + t] = D[do + (im * hp + pp) * wp + qq] if CV[co + t] == top else zero
    cuda.syncthreads()
    if l > 1:   # dC/d(input), positions (y, x) in order, each the sum over maps (the CPU's order)
        prev = T[l - 1, F_ACT]
        n_in = C * H * Wd
        for t in range(tid, m * n_in, nth):
            i, c, yy, xx = unravel(t, n_in, H * Wd, Wd)
            s = zero
            for u in range(k):
                y = yy - (k - 1 - u)
                if 0 <= y < hc:
                    for vv in range(k):
                        x = xx - (k - 1 - vv)
                        if 0 <= x < wc:
                            part = zero
                            for f in range(maps):
                                part += G[co + (i * maps + f) * P + y * wc + x] * p[w0 + ((f * C + c) * k + u) * k + vv]
                            s += part
            D[dxo + t] = s * activate_prime(Z[dxo + t], A[dxo + t], prev)
        cuda.syncthreads()
    n_w = maps * C * k * k
    for t in range(tid, n_w + maps, nth):   # the biases follow the weights
        s = zero
        if t < n_w:
            f = t // (C * k * k)
            r = t - f * C * k * k
            c = r // (k * k)
            u = (r - c * k * k) // k
            vv = r - c * k * k - u * k
            for i in range(m):
                gi = co + (i * maps + f) * P
                xi = xo + (i * C + c) * H * Wd
                for y in range(hc):
                    for x in range(wc):
                        d = G[gi + y * wc + x]
                        if d != 0:
                            s += d * src[xi + (y + k - 1 - u) * Wd + x + k - 1 - vv]
        else:
            f = t - n_w
            for i in range(m):
                si = zero
                for q in range(hp * wp):
                    si += D[do + (i * maps + f) * hp * wp + q]
                s += si
        take(p, v, g, w0 + t, s, t < n_w, update, scale, decay, l1, mu)
    cuda.syncthreads()


@device
def backward(p, v, g, T, sizes, u_off, cv_off, cost, Tg, A, Z, M, D, CV, G, m_max, m, dropout, train, seed,
             epoch, rows, start, update, scale, decay, l1, mu, zero, tid, nth):
    """Backpropagation (BP1-BP4) of the m rows of a forward pass, each layer stepped (or its
    gradient added into g) once its delta has been passed down."""
    L = sizes.shape[0] - 1
    nL, oL, out_act = sizes[L], m_max * u_off[L], T[L, F_ACT]
    for t in range(tid, m * nL, nth):   # BP1; cross-entropy/sigmoid and log-likelihood/softmax: a - y
        i = t // nL
        D[oL + t] = output_delta(A[oL + t], Tg[rows[start + i], t - i * nL], Z[oL + t], cost, out_act)
    cuda.syncthreads()
    for l in range(L, 0, -1):
        rate = dropout[l]
        src = M if rate != 0.0 else A
        if T[l, F_KIND] == CONVPOOL:
            conv_backward(p, v, g, T, l, src, m_max * u_off[l - 1], A, Z, D, m_max * u_off[l],
                          m_max * u_off[l - 1], CV, G, m_max * cv_off[l], m, update, scale, decay, l1, mu, zero,
                          tid, nth)
        else:
            dense_backward(p, v, g, T, l, sizes, u_off, src, A, Z, D, m_max, m, rate, train, seed, epoch, rows,
                           start, update, scale, decay, l1, mu, zero, tid, nth)


# -- kernels ------------------------------------------------------------------------------------

@kernel
def sgd_epoch_kernel(run0, P, V, T, sizes, u_off, cv_off, cost, X, Tg, orders, n_used, m_max, A, Z, M, D, CV, G,
                     hyper, dropout, seeds, epochs, zero):
    """One epoch of mini-batch SGD for run run0 + blockIdx.x, over orders[run, :n_used[run]] in
    slices of m_max (the last one may be shorter and is used with its own length, as network2.py).
    hyper[run] = (eta, decay, l1, momentum) in the network's dtype."""
    run = run0 + cuda.blockIdx.x
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    p, v = P[run], V[run]
    a, z, mk, d, cv, gg = A[run], Z[run], M[run], D[run], CV[run], G[run]
    rows, n = orders[run], n_used[run]
    eta, decay, l1, mu = hyper[run, 0], hyper[run, 1], hyper[run, 2], hyper[run, 3]
    seed, epoch = seeds[run], epochs[run]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        load_rows(X, a, rows, start, m, sizes[0], tid, nth)
        cuda.syncthreads()
        forward(p, T, sizes, u_off, cv_off, a, z, mk, cv, m_max, m, dropout, True, seed, epoch, rows, start,
                zero, tid, nth)
        backward(p, v, p, T, sizes, u_off, cv_off, cost, Tg, a, z, mk, d, cv, gg, m_max, m, dropout, True, seed,
                 epoch, rows, start, True, eta / m, decay, l1, mu, zero, tid, nth)
        start += m


@kernel
def gradient_kernel(run, P, grad, T, sizes, u_off, cv_off, cost, X, Tg, rows, m_max, A, Z, M, D, CV, G, dropout,
                    zero):
    """grad += the sum over ``rows`` of dC_x/d(params) of run ``run`` (one block; dropout in its
    inference form; mini-batches of m_max in row order)."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    p = P[run]
    a, z, mk, d, cv, gg = A[run], Z[run], M[run], D[run], CV[run], G[run]
    n = rows.shape[0]
    start = 0
    while start < n:
        m = min(m_max, n - start)
        load_rows(X, a, rows, start, m, sizes[0], tid, nth)
        cuda.syncthreads()
        forward(p, T, sizes, u_off, cv_off, a, z, mk, cv, m_max, m, dropout, False, 0, 0, rows, start, zero,
                tid, nth)
        backward(p, p, grad, T, sizes, u_off, cv_off, cost, Tg, a, z, mk, d, cv, gg, m_max, m, dropout, False, 0,
                 0, rows, start, False, zero, zero, zero, zero, zero, tid, nth)
        start += m


@kernel
def evaluate_kernel(run, P, T, sizes, u_off, cv_off, cost, X, Tg, labels, rows, chunk, A, Z, M, CV, dropout, out,
                    per_cost, per_correct, score, zero):
    """Forward every row of X (block b takes chunks b, b + gridDim, ... of ``chunk`` rows, its
    own workspace row b) and, with ``score``, record each row's output, cost C_x and whether
    argmax(a) == label (the first maximum on ties), as the CPU's _score_rows."""
    b, tid, nth = cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    p = P[run]
    a, z, mk, cv = A[b], Z[b], M[b], CV[b]
    n = X.shape[0]
    L = sizes.shape[0] - 1
    nL, oL = sizes[L], chunk * u_off[L]
    for c in range(b, (n + chunk - 1) // chunk, cuda.gridDim.x):
        start = c * chunk
        m = min(chunk, n - start)
        load_rows(X, a, rows, start, m, sizes[0], tid, nth)
        cuda.syncthreads()
        forward(p, T, sizes, u_off, cv_off, a, z, mk, cv, chunk, m, dropout, False, 0, 0, rows, start,
                zero, tid, nth)
        if score:
            for i in range(tid, m, nth):
                r = start + i
                o = oL + i * nL
                per_cost[r], per_correct[r] = score_row(a[o:o + nL], Tg[r], labels[r], cost, out[r])
        cuda.syncthreads()
