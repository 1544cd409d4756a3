"""ConvPool kernels: a "valid" true convolution (Theano's ``conv2d`` flips the kernel), 2 x 2
max-pooling with Theano's gradient rule for ties, one bias per map after pooling, then the
activation. They run on one thread: a cached kernel that calls a ``parallel=True`` one crashed
when loaded from numba's cache (see plan_kernels)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..functions import activate
from .kernels import FM


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
    for i in range(m):
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
    for t in range(m * M):
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
    for f in range(M):
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
        for i in range(m):
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
