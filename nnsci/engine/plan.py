"""The layer plan: a network as a list of small layer records over one flat parameter array.

A run spec describes its network in one of two forms, and both compile, in
:func:`compile_net` (:mod:`.compile_spec`), to the same :class:`Plan` (this is the one place that
validates a network):

- the compact form of chapters 1-5, ``net: [784, 30, 10]`` with ``hidden``,
  ``output``, ``cost`` and ``options.dropout`` (one rate per layer);
- the per-layer form that convolutional networks need::

      net:
        input: [1, 28, 28]            # an int (a vector) or [channels, height, width]
        layers:
          - conv: {maps: 20, k: 5, pool: 2, activation: sigmoid}
          - fc: {n: 100, activation: relu, dropout: 0.5}
          - softmax: {n: 10, dropout: 0.5}

Normalisation (beyond the book, issue 15) is a setting of a hidden fc or conv layer, not a
layer kind of its own: ``fc: {n: 30, activation: relu, norm: batch}`` is the modern
Linear -> BatchNorm -> activation block, ``norm: layer`` its LayerNorm form, and
``conv: {..., norm: batch}`` normalises each map after pooling and the bias, before the
activation. (A separate layer would need an identity activation on the layer before it and
would shift every later layer's index, so chapter 5's per-layer gradient probes would count
norm layers as layers.) Optional ``norm_momentum`` (default 0.1) and ``norm_eps`` (default
1e-5) follow PyTorch: see :mod:`nnsci.engine.cpu.norm` for the maths and the running
statistics' convention. A normalised layer has, after its weights and biases, a scale gamma
and a shift beta per feature (per unit of an fc layer, per map of a conv layer) in the flat
parameter array; batch normalisation's running mean and variance are state, not parameters
(``Network.state``; :attr:`Layer.s_off`).

Kinds (network3.py's layers; docs/fidelity.md):

- ``dense`` (``fc``): z = W a + b, W of shape (n_out, n_in) as network2.py
  stores it (network3.py stores its transpose), then the layer's activation;
- ``convpool`` (``conv``): a "valid" convolution, stride 1, of the (C, H, W)
  input with ``maps`` filters of shape (C, k, k), then ``pool`` x ``pool``
  max-pooling, then one bias per map, then the activation. We compute a TRUE
  convolution, as Theano's ``conv2d`` does (it flips the kernel):
  ``conv[f, y, x] = sum_{c,u,v} in[c, y + u, x + v] * W[f, c, k-1-u, k-1-v]``,
  so filters are stored in the orientation Theano stores them and their images
  match the book's;
- ``softmax``: a dense layer with the softmax activation (the last layer only).

Dropout is a rate on a layer's INPUT (network3.py: on the input of fully
connected and softmax layers, never of a ConvPool layer); see
:func:`nnsci.engine.rules.dropout_factor` for the two conventions
(p > 0 network3's, p < 0 inverted). Masks are counter-based draws of (seed,
epoch, example, mask key, unit). Each layer's mask key is its own index, so
every layer draws its own mask; ``dropout_mask: shared`` gives every layer the
key 0, which reproduces network3.py's behaviour (it seeds a fresh
RandomStreams identically for every layer, so layers whose inputs have the
same shape get the same mask).

Parameters are stored layer after layer, the weights of a layer and then its
biases, exactly the layout of the dense engine of chapters 1-5."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from .functions import ACTIVATIONS

DENSE, CONVPOOL, SOFTMAX_LAYER = 0, 1, 2
KIND_CODES = {"dense": DENSE, "convpool": CONVPOOL, "softmax": SOFTMAX_LAYER}
SPEC_KINDS = {"fc": "dense", "conv": "convpool", "softmax": "softmax"}
NORM_KEYS = {"norm", "norm_momentum", "norm_eps"}
LAYER_KEYS = {"fc": {"n", "activation", "dropout"} | NORM_KEYS, "conv": {"maps", "k", "pool", "activation"} | NORM_KEYS,
              "softmax": {"n", "dropout"} | NORM_KEYS}   # (norm on softmax: a clear error in _check_norm)
NO_NORM, BATCH_NORM, LAYER_NORM = 0, 1, 2
NORM_CODES = {"": NO_NORM, "batch": BATCH_NORM, "layer": LAYER_NORM}
NORM_MOMENTUM, NORM_EPS = 0.1, 1e-5
DROPOUT_MASKS = ("per_layer", "shared")

# Columns of the integer layer table the kernels walk (one row per layer, row 0 unused).
(F_KIND, F_ACT, F_C, F_H, F_W, F_MAPS, F_K, F_POOL, F_HC, F_WC, F_HP, F_WP, F_KEY, F_COFF,
 F_WOFF, F_BOFF, F_NW, F_NB, F_NORM, F_GOFF, F_SOFF, F_NOFF) = range(22)
N_FIELDS = 22
# F_NORM: NO_NORM, BATCH_NORM or LAYER_NORM; F_GOFF: offset of gamma (F_NB values, then beta's F_NB);
# F_SOFF: offset of the running mean (F_NB values, then the running variance) in the state array;
# F_NOFF: per example, offset of the layer's normalised values (and their gradients) in the norm buffers.


@dataclass(frozen=True)
class Layer:
    """One layer: its kind, shapes, activation, dropout on its input and parameter offsets."""

    kind: str                 # dense | convpool | softmax
    in_shape: tuple           # (n,) or (channels, height, width)
    out_shape: tuple          # (n,) or (maps, pooled height, pooled width)
    activation: str
    dropout: float            # rate on the input (0: none)
    w_shape: tuple
    w_off: int
    b_off: int
    k: int = 0
    pool: int = 0
    mask_key: int = 0
    norm: str = ""            # "" | batch | layer
    norm_momentum: float = NORM_MOMENTUM
    norm_eps: float = NORM_EPS
    g_off: int = 0            # gamma (n_biases), then beta (n_biases), when norm
    s_off: int = 0            # batch norm: running mean (n_biases), then running variance, in the state

    @property
    def n_norm_params(self):
        return 2 * self.n_biases if self.norm else 0

    @property
    def n_state(self):
        return 2 * self.n_biases if self.norm == "batch" else 0

    @property
    def n_in(self):
        return int(np.prod(self.in_shape))

    @property
    def n_out(self):
        return int(np.prod(self.out_shape))

    @property
    def n_weights(self):
        return int(np.prod(self.w_shape))

    @property
    def n_biases(self):
        return int(self.out_shape[0])

    @property
    def conv_shape(self):
        """(maps, height, width) of the convolution before pooling (ConvPool layers)."""
        c, h, w = self.in_shape
        return (self.w_shape[0], h - self.k + 1, w - self.k + 1)

    @property
    def fan_out(self):
        """network3's n_out of the initialiser: maps k^2 / pool area for ConvPool, n for the others."""
        if self.kind == "convpool":
            return self.w_shape[0] * self.k * self.k / (self.pool * self.pool)
        return self.n_out

    def describe(self):
        norm = f" {self.norm}norm" if self.norm else ""
        if self.kind == "convpool":
            return (f"conv {self.w_shape[0]}x{self.k}x{self.k} pool {self.pool}{norm} {self.activation} "
                    f"{self.in_shape}->{self.out_shape}")
        return f"{self.kind} {self.n_in}->{self.n_out}{norm} {self.activation}" + (
            f" dropout {self.dropout:g}" if self.dropout else "")

    def norm_spec(self):
        """The spec keys of this layer's normalisation ({} without one, so that the plans of the
        book's networks keep their JSON)."""
        if not self.norm:
            return {}
        return {"norm": self.norm, "norm_momentum": self.norm_momentum, "norm_eps": self.norm_eps}


