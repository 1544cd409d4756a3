"""A network: its layer plan, its parameters, the book's initialisers, saving and loading.

Layer l = 1..L has weights and biases that are views into one flat parameter
array (see :mod:`nnsci.engine.plan` for the layout), so a backend moves one
array to its device and back. A dense layer's W^l has shape (n_l, n_{l-1}) and
b^l shape (n_l,), exactly network2.py's ``weights[l-1]`` and ``biases[l-1]``
(without the trailing 1 of its column vectors); a ConvPool layer's W has shape
(maps, channels, k, k), in Theano's stored orientation, and b shape (maps,).

A normalised layer (``norm: batch|layer``) also has gamma and beta, one per unit (maps of a
conv layer), after its biases in the flat array; batch normalisation's running mean and
variance are not parameters but state (``Network.state``, the network's dtype, layer after
layer: mean, then variance), which training moves and evaluation reads. Saved as gamma{l},
beta{l}, running_mean{l}, running_var{l} beside W{l}, b{l}."""

from __future__ import annotations

import numpy as np

from ..errors import NnsciError
from .functions import COSTS
from .compile_spec import compile_net, plan_from_json
from .plan import Plan

INITIALISERS = ("default", "large", "glorot", "he", "zeros", "network3")


class Network:
    """Build from the compact form (``Network([784, 30, 10], hidden, output, cost, dtype, dropout)``),
    the per-layer form (a mapping with ``input`` and ``layers``) or a compiled :class:`Plan`."""

    def __init__(self, net, hidden="sigmoid", output="sigmoid", cost="cross_entropy",
                 dtype="float32", dropout=None, dropout_mask="per_layer", run_id=None):
        plan = compile_net(net, hidden=hidden, output=output, cost=cost, dtype=dtype, dropout=dropout,
                           run_id=run_id, dropout_mask=dropout_mask)
        self._setup(plan)

    def _setup(self, plan: Plan):
        self.plan = plan
        self.L = plan.L
        self.dtype = np.dtype(plan.dtype)
        self.sizes = np.array(plan.sizes, dtype=np.int64)
        self.u_off = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.n_params = plan.n_params
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.w_off = np.zeros(self.L + 1, dtype=np.int64)
        self.b_off = np.zeros(self.L + 1, dtype=np.int64)
        # dropout[l]: rate on the input of layer l (see nnsci.engine.rules.dropout_factor); index 0 unused.
        self.dropout = np.zeros(self.L + 1, dtype=np.float64)
        for l, ly in enumerate(plan.layers, start=1):
            self.w_off[l], self.b_off[l] = ly.w_off, ly.b_off
            self.dropout[l] = ly.dropout
        self.table = plan.table()
        # Normalisation: per layer (momentum, eps) for the kernels; the running statistics.
        self.norm_f = np.zeros((self.L + 1, 2), dtype=np.float64)
        for l, ly in enumerate(plan.layers, start=1):
            self.norm_f[l] = ly.norm_momentum, ly.norm_eps
        self.state = np.zeros(plan.n_state, dtype=self.dtype)
        self.reset_norm()
        # The compact form (the book's dense networks): a fact about network2.py's initialisation
        # draw order and about the save format, not about which kernels train the network.
        compact = plan.compact
        self.is_compact = compact is not None
        self.hidden_name = compact[1] if compact else None
        self.output_name = plan.layers[-1].activation
        self.cost_name = plan.cost
        self.cost = COSTS[plan.cost]

    @classmethod
    def from_plan(cls, plan: Plan):
        net = cls.__new__(cls)
        net._setup(plan)
        return net

    @property
    def layers(self):
        return self.plan.layers

    # -- views ---------------------------------------------------------------------------------
    def weights(self, l, of=None):
        """W^l in its shape, a view into the parameters (or into ``of``, a vector of the same layout)."""
        ly = self.plan.layers[l - 1]
        v = self.params if of is None else of
        return v[ly.w_off:ly.w_off + ly.n_weights].reshape(ly.w_shape)

    def biases(self, l, of=None):
        """b^l, a view into the parameters (or into ``of``)."""
        ly = self.plan.layers[l - 1]
        v = self.params if of is None else of
        return v[ly.b_off:ly.b_off + ly.n_biases]

    def norm_layers(self):
        """The layer numbers l (1..L) of the normalised layers."""
        return [l for l, ly in enumerate(self.plan.layers, start=1) if ly.norm]

    def gamma(self, l, of=None):
        """A normalised layer's scale gamma (one per unit or map), a view into the parameters."""
        ly = self.plan.layers[l - 1]
        v = self.params if of is None else of
        return v[ly.g_off:ly.g_off + ly.n_biases]

    def beta(self, l, of=None):
        ly = self.plan.layers[l - 1]
        v = self.params if of is None else of
        return v[ly.g_off + ly.n_biases:ly.g_off + 2 * ly.n_biases]

    def running_mean(self, l):
        """A batch-normalised layer's running mean, a view into ``state``."""
        ly = self.plan.layers[l - 1]
        return self.state[ly.s_off:ly.s_off + ly.n_biases]

    def running_var(self, l):
        ly = self.plan.layers[l - 1]
        return self.state[ly.s_off + ly.n_biases:ly.s_off + 2 * ly.n_biases]

    def reset_norm(self):
        """gamma = 1, beta = 0 and the running statistics at mean 0, variance 1 (PyTorch's start)."""
        for l in self.norm_layers():
            self.gamma(l)[:] = 1
            self.beta(l)[:] = 0
            if self.plan.layers[l - 1].norm == "batch":
                self.running_mean(l)[:] = 0
                self.running_var(l)[:] = 1

    def weight_mask(self):
        """True where the flat parameter array holds a weight (not a bias)."""
        mask = np.zeros(self.n_params, dtype=bool)
        for ly in self.plan.layers:
            mask[ly.w_off:ly.b_off] = True
        return mask

    def sum_squared_weights(self):
        """sum over layers of ||W^l||^2, in float64 (the L2 term of the monitored cost)."""
        return float(sum(np.sum(self.weights(l).astype(np.float64) ** 2) for l in range(1, self.L + 1)))

    def sum_abs_weights(self):
        return float(sum(np.sum(np.abs(self.weights(l).astype(np.float64))) for l in range(1, self.L + 1)))

    # -- initialisers --------------------------------------------------------------------------
    def initialize(self, scheme, normal):
        """Fill the parameters with ``scheme``, drawing standard normals from ``normal(shape)``.

        Schemes:
        - ``default``: W ~ N(0, 1/sqrt(n_in)) (network2's default_weight_initializer), b ~ N(0, 1);
        - ``large``: W, b ~ N(0, 1) (network.py, and network2's large_weight_initializer);
        - ``glorot``: W ~ N(0, sqrt(2/(n_in+n_out))), b = 0;
        - ``he``: W ~ N(0, sqrt(2/n_in)), b = 0;
        - ``zeros``: everything 0;
        Every scheme sets a normalised layer's gamma to 1 and beta to 0 and resets its running
        statistics (nothing drawn, so the draws of W and b do not depend on normalisation).

        - ``network3``: network3.py's layers: W ~ N(0, sqrt(1/n_out)) and b ~ N(0, 1) for fully
          connected and ConvPool layers (a ConvPool's n_out is maps k^2 / pool area), zeros for
          the softmax layer; drawn layer by layer, W (in network3's shape: (n_in, n_out) for a
          fully connected layer) before b.

        For a compact (dense) network the draw order of the first four is network2.py's: all
        biases layer by layer, then all weights layer by layer, each row-major. Other networks draw
        layer by layer, W before b (n_in of a ConvPool layer: channels k^2)."""
        if scheme not in INITIALISERS:
            raise NnsciError(f"unknown initialiser {scheme!r}; choose one of {', '.join(INITIALISERS)}")
        self._initialize(scheme, normal)
        self.reset_norm()

    def _initialize(self, scheme, normal):
        if scheme == "zeros":
            self.params[:] = 0
            return
        if scheme == "network3":
            for l, ly in enumerate(self.plan.layers, start=1):
                if ly.kind == "softmax":
                    self.weights(l)[:] = 0
                    self.biases(l)[:] = 0
                    continue
                sd = np.sqrt(1.0 / ly.fan_out)
                if ly.kind == "dense":
                    w = np.asarray(normal((ly.n_in, ly.n_out)), dtype=np.float64).T * sd
                else:
                    w = np.asarray(normal(ly.w_shape), dtype=np.float64) * sd
                self.weights(l)[:] = w
                self.biases(l)[:] = np.asarray(normal((ly.n_biases,)), dtype=np.float64)
            return
        draw_biases = scheme in ("default", "large")
        if self.is_compact:
            sizes = [int(s) for s in self.sizes]
            biases = [np.asarray(normal((y, 1)), dtype=np.float64) if draw_biases else np.zeros((y, 1))
                      for y in sizes[1:]]
            weights = [np.asarray(normal((y, x)), dtype=np.float64) for x, y in zip(sizes[:-1], sizes[1:])]
            pairs = [(w, b[:, 0]) for w, b in zip(weights, biases)]
        else:
            pairs = []
            for ly in self.plan.layers:
                w = np.asarray(normal(ly.w_shape), dtype=np.float64)
                b = np.asarray(normal((ly.n_biases,)), dtype=np.float64) if draw_biases else np.zeros(ly.n_biases)
                pairs.append((w, b))
        for l, (w, b) in enumerate(pairs, start=1):
            ly = self.plan.layers[l - 1]
            x = int(np.prod(ly.w_shape[1:]))
            y = ly.n_biases
            if scheme == "default":
                w = w / np.sqrt(x)
            elif scheme == "glorot":
                w = w * np.sqrt(2.0 / (x + y))
            elif scheme == "he":
                w = w * np.sqrt(2.0 / x)
            self.weights(l)[:] = w
            self.biases(l)[:] = b

    def copy(self):
        other = Network.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.params = self.params.copy()
        other.dropout = self.dropout.copy()
        other.state = self.state.copy()
        return other

    # -- saving and loading --------------------------------------------------------------------
    def save(self, path, **extra):
        """Weights as npz (no pickle): W1, b1, ... plus the architecture (the compact form's
        sizes/hidden/output/cost, or the plan as JSON for other networks)."""
        from ..io import save_npz

        arrays = {f"W{l}": self.weights(l) for l in range(1, self.L + 1)}
        arrays.update({f"b{l}": self.biases(l) for l in range(1, self.L + 1)})
        for l in self.norm_layers():   # (nothing for a network without normalisation: its bytes stay)
            arrays.update({f"gamma{l}": self.gamma(l), f"beta{l}": self.beta(l)})
            if self.plan.layers[l - 1].norm == "batch":
                arrays.update({f"running_mean{l}": self.running_mean(l), f"running_var{l}": self.running_var(l)})
        if self.is_compact:
            arrays.update(sizes=self.sizes, hidden=np.array(self.hidden_name), output=np.array(self.output_name),
                          cost=np.array(self.cost_name))
        else:
            arrays.update(plan=np.array(self.plan.to_json()), cost=np.array(self.cost_name))
        arrays.update(extra)
        save_npz(path, **arrays)

    def load_arrays(self, z, what="weights"):
        """Copy W1, b1, ... (and a normalised layer's gamma, beta and running statistics) of a
        loaded npz (a mapping of arrays) into the parameters and state, checking shapes."""
        for l in range(1, self.L + 1):
            views = [(f"W{l}", self.weights(l)), (f"b{l}", self.biases(l))]
            norm = self.plan.layers[l - 1].norm
            if norm:
                views += [(f"gamma{l}", self.gamma(l)), (f"beta{l}", self.beta(l))]
            if norm == "batch":
                views += [(f"running_mean{l}", self.running_mean(l)), (f"running_var{l}", self.running_var(l))]
            for name, view in views:
                if name not in z:
                    raise NnsciError(f"{what}: no array {name}")
                a = np.asarray(z[name])
                if a.shape != view.shape:
                    raise NnsciError(f"{what}: {name} has shape {a.shape}, the network expects {view.shape}")
                view[:] = a


