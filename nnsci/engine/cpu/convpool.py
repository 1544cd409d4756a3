"""ConvPool kernels: a "valid" true convolution (Theano's ``conv2d`` flips the kernel), 2 x 2
max-pooling with Theano's gradient rule for ties, one bias per map after pooling, then the
activation. Each is serial over independent outputs (examples, or maps for the weight
gradient), so that :mod:`.plan_kernels` can give each thread its own examples or maps."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..functions import activate
from .kernels import FM, four_rows


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
def _im2col(xi, pi, k):
    """pi[y * wc + x, (c, u, v)] = xi[c, y + k-1-u, x + k-1-v]: one example's flipped patches."""
    C = xi.shape[0]
    hc, wc = xi.shape[1] - k + 1, xi.shape[2] - k + 1
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


@njit(cache=True, fastmath=FM)
def _pool_activate(cf, bf, zf, af, act, pool, wc):
    """One map: z = max over each pool x pool window of the convolution cf (flat, rows of wc)
    plus the bias, a = act(z)."""
    hp, wp = zf.shape
    for pp in range(hp):
        for qq in range(wp):
            top = cf[pp * pool * wc + qq * pool]
            for du in range(pool):
                for dv in range(pool):
                    top = max(top, cf[(pp * pool + du) * wc + qq * pool + dv])
            zz = top + bf
            zf[pp, qq] = zz
            af[pp, qq] = activate(zz, act)


@njit(cache=True, fastmath=FM)
def conv_forward(x, WT, b, cv, pt, z, a, act, k, pool):
    """For each example i: pt[i] = its flipped patches, cv[i, f, p] = W[f] . pt[i, p],
    z = max-pool(cv) + b[f], a = act(z). x: (m, C, H, Wd); WT: the filters transposed (R = C k k,
    M); cv: (m, M, hc*wc); pt: (m, hc*wc, R); z, a: (m, M, hp, wp).

    Each dot product W[f] . pt[i, p] is summed over r = 0, 1, ..., R-1 in that order, in float64
    (then rounded to cv's type). The loops are arranged so that the innermost one runs over the
    maps f, which are independent: each step multiplies one patch value by a row of the
    transposed filters WT[r] and adds it into M separate sums (four positions at a time share
    each load of WT[r]), so the compiler vectorises it without reordering any sum."""
    m = x.shape[0]
    R, M = WT.shape[0], WT.shape[1]
    wc = x.shape[3] - k + 1
    P = cv.shape[2]
    acc = np.empty((4, M), dtype=np.float64)
    s0, s1, s2, s3 = acc[0], acc[1], acc[2], acc[3]
    for i in range(m):
        pi = pt[i]
        _im2col(x[i], pi, k)
        ci = cv[i]
        p = 0
        while p < P:
            n = min(4, P - p)
            a0, a1, a2, a3 = pi[p], pi[p + 1 if n > 1 else p], pi[p + 2 if n > 2 else p], pi[p + 3 if n > 3 else p]
            acc[:] = 0.0
            for r in range(R):
                four_rows(s0, s1, s2, s3, WT[r], a0[r], a1[r], a2[r], a3[r])
            for f in range(M):
                for j in range(n):
                    ci[f, p + j] = acc[j, f]
            p += n
        for f in range(M):
            _pool_activate(ci[f], b[f], z[i, f], a[i, f], act, pool, wc)


@njit(cache=True, fastmath=FM)
def _route_max(cf, df, gf, pool, wc):
    """One map: gf[q] = dz of q's window where cv[q] equals the window's maximum, else 0
    (Theano's rule: a tie sends the gradient to every maximal input). Written without branches
    (a select), which matters: which input is the maximum is close to random."""
    hp, wp = df.shape
    zero = np.zeros(1, gf.dtype)[0]
    if hp * pool * wc != gf.shape[0] or wp * pool != wc:
        for q in range(gf.shape[0]):
            gf[q] = zero
    for pp in range(hp):
        for qq in range(wp):
            q0 = pp * pool * wc + qq * pool
            top = cf[q0]
            for du in range(pool):
                for dv in range(pool):
                    top = max(top, cf[q0 + du * wc + dv])
            d = df[pp, qq]
            for du in range(pool):
                for dv in range(pool):
                    q = q0 + du * wc + dv
                    gf[q] = d if cf[q] == top else zero


@njit(cache=True, fastmath=FM)
def conv_deltas(cv, dz, g, W, dx, need_dx, k, pool):
    """Per example (each independent of the others): route dz = dC/dz of the pooled outputs
    (m, M, hp, wp) through the max into g (m, M, hc*wc) (every input equal to its window's max
    gets it: Theano's rule) and, if need_dx, write dC/d(input) into dx (m, C, H, Wd).

    Fixed summation order: dC/d(patch)[q, r] adds g[i, f, q] W[f, r] map by map; each position's
    patch row is then added into dx at once, positions q in order (the adjoint of _im2col)."""
    m = cv.shape[0]
    M, R = W.shape[0], W.shape[1]
    wc = dx.shape[3] - k + 1
    P = cv.shape[2]
    for i in range(m):
        for f in range(M):
            _route_max(cv[i, f], dz[i, f], g[i, f], pool, wc)
    if not need_dx:
        return
    row = np.empty(R, dtype=dx.dtype)
    C = dx.shape[1]
    for i in range(m):
        di = dx[i]
        for c in range(C):
            for y in range(di.shape[1]):
                for xx in range(di.shape[2]):
                    di[c, y, xx] = 0.0
        for q in range(P):
            for r in range(R):
                row[r] = 0.0
            for f in range(M):
                d = g[i, f, q]
                if d != 0.0:
                    w = W[f]
                    for r in range(R):
                        row[r] += d * w[r]
            y, xx = q // wc, q % wc
            r = 0
            for c in range(C):
                for u in range(k):
                    dst = di[c, y + k - 1 - u]
                    for v in range(k):
                        dst[xx + k - 1 - v] += row[r]
                        r += 1


@njit(cache=True, fastmath=FM)
def conv_weight_grad(dz, g, pt, gW, gb, f0, f1):
    """Add the mini-batch's summed dC/dW[f] and dC/db[f] into gW (M, R), gb for the maps
    f0 <= f < f1 (each map independent of the others), given dz (m, M, hp, wp), g (m, M, hc*wc)
    from :func:`conv_deltas` and the patches pt (m, hc*wc, R).

    Fixed summation order: dC/dW[f, r] adds, example by example, the non-zero terms
    g[i, f, q] pt[i, q, r] in groups of four consecutive q."""
    m = dz.shape[0]
    hp, wp = dz.shape[2], dz.shape[3]
    P, R = pt.shape[1], pt.shape[2]
    nz = np.empty(P, dtype=np.int64)
    for f in range(f0, f1):
        gw = gW[f]
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
