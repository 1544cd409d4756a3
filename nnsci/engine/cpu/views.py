"""The CPU kernels' arguments and their views.

A kernel takes a handful of named tuples instead of dozens of arrays (numba compiles a
namedtuple of arrays as one argument, and caches the kernels that take them):

- :class:`Net`: one network: its flat parameters, its layer table (:meth:`nnsci.engine.plan.Plan.table`),
  layer sizes and unit offsets, its cost code, each layer's input dropout rate, batch
  normalisation's running statistics (``state``) and each layer's (momentum, eps) (``normf``);
- :class:`Buffers`: the buffers of mini-batches of up to m_max rows (``ids`` has m_max entries):
  activations A, pre-activations Z, dropout-masked inputs M, deltas D, a ConvPool layer's
  convolution and its gradient (CV, G), the weights transposed (WT), the gradient, the targets
  and row numbers of the mini-batch (Tb, ids), a normalised layer's xhat and dC/dz (NX, ND) and
  each layer's statistics (NS);
- :class:`Optim`: the optimiser (its code, hyper-parameters and momentum) and its state
  (velocity, moments, steps taken);
- :class:`Data`: inputs, targets and labels (a :class:`nnsci.engine.data.Dataset`'s arrays);
- :class:`Rates`: each mini-batch's eta, L2 decay factor and L1 factor (the schedule's).

Then the views of one layer into them: weights, biases, a ConvPool layer's blocks, a
normalised layer's blocks and parameters."""

from __future__ import annotations

from collections import namedtuple

from numba import njit

from ..plan import (BATCH_NORM, F_BOFF, F_C, F_COFF, F_GOFF, F_H, F_HC, F_HP, F_K, F_MAPS, F_NB, F_NOFF, F_NORM,
                    F_NW, F_SOFF, F_W, F_WC, F_WOFF, F_WP)
from .kernels import _block, transpose_into
from .norm import NORM_RUNNING

Net = namedtuple("Net", "params table sizes u_off cost dropout state normf")
Buffers = namedtuple("Buffers", "A Z M D CV G WT grad Tb ids NX ND NS")
Optim = namedtuple("Optim", "opt hyp momentum velocity m1 m2 step")
Data = namedtuple("Data", "x t labels")
Rates = namedtuple("Rates", "etas decays l1s")


@njit(cache=True)
def _parts(n, t, nt):
    """Part t of range(n) split into nt contiguous parts."""
    return n * t // nt, n * (t + 1) // nt


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
