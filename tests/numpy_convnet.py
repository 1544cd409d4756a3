"""A plain numpy convolutional network with network3.py's conventions, written independently of
nnsci's kernels (vectorised over the mini-batch, float64).

ConvPool: Theano's conv2d is a true convolution (the kernel flipped), valid, stride 1; then
non-overlapping p x p max-pooling; then a bias per map; then the activation. The gradient of
the max goes to every input equal to its window's maximum (Theano's rule). Fully connected
layers: z = a W^T + b with W of shape (n_out, n_in). Softmax output, log-likelihood cost, L2 as
network3's penalty 0.5 lambda sum ||W||^2 / num_batches over every layer's weights."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def act(z, kind):
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "tanh":
        return np.tanh(z)
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "linear":
        return z
    raise ValueError(kind)


def act_prime(z, kind):
    if kind == "sigmoid":
        s = act(z, kind)
        return s * (1 - s)
    if kind == "tanh":
        return 1 - np.tanh(z) ** 2
    if kind == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


def conv_valid(x, W):
    """True convolution: out[n, f, y, x] = sum_{c,u,v} x[n, c, y+u, x+v] W[f, c, k-1-u, k-1-v]."""
    k = W.shape[2]
    win = sliding_window_view(x, (k, k), axis=(2, 3))            # (n, C, hc, wc, k, k)
    return np.einsum("ncyxuv,fcuv->nfyx", win, W[:, :, ::-1, ::-1]), win


def maxpool(c, p):
    n, f, h, w = c.shape
    return c.reshape(n, f, h // p, p, w // p, p).max(axis=(3, 5))


def unpool(d, p):
    return np.repeat(np.repeat(d, p, axis=2), p, axis=3)


class ConvNet:
    """layers: list of ("conv", maps, k, pool, act) / ("fc", n, act) / ("softmax", n)."""

    def __init__(self, in_shape, layers, params):
        self.in_shape, self.layers, self.params = in_shape, layers, params   # params: [(W, b)] float64

    def forward(self, x):
        """x: (n, C*H*W). Returns the per-layer caches and the output probabilities."""
        a = x.reshape((len(x),) + tuple(self.in_shape))
        caches = []
        for spec, (W, b) in zip(self.layers, self.params):
            if spec[0] == "conv":
                _, maps, k, p, kind = spec
                cv, win = conv_valid(a, W)
                z = maxpool(cv, p) + b[None, :, None, None]
                caches.append((a, cv, win, z))
                a = act(z, kind)
            else:
                a_in = a.reshape(len(a), -1)
                z = a_in @ W.T + b
                caches.append((a_in, z))
                if spec[0] == "softmax":
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    a = e / e.sum(axis=1, keepdims=True)
                else:
                    a = act(z, spec[2])
        return caches, a

    def cost(self, x, y, lmbda=0.0, num_batches=1):
        _, p = self.forward(x)
        c = -np.mean(np.log(p[np.arange(len(y)), y]))
        return c + 0.5 * lmbda * sum(np.sum(W ** 2) for W, _ in self.params) / num_batches

    def grad(self, x, y):
        """Mean over the rows of d(-log p_y)/d(params)."""
        caches, p = self.forward(x)
        n = len(x)
        delta = p.copy()
        delta[np.arange(n), y] -= 1.0
        delta /= n
        grads = [None] * len(self.layers)
        for l in range(len(self.layers) - 1, -1, -1):
            spec, (W, b) = self.layers[l], self.params[l]
            if spec[0] == "conv":
                a_in, cv, win, z = caches[l]
                p_ = spec[3]
                dz = delta.reshape(z.shape)
                pooled = maxpool(cv, p_)
                dcv = (cv == unpool(pooled, p_)) * unpool(dz, p_)
                gW = np.einsum("nfyx,ncyxuv->fcuv", dcv, win)[:, :, ::-1, ::-1]
                gb = dz.sum(axis=(0, 2, 3))
                grads[l] = (gW, gb)
                if l > 0:
                    k = W.shape[2]
                    dx = np.zeros(a_in.shape)
                    hc, wc = cv.shape[2], cv.shape[3]
                    for u in range(k):
                        for v in range(k):
                            dx[:, :, u:u + hc, v:v + wc] += np.einsum("nfyx,fc->ncyx", dcv, W[:, :, k - 1 - u, k - 1 - v])
                    delta = dx
            else:
                a_in, z = caches[l]
                grads[l] = (delta.T @ a_in, delta.sum(axis=0))
                if l > 0:
                    delta = delta @ W
            if l > 0:
                prev = self.layers[l - 1]
                zp = caches[l - 1][-1]
                delta = delta.reshape(zp.shape) * act_prime(zp, prev[-1])
        return grads

    def sgd_epoch(self, x, y, mb, eta, lmbda):
        """network3's SGD: fixed contiguous mini-batches (the short last one dropped), the L2 penalty."""
        nb = len(x) // mb
        for j in range(nb):
            g = self.grad(x[j * mb:(j + 1) * mb], y[j * mb:(j + 1) * mb])
            self.params = [(W - eta * (gW + lmbda * W / nb), b - eta * gb) for (W, b), (gW, gb) in zip(self.params, g)]