def network_from_spec(spec: dict, run_id=None) -> Network:
    """The (uninitialised) network of a resolved run spec."""
    opts = spec.get("options") or {}
    return Network(spec["net"], spec.get("hidden", "sigmoid"), spec.get("output", "sigmoid"),
                   spec.get("cost", "cross_entropy"), spec.get("dtype", "float32"), opts.get("dropout"),
                   dropout_mask=opts.get("dropout_mask", "per_layer"), run_id=run_id or spec.get("id"))


def load_network(path, spec: dict | None = None) -> Network:
    """A trained network from its weights.npz: built from the run's resolved ``spec`` when given
    (which also restores its dropout rates), else from the architecture stored in the file."""
    try:
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        raise NnsciError(f"{path}: not a weights file ({e})") from None
    try:
        if spec is not None:
            net = network_from_spec(spec)
        elif "plan" in arrays:
            net = Network.from_plan(plan_from_json(str(arrays["plan"]), arrays["W1"].dtype.name))
        elif "sizes" in arrays:
            net = Network([int(s) for s in arrays["sizes"]], str(arrays["hidden"]), str(arrays["output"]),
                          str(arrays["cost"]), arrays["W1"].dtype.name)
        else:
            raise NnsciError("no architecture (sizes or plan) in the file")
        net.load_arrays(arrays, str(path))
    except (NnsciError, KeyError) as e:
        raise NnsciError(f"{path}: not a weights file for this network ({e})") from None
    return net
