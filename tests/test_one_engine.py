"""One CPU engine: the book's dense networks train through the layer plan, byte for byte.

Chapters 1-5's dense networks once ran on drivers of their own (the "compact" kernels); they
now walk the layer plan like every other network. Each case below trains a small dense network
through the public trainer (float32 and float64; dropout, momentum, L1, L2; every optimiser and
schedule; the book's random streams) with every monitor and a gradient-norm probe, and hashes
every byte of the weights, the optimiser's state and the History. The stored hashes are the old
compact drivers' results (measured on them, and equal to the plan path's before they were
deleted), so a change to the plan kernels that moves one bit of a dense run fails here."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nnsci.engine import Dataset, Network, NielsenStreams, Options, OurStreams, sgd

CASES = {   # name -> (dtype, hidden, output, cost, dropout, options, streams)
    "f32_sigmoid": ("float32", "sigmoid", "sigmoid", "cross_entropy", None, dict(lmbda=0.5), "ours"),
    "f64_quadratic": ("float64", "sigmoid", "sigmoid", "quadratic", None, dict(), "ours"),
    "f32_momentum_l1": ("float32", "tanh", "sigmoid", "cross_entropy", None,
                        dict(momentum=0.6, l1=0.3, lmbda=0.2), "ours"),
    "f64_l1": ("float64", "relu", "softmax", "log_likelihood", None, dict(l1=0.4), "ours"),
    "f32_dropout": ("float32", "relu", "softmax", "log_likelihood", [0.3, 0.5, 0.2], dict(momentum=0.5), "ours"),
    "f64_inverted_dropout": ("float64", "sigmoid", "sigmoid", "cross_entropy", [0.0, -0.4, -0.25],
                             dict(lmbda=0.1), "ours"),
    "f32_nielsen": ("float32", "sigmoid", "sigmoid", "cross_entropy", None, dict(lmbda=1.0), "nielsen"),
    "f64_nielsen_momentum": ("float64", "tanh", "softmax", "log_likelihood", None, dict(momentum=0.3),
                             "nielsen"),
    "f32_nesterov_step": ("float32", "sigmoid", "softmax", "log_likelihood", None,
                          dict(optimizer="nesterov", momentum=0.8, lmbda=0.3, l1=0.1,
                               schedule={"kind": "step", "every": 2, "gamma": 0.5}), "ours"),
    "f64_adagrad_cosine": ("float64", "relu", "sigmoid", "cross_entropy", None,
                           dict(optimizer="adagrad", eps=1e-6, lmbda=0.2, schedule="cosine"), "ours"),
    "f32_rmsprop_onecycle": ("float32", "tanh", "softmax", "log_likelihood", [0.0, 0.3, 0.0],
                             dict(optimizer="rmsprop", rho=0.8, l1=0.2, schedule="onecycle"), "ours"),
    "f64_adam_warmup": ("float64", "sigmoid", "softmax", "log_likelihood", None,
                        dict(optimizer="adam", beta1=0.8, beta2=0.95, lmbda=0.1,
                             schedule={"kind": "constant", "warmup": 0.5}), "ours"),
    "f32_adamw": ("float32", "relu", "softmax", "log_likelihood", None,
                  dict(optimizer="adamw", weight_decay=0.3), "ours"),
}

# sha256 of each case's bytes (:func:`digest`), measured on the compact drivers at ff378e7.
STORED = {
    "f32_adamw": "d855112271950c723e7d707dea720038264c0a8480069ab26eace10e3ddf1303",
    "f32_dropout": "403291a167a1ab8c6866745c7ad5d96deeea13ffe1149ce7bf320cfd9279e6ef",
    "f32_momentum_l1": "035a1c9ad83357f77981761cdb61eb462fc68dc7baf060dbcb2a4f59f6a172cf",
    "f32_nesterov_step": "92943ae78fd889d4df451a287e6d345b4f5bc3882581dbf0be96e4fc586e1c58",
    "f32_nielsen": "ce2ec3b35d55a90272d8b3a7e8545ec103002d9e990d332b9f1fa0cb10874ceb",
    "f32_rmsprop_onecycle": "c0f68513d005661b72310905a947c8ed8a675b7fde57522222a07366b0f4c234",
    "f32_sigmoid": "0ec987d8e685ef79b6437f344216961f3ca5f4edc445cfc9cc9fe83814141d6b",
    "f64_adagrad_cosine": "133d71b7379c2f2b695431c8606d5b48c3065fa6a432a205af0d5bf5e3c5c593",
    "f64_adam_warmup": "e75183540aedd74b63041f8ed71cc18d21d7f005866590de3a97cb7bf2359eb4",
    "f64_inverted_dropout": "0b869b892ba9a8fd465267469db2a9b390a7bbf4a82e2922159a6adf5f723ba8",
    "f64_l1": "4c62123926156d4710e3bc61a07e0211925d38b48cd812f2c7000c703461ebdd",
    "f64_nielsen_momentum": "bbd4104aeda8fadc1ce598ea3b7f0fa3d9482c5973bce6abc5405ff04f2a9acb",
    "f64_quadratic": "0979c0ab21fa7458679dbda1cf031a11115894cacd747ae75f8bce4cb6240a16",
}

MONITORS = ("training_cost", "training_accuracy", "evaluation_cost", "evaluation_accuracy")


def data(dtype, n, seed):
    rng = np.random.default_rng(seed)
    return Dataset.classification(rng.random((n, 12)), rng.integers(0, 4, n), 4, dtype)


def run(name):
    """Train the case's network for three epochs (mini-batches of 5, a short last one) and return
    the network, its backend state and the History."""
    dtype, hidden, output, cost, dropout, options, streams = CASES[name]
    net = Network([12, 9, 7, 4], hidden, output, cost, dtype, dropout)
    rng = NielsenStreams(7) if streams == "nielsen" else OurStreams(np.random.SeedSequence(7))
    net.initialize("default", rng.normal)
    opts = Options(monitors=MONITORS, probe=data(dtype, 11, 3), **options)
    history = sgd(net, data(dtype, 33, 1), 3, 5, 0.4, rng, evaluation=data(dtype, 17, 2), options=opts)
    return net, history


def digest(net, history):
    h = hashlib.sha256(net.params.tobytes())
    h.update(net.state.tobytes())
    record = history.as_dict()
    for key in sorted(record):
        if key != "seconds":
            h.update(f"{key}={exact(record[key])};".encode())
    return h.hexdigest()


def exact(v):
    """A value's text with every float in hex (every bit), lists and arrays element by element."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ",".join(exact(x) for x in v) + "]"
    if isinstance(v, (float, np.floating)):
        return float(v).hex() + type(v).__name__
    return repr(v)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dense_plan_against_stored_bytes(name):
    net, history = run(name)
    assert digest(net, history) == STORED[name]
