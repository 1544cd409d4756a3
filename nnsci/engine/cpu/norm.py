"""Normalisation kernels: batch normalisation (fc units, or conv maps) and layer normalisation.

A normalised layer (``norm: batch|layer`` on an fc or conv layer, :mod:`nnsci.engine.plan`)
computes its pre-activation z as before (W a + b; for a conv layer the pooled map plus its bias),
then replaces it by

    y = gamma xhat + beta,   xhat = (z - mean) / sqrt(var + eps),

and a = sigma(y). A layer's values are viewed here as (m, F, P): m examples, F features (the
units of an fc layer, the maps of a conv layer) and P positions per feature (1 for fc, the
pooled hp wp positions of a map).

- Batch normalisation, training (batch statistics): mean and var of each feature over the
  mini-batch's m P values, the variance BIASED (divided by m P), as PyTorch normalises.
- Batch normalisation, evaluation: the running mean and variance instead.
- Running statistics (PyTorch's convention, momentum ``mom``, default 0.1), after each
  training mini-batch: ``running = (1 - mom) running + mom batch``, with the batch's UNBIASED
  variance (times m P / (m P - 1); the biased one when m P = 1) in the running variance.
  They start at mean 0, variance 1.
- Layer normalisation: mean and (biased) var of each example over its F units, in training and
  evaluation alike; no running statistics.

Sums run in float64 in a fixed order (examples, then positions; or units), the results rounded
to the network's dtype: xhat is stored (``xh``) in that dtype and y = gamma xhat + beta computed
from it in that dtype. Batch statistics couple the examples of a mini-batch, so a plan with a
batch-normalised layer runs the forward pass and the chain of deltas in one part (see
:mod:`.plan_kernels`); everything else here is per example or per feature.

Backward, given dy = dC/dy (the layer's delta) and dxhat = gamma dy:

- batch statistics: dz = istd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), the means over
  the feature's m P values (the statistics depend on every example);
- running statistics: dz = dxhat / sqrt(running var + eps) (constants);
- layer normalisation: as the first, the means over the example's F units.

dC/dgamma = sum dy xhat and dC/dbeta = sum dy over the mini-batch's examples and positions."""

from __future__ import annotations

import math

from numba import njit

from ..plan import BATCH_NORM
from .kernels import FM

NORM_RUNNING, NORM_BATCH, NORM_TRAIN = 0, 1, 2   # running statistics; batch statistics; and update the running ones


@njit(cache=True, fastmath=FM)
def norm_forward(z, xh, gamma, beta, stats, rmean, rvar, kind, mode, mom, eps, i0, i1):
    """Normalise rows i0:i1 of z (m, F, P) in place (z becomes y), xhat into xh (m, F, P).

    ``stats`` (2, S) float64 keeps what the backward pass needs: per feature (batch statistics)
    or per example (layer normalisation) the mean in row 0 and 1/sqrt(var + eps) in row 1. With
    batch statistics i0:i1 must be every row of the mini-batch; mode NORM_TRAIN also moves the
    running statistics (rmean, rvar)."""
    m, F, P = z.shape
    if kind == BATCH_NORM:
        if mode == NORM_RUNNING:
            for f in range(F):
                istd = 1.0 / math.sqrt(rvar[f] + eps)
                mu = rmean[f]
                for i in range(i0, i1):
                    for p in range(P):
                        xh[i, f, p] = (z[i, f, p] - mu) * istd
                        z[i, f, p] = gamma[f] * xh[i, f, p] + beta[f]
            return
        cnt = (i1 - i0) * P
        for f in range(F):
            s = 0.0
            for i in range(i0, i1):
                for p in range(P):
                    s += z[i, f, p]
            mu = s / cnt
            v = 0.0
            for i in range(i0, i1):
                for p in range(P):
                    d = z[i, f, p] - mu
                    v += d * d
            var = v / cnt
            istd = 1.0 / math.sqrt(var + eps)
            stats[0, f] = mu
            stats[1, f] = istd
            for i in range(i0, i1):
                for p in range(P):
                    xh[i, f, p] = (z[i, f, p] - mu) * istd
                    z[i, f, p] = gamma[f] * xh[i, f, p] + beta[f]
            if mode == NORM_TRAIN:
                unbiased = var * cnt / (cnt - 1) if cnt > 1 else var
                rmean[f] = (1.0 - mom) * rmean[f] + mom * mu
                rvar[f] = (1.0 - mom) * rvar[f] + mom * unbiased
    else:   # layer normalisation: each example over its F P values
        cnt = F * P
        for i in range(i0, i1):
            s = 0.0
            for f in range(F):
                for p in range(P):
                    s += z[i, f, p]
            mu = s / cnt
            v = 0.0
            for f in range(F):
                for p in range(P):
                    d = z[i, f, p] - mu
                    v += d * d
            istd = 1.0 / math.sqrt(v / cnt + eps)
            stats[0, i] = mu
            stats[1, i] = istd
            for f in range(F):
                for p in range(P):
                    xh[i, f, p] = (z[i, f, p] - mu) * istd
                    z[i, f, p] = gamma[f] * xh[i, f, p] + beta[f]


@njit(cache=True, fastmath=FM)
def norm_backward(dy, dz, xh, gamma, stats, rvar, kind, mode, eps, i0, i1):
    """dz = dC/dz (m, F, P) of rows i0:i1 from dy = dC/dy (the module docstring); with batch
    statistics i0:i1 must be every row of the mini-batch."""
    m, F, P = dy.shape
    if kind == BATCH_NORM:
        if mode == NORM_RUNNING:
            for f in range(F):
                scale = gamma[f] / math.sqrt(rvar[f] + eps)
                for i in range(i0, i1):
                    for p in range(P):
                        dz[i, f, p] = dy[i, f, p] * scale
            return
        cnt = (i1 - i0) * P
        for f in range(F):
            g = gamma[f]
            s1 = 0.0
            s2 = 0.0
            for i in range(i0, i1):
                for p in range(P):
                    dx = g * dy[i, f, p]
                    s1 += dx
                    s2 += dx * xh[i, f, p]
            mean1, mean2, istd = s1 / cnt, s2 / cnt, stats[1, f]
            for i in range(i0, i1):
                for p in range(P):
                    dz[i, f, p] = istd * (g * dy[i, f, p] - mean1 - xh[i, f, p] * mean2)
    else:
        cnt = F * P
        for i in range(i0, i1):
            s1 = 0.0
            s2 = 0.0
            for f in range(F):
                for p in range(P):
                    dx = gamma[f] * dy[i, f, p]
                    s1 += dx
                    s2 += dx * xh[i, f, p]
            mean1, mean2, istd = s1 / cnt, s2 / cnt, stats[1, i]
            for f in range(F):
                for p in range(P):
                    dz[i, f, p] = istd * (gamma[f] * dy[i, f, p] - mean1 - xh[i, f, p] * mean2)


@njit(cache=True, fastmath=FM)
def norm_param_grad(dy, xh, g_gamma, g_beta, f0, f1, m):
    """Add the mini-batch's sum of dC/dgamma = dy xhat and dC/dbeta = dy of features f0:f1 into
    g_gamma, g_beta: per example a float64 sum over its positions, examples in order."""
    P = dy.shape[2]
    for f in range(f0, f1):
        for i in range(m):
            s = 0.0
            t = 0.0
            for p in range(P):
                s += dy[i, f, p] * xh[i, f, p]
                t += dy[i, f, p]
            g_gamma[f] += s
            g_beta[f] += t
