"""The parameter update of the layer-plan kernels, on part t of nt of every layer's units (maps of
a ConvPool layer, rows of a dense one): the book's SGD rule (:func:`nnsci.engine.rules.sgd_step`) or another
optimiser (:func:`.kernels.opt_range`), elementwise, so each thread can own its part
(:mod:`.plan_kernels`, phase 2)."""

from __future__ import annotations

from numba import njit

from ..plan import F_BOFF, F_GOFF, F_NB, F_NORM, F_NW, F_WOFF, NO_NORM
from ..rules import sgd_step
from .kernels import FM, opt_range


@njit(cache=True)
def _parts(n, t, nt):
    """Part t of range(n) split into nt contiguous parts."""
    return n * t // nt, n * (t + 1) // nt


@njit(cache=True, fastmath=FM)
def _update_range(params, grad, velocity, r0, n, is_weight, scale, decay, l1, momentum):
    """:func:`nnsci.engine.rules.sgd_step` on params[r0:r0+n] (elementwise)."""
    for r in range(r0, r0 + n):
        sgd_step(params, velocity, r, grad[r], is_weight, scale, decay, l1, momentum)


@njit(cache=True)
def update_part(params, grad, velocity, T, scale, decay, l1, momentum, t, nt):
    """:func:`nnsci.engine.rules.sgd_step`'s rule on part t of nt of every layer's units (as
    :func:`gradient_part`): weights decay (L2), L1 and momentum; biases, and a normalised layer's
    gamma and beta, only the gradient step (and momentum)."""
    L = T.shape[0] - 1
    for l in range(1, L + 1):
        units = T[l, F_NB]
        per = T[l, F_NW] // units
        j0, j1 = _parts(units, t, nt)
        _update_range(params, grad, velocity, T[l, F_WOFF] + j0 * per, (j1 - j0) * per, True, scale, decay,
                      l1, momentum)
        _update_range(params, grad, velocity, T[l, F_BOFF] + j0, j1 - j0, False, scale, decay, l1, momentum)
        if T[l, F_NORM] != NO_NORM:
            g0 = T[l, F_GOFF]
            _update_range(params, grad, velocity, g0 + j0, j1 - j0, False, scale, decay, l1, momentum)
            _update_range(params, grad, velocity, g0 + units + j0, j1 - j0, False, scale, decay, l1, momentum)


@njit(cache=True)
def update_part_opt(params, grad, velocity, m1, m2, T, opt, eta, m, decay, l1, momentum, c1, c2, hyp, t, nt):
    """:func:`.kernels.opt_range` (an optimiser other than the book's SGD, elementwise) on part t of
    nt of every layer's units (as :func:`gradient_part`); a normalised layer's gamma and beta as
    biases (no L2, L1 or weight decay)."""
    L = T.shape[0] - 1
    for l in range(1, L + 1):
        units = T[l, F_NB]
        per = T[l, F_NW] // units
        j0, j1 = _parts(units, t, nt)
        opt_range(params, grad, velocity, m1, m2, T[l, F_WOFF] + j0 * per, (j1 - j0) * per, True, opt, eta, m,
                  decay, l1, momentum, c1, c2, hyp)
        opt_range(params, grad, velocity, m1, m2, T[l, F_BOFF] + j0, j1 - j0, False, opt, eta, m, decay, l1,
                  momentum, c1, c2, hyp)
        if T[l, F_NORM] != NO_NORM:
            g0 = T[l, F_GOFF]
            opt_range(params, grad, velocity, m1, m2, g0 + j0, j1 - j0, False, opt, eta, m, decay, l1,
                      momentum, c1, c2, hyp)
            opt_range(params, grad, velocity, m1, m2, g0 + units + j0, j1 - j0, False, opt, eta, m, decay, l1,
                      momentum, c1, c2, hyp)
