"""A fully-connected network: its layout, its parameters and the book's initialisers.

Layer l = 1..L has weights W^l of shape (n_l, n_{l-1}) and biases b^l of
shape (n_l,), exactly network2.py's ``weights[l-1]`` and ``biases[l-1]``
(without the trailing 1 of its column vectors). They are views into one flat
parameter array, so a backend moves one array to its device and back."""

from __future__ import annotations

import numpy as np

from ..errors import NnsciError
from .functions import activation_code, cost_code

INITIALISERS = ("default", "large", "glorot", "he", "zeros")


class Network:
    def __init__(self, sizes, hidden="sigmoid", output="sigmoid", cost="cross_entropy",
                 dtype="float32", dropout=None):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise NnsciError(f"a network needs at least an input and an output layer of positive "
                             f"sizes, got {sizes}")
        if dtype not in ("float32", "float64"):
            raise NnsciError(f"dtype must be float32 or float64, not {dtype!r}")
        self.sizes = np.array(sizes, dtype=np.int64)
        self.L = len(sizes) - 1
        self.hidden_name, self.output_name, self.cost_name = hidden, output, cost
        self.hidden = activation_code(hidden)
        self.output = activation_code(output, output=True)
        self.cost = cost_code(cost, output)
        self.dtype = np.dtype(dtype)
        # Flat layout: [W^1, b^1, W^2, b^2, ...].
        self.w_off = np.zeros(self.L + 1, dtype=np.int64)
        self.b_off = np.zeros(self.L + 1, dtype=np.int64)
        pos = 0
        for l in range(1, self.L + 1):
            self.w_off[l] = pos
            pos += sizes[l] * sizes[l - 1]
            self.b_off[l] = pos
            pos += sizes[l]
        self.n_params = pos
        self.params = np.zeros(pos, dtype=self.dtype)
        # Unit offsets: layer l's activations start at u_off[l] (times the batch size).
        self.u_off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # dropout[l]: probability of dropping each input unit of layer l (see kernels.dropout_factor).
        self.dropout = np.zeros(self.L + 1, dtype=np.float64)
        if dropout is not None:
            d = [float(p) for p in dropout]
            if len(d) != self.L or any(not -1.0 < p < 1.0 for p in d):
                raise NnsciError(f"dropout must give one rate in (-1, 1) per layer ({self.L}), got {dropout}")
            self.dropout[1:] = d

    # -- views ---------------------------------------------------------------------------------
    def weights(self, l):
        """W^l, shape (n_l, n_{l-1}), a view into the parameters (l = 1..L)."""
        o = self.w_off[l]
        return self.params[o:o + self.sizes[l] * self.sizes[l - 1]].reshape(self.sizes[l], self.sizes[l - 1])

    def biases(self, l):
        """b^l, shape (n_l,), a view into the parameters."""
        o = self.b_off[l]
        return self.params[o:o + self.sizes[l]]

    def weight_mask(self):
        """True where the flat parameter array holds a weight (not a bias)."""
        mask = np.zeros(self.n_params, dtype=bool)
        for l in range(1, self.L + 1):
            mask[self.w_off[l]:self.b_off[l]] = True
        return mask

    def sum_squared_weights(self):
        """sum over layers of ||W^l||^2, in float64 (the L2 term of the monitored cost)."""
        return float(sum(np.sum(self.weights(l).astype(np.float64) ** 2) for l in range(1, self.L + 1)))

    def sum_abs_weights(self):
        return float(sum(np.sum(np.abs(self.weights(l).astype(np.float64))) for l in range(1, self.L + 1)))

    # -- initialisers --------------------------------------------------------------------------
    def initialize(self, scheme, normal):
        """Fill the parameters with ``scheme``, drawing standard normals from ``normal(shape)``.

        The draw order is network2.py's: all biases layer by layer, then all
        weights layer by layer, each row-major. Schemes:
        - ``default``: W ~ N(0, 1/sqrt(n_in)) (network2's default_weight_initializer), b ~ N(0, 1);
        - ``large``: W, b ~ N(0, 1) (network.py, and network2's large_weight_initializer);
        - ``glorot``: W ~ N(0, sqrt(2/(n_in+n_out))), b = 0;
        - ``he``: W ~ N(0, sqrt(2/n_in)), b = 0;
        - ``zeros``: everything 0 (network3's softmax layer)."""
        if scheme not in INITIALISERS:
            raise NnsciError(f"unknown initialiser {scheme!r}; choose one of {', '.join(INITIALISERS)}")
        sizes = [int(s) for s in self.sizes]
        if scheme == "zeros":
            self.params[:] = 0
            return
        draw_biases = scheme in ("default", "large")
        biases = [np.asarray(normal((y, 1)), dtype=np.float64) if draw_biases else np.zeros((y, 1))
                  for y in sizes[1:]]
        weights = [np.asarray(normal((y, x)), dtype=np.float64) for x, y in zip(sizes[:-1], sizes[1:])]
        for l, (b, w) in enumerate(zip(biases, weights), start=1):
            x, y = sizes[l - 1], sizes[l]
            if scheme == "default":
                w = w / np.sqrt(x)
            elif scheme == "glorot":
                w = w * np.sqrt(2.0 / (x + y))
            elif scheme == "he":
                w = w * np.sqrt(2.0 / x)
            self.weights(l)[:] = w
            self.biases(l)[:] = b[:, 0]

    def copy(self):
        other = Network.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.params = self.params.copy()
        other.dropout = self.dropout.copy()
        return other

    def save(self, path, **extra):
        """Weights as npz (no pickle): W1, b1, ... plus the architecture."""
        from ..io import save_npz

        arrays = {f"W{l}": self.weights(l) for l in range(1, self.L + 1)}
        arrays.update({f"b{l}": self.biases(l) for l in range(1, self.L + 1)})
        arrays.update(sizes=self.sizes, hidden=np.array(self.hidden_name), output=np.array(self.output_name),
                      cost=np.array(self.cost_name))
        arrays.update(extra)
        save_npz(path, **arrays)