@dataclass(frozen=True)
class Plan:
    """A network: input shape, layers, cost, dtype and the size of its flat parameter array."""

    input_shape: tuple
    layers: tuple
    cost: str
    dtype: str
    n_params: int
    dropout_mask: str = "per_layer"
    hidden: str = "sigmoid"   # the compact form's hidden activation (recorded even without hidden layers)
    n_state: int = 0          # batch normalisation's running statistics (Network.state)

    @property
    def L(self):
        return len(self.layers)

    @property
    def sizes(self):
        """Units per layer, flattened, the input first (the dense engine's ``sizes``)."""
        return [int(np.prod(self.input_shape))] + [ly.n_out for ly in self.layers]

    @property
    def compact(self):
        """The compact form's (sizes, hidden, output) when this plan has one, else None: only
        dense layers (softmax last), one hidden activation, masks per layer."""
        if self.dropout_mask != "per_layer" or len(self.input_shape) != 1:
            return None
        if any(ly.kind == "convpool" or ly.norm for ly in self.layers):
            return None
        hidden = {ly.activation for ly in self.layers[:-1]}
        if len(hidden) > 1:
            return None
        out = self.layers[-1].activation
        return self.sizes, (hidden.pop() if hidden else self.hidden), out

    def table(self):
        """The int64 layer table the generic kernels walk (row l = layer l, row 0 unused)."""
        t = np.zeros((self.L + 1, N_FIELDS), dtype=np.int64)
        coff = noff = 0
        for l, ly in enumerate(self.layers, start=1):
            t[l, F_NORM] = NORM_CODES[ly.norm]
            t[l, F_GOFF], t[l, F_SOFF], t[l, F_NOFF] = ly.g_off, ly.s_off, noff
            if ly.norm:
                noff += ly.n_out
            t[l, F_KIND] = KIND_CODES[ly.kind]
            t[l, F_ACT] = ACTIVATIONS[ly.activation]
            t[l, F_KEY] = ly.mask_key
            t[l, F_WOFF], t[l, F_BOFF] = ly.w_off, ly.b_off
            t[l, F_NW], t[l, F_NB] = ly.n_weights, ly.n_biases
            if ly.kind == "convpool":
                c, h, w = ly.in_shape
                maps, hc, wc = ly.conv_shape
                t[l, F_C], t[l, F_H], t[l, F_W] = c, h, w
                t[l, F_MAPS], t[l, F_K], t[l, F_POOL] = maps, ly.k, ly.pool
                t[l, F_HC], t[l, F_WC] = hc, wc
                t[l, F_HP], t[l, F_WP] = ly.out_shape[1], ly.out_shape[2]
                t[l, F_COFF] = coff
                coff += maps * hc * wc + hc * wc * c * ly.k * ly.k   # the convolution, then the patches
            else:
                t[l, F_C], t[l, F_MAPS] = ly.n_in, ly.n_out
        return t

    def conv_units(self):
        """Per example: the size of the ConvPool layers' buffers (pre-pooling convolution and patches)."""
        return sum(int(np.prod(ly.conv_shape)) + ly.conv_shape[1] * ly.conv_shape[2] * ly.in_shape[0] * ly.k ** 2
                   for ly in self.layers if ly.kind == "convpool")

    def norm_units(self):
        """Per example: the size of the normalised layers' buffers (their units)."""
        return sum(ly.n_out for ly in self.layers if ly.norm)

    @property
    def has_batch_norm(self):
        return any(ly.norm == "batch" for ly in self.layers)

    def to_spec(self):
        """The per-layer form of this plan (a JSON-able mapping that compiles back to it)."""
        layers = []
        for ly in self.layers:
            if ly.kind == "convpool":
                layers.append({"conv": {"maps": ly.w_shape[0], "k": ly.k, "pool": ly.pool,
                                        "activation": ly.activation, **ly.norm_spec()}})
            elif ly.kind == "dense":
                layers.append({"fc": {"n": ly.n_out, "activation": ly.activation, "dropout": ly.dropout,
                                      **ly.norm_spec()}})
            else:
                layers.append({"softmax": {"n": ly.n_out, "dropout": ly.dropout}})
        inp = list(self.input_shape) if len(self.input_shape) > 1 else self.input_shape[0]
        return {"input": inp, "layers": layers, "cost": self.cost, "dropout_mask": self.dropout_mask}

    def to_json(self):
        return json.dumps(self.to_spec(), sort_keys=True)

    def describe(self):
        return "; ".join(ly.describe() for ly in self.layers)


def layer_dict(ly: Layer) -> dict:
    return asdict(ly)

