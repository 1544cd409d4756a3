"""The parameter update of the plan kernels, on part t of nt of every layer's units (maps of a
ConvPool layer, rows of a dense one): the book's SGD rule (:func:`nnsci.engine.rules.sgd_step`) or
another optimiser (:func:`.kernels.opt_range`), elementwise, so each thread can own its part
(:mod:`.plan_kernels`, phase 2). Weights get L2, L1 and decay; biases, and a normalised layer's
gamma and beta, only the gradient step (and momentum)."""

from __future__ import annotations

from numba import njit

from ..plan import F_BOFF, F_GOFF, F_NB, F_NORM, F_NW, F_WOFF, NO_NORM
from ..rules import sgd_step
from .kernels import FM, opt_range
from .views import _parts


@njit(cache=True, fastmath=FM)
def _update_range(params, grad, velocity, r0, n, is_weight, scale, decay, l1, momentum):
    """:func:`nnsci.engine.rules.sgd_step` on params[r0:r0+n] (elementwise; on views indexed from 0,
    which LLVM can vectorise: an index from r0 might be negative, and numba's wraparound check
    on it keeps the loop scalar)."""
    p, g, v = params[r0:r0 + n], grad[r0:r0 + n], velocity[r0:r0 + n]
    for r in range(n):
        sgd_step(p, v, r, g[r], is_weight, scale, decay, l1, momentum)


@njit(cache=True)
def _ranges(T, l, t, nt):
    """Layer l's part t of nt: (first weight, number of weights, first unit, number of units)."""
    units = T[l, F_NB]
    per = T[l, F_NW] // units
    j0, j1 = _parts(units, t, nt)
    return T[l, F_WOFF] + j0 * per, (j1 - j0) * per, j0, j1 - j0


@njit(cache=True)
def update_part(net, buf, optim, scale, decay, l1, t, nt):
    """The book's rule on part t of nt of every layer's units (as
    :func:`.plan_kernels.gradient_part`); scale = eta / m."""
    T, p, g, v, mu = net.table, net.params, buf.grad, optim.velocity, optim.momentum
    for l in range(1, T.shape[0]):
        w0, nw, j0, nj = _ranges(T, l, t, nt)
        _update_range(p, g, v, w0, nw, True, scale, decay, l1, mu)
        _update_range(p, g, v, T[l, F_BOFF] + j0, nj, False, scale, decay, l1, mu)
        if T[l, F_NORM] != NO_NORM:
            g0 = T[l, F_GOFF]
            _update_range(p, g, v, g0 + j0, nj, False, scale, decay, l1, mu)
            _update_range(p, g, v, g0 + T[l, F_NB] + j0, nj, False, scale, decay, l1, mu)


@njit(cache=True)
def update_part_opt(net, buf, optim, eta, m, decay, l1, c1, c2, t, nt):
    """:func:`.kernels.opt_range` (an optimiser other than the book's SGD) on part t of nt of every
    layer's units (as :func:`.plan_kernels.gradient_part`)."""
    T, p, g = net.table, net.params, buf.grad
    v, m1, m2, opt, hyp, mu = optim.velocity, optim.m1, optim.m2, optim.opt, optim.hyp, optim.momentum
    for l in range(1, T.shape[0]):
        w0, nw, j0, nj = _ranges(T, l, t, nt)
        opt_range(p, g, v, m1, m2, w0, nw, True, opt, eta, m, decay, l1, mu, c1, c2, hyp)
        opt_range(p, g, v, m1, m2, T[l, F_BOFF] + j0, nj, False, opt, eta, m, decay, l1, mu, c1, c2, hyp)
        if T[l, F_NORM] != NO_NORM:
            g0 = T[l, F_GOFF]
            opt_range(p, g, v, m1, m2, g0 + j0, nj, False, opt, eta, m, decay, l1, mu, c1, c2, hyp)
            opt_range(p, g, v, m1, m2, g0 + T[l, F_NB] + j0, nj, False, opt, eta, m, decay, l1, mu, c1, c2, hyp)
