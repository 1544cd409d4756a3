"""Normalisation layers (issue 15): BatchNorm on fc units and per conv map, LayerNorm on fc units.

Expected values come from finite differences (float64, in training mode with batch statistics
and in evaluation mode with running statistics), from a plain numpy forward pass written here
(independently of the kernels), from the running statistics' formula (PyTorch's convention),
and from runs: save/load, checkpoint resume, 1 and 2 threads. Tiny float64 nets throughout, so
CI compiles the plan kernels for one dtype."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numpy_convnet as ref
from nnsci.engine import Dataset, Network, Options, OurStreams, evaluate, feedforward, gradient, sgd
from nnsci.engine.network import load_network
from nnsci.engine.compile_spec import compile_net
from nnsci.errors import NnsciError

FC_BN = {"input": 6, "layers": [{"fc": {"n": 5, "activation": "tanh", "norm": "batch"}},
                                {"fc": {"n": 4, "activation": "sigmoid", "norm": "batch", "norm_momentum": 0.3}},
                                {"softmax": {"n": 3}}]}
FC_LN = {"input": 6, "layers": [{"fc": {"n": 5, "activation": "relu", "norm": "layer"}},
                                {"fc": {"n": 4, "activation": "tanh", "norm": "layer", "norm_eps": 1e-3}},
                                {"softmax": {"n": 3}}]}
CONV_BN = {"input": [1, 6, 6],
           "layers": [{"conv": {"maps": 2, "k": 3, "pool": 2, "activation": "tanh", "norm": "batch"}},
                      {"fc": {"n": 4, "activation": "sigmoid", "norm": "batch"}},
                      {"softmax": {"n": 3}}]}
NETS = {"fc_batch": FC_BN, "fc_layer": FC_LN, "conv_batch": CONV_BN}


def random_data(n, n_in, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return Dataset.classification(rng.normal(size=(n, n_in)), rng.integers(0, n_out, n), n_out, "float64")


def make_net(spec, seed=1):
    """A float64 net with random W, b, gamma, beta and running statistics (so that nothing is 0 or 1)."""
    net = Network(spec, cost="log_likelihood", dtype="float64")
    rng = np.random.default_rng(seed)
    net.params[:] = rng.normal(size=net.n_params) * 0.7
    for l in net.norm_layers():
        net.gamma(l)[:] = rng.uniform(0.5, 1.5, size=net.gamma(l).shape)
        if net.layers[l - 1].norm == "batch":
            net.running_mean(l)[:] = rng.normal(size=net.running_mean(l).shape) * 0.5
            net.running_var(l)[:] = rng.uniform(0.3, 2.0, size=net.running_var(l).shape)
    return net


# -- an independent numpy forward pass -------------------------------------------------------------

def np_norm(z, ly, net, l, mode):
    """z: (n, F) for fc or (n, F, h, w) for conv; mode: batch | running."""
    shape = (1, -1) + (1,) * (z.ndim - 2)
    g, b = net.gamma(l).reshape(shape), net.beta(l).reshape(shape)
    if ly.norm == "layer":
        axes = tuple(range(1, z.ndim))
        mu, var = z.mean(axis=axes, keepdims=True), z.var(axis=axes, keepdims=True)
    elif mode == "batch":
        axes = (0,) + tuple(range(2, z.ndim))
        mu, var = z.mean(axis=axes, keepdims=True), z.var(axis=axes, keepdims=True)
    else:
        mu, var = net.running_mean(l).reshape(shape), net.running_var(l).reshape(shape)
    return g * (z - mu) / np.sqrt(var + ly.norm_eps) + b, mu, var


def np_forward(net, x, mode, record=None):
    """Output probabilities of ``net`` for the rows of x; ``record`` collects (layer, z before
    normalisation) for the running-statistics test."""
    a = x.reshape((len(x),) + net.plan.input_shape)
    for l, ly in enumerate(net.layers, start=1):
        W, b = net.weights(l), net.biases(l)
        if ly.kind == "convpool":
            cv, _ = ref.conv_valid(a, W)
            z = ref.maxpool(cv, ly.pool) + b[None, :, None, None]
        else:
            a = a.reshape(len(a), -1)
            z = a @ W.T + b
        if record is not None:
            record.append((l, z.copy()))
        if ly.norm:
            z, _, _ = np_norm(z, ly, net, l, mode)
        if ly.kind == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = ref.act(z, ly.activation)
    return a


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("mode", ["batch", "running"])
def test_forward_matches_numpy(name, mode):
    net = make_net(NETS[name])
    data = random_data(12, net.sizes[0])
    out = feedforward(net, data.x, chunk=12, norm=mode)
    np.testing.assert_allclose(out, np_forward(net, data.x, mode), rtol=1e-12, atol=1e-13)


def test_batch_statistics_are_each_chunks_own():
    net = make_net(FC_BN)
    data = random_data(12, 6)
    out = feedforward(net, data.x, chunk=4, norm="batch")
    for c in range(3):
        rows = slice(4 * c, 4 * c + 4)
        np.testing.assert_allclose(out[rows], np_forward(net, data.x[rows], "batch"), rtol=1e-12, atol=1e-13)


# -- gradients against finite differences ----------------------------------------------------------

@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("mode", ["batch", "running"])
def test_gradient_matches_finite_differences(name, mode):
    """Every parameter (W, b, gamma, beta) in the mean cost of 8 examples normalised together
    (batch statistics: the cost couples the examples) or by the running statistics."""
    net = make_net(NETS[name])
    n = 8
    data = random_data(n, net.sizes[0], seed=2)
    g = gradient(net, data, batch=n, norm=mode)
    h = 1e-6
    num = np.zeros(net.n_params)
    for i in range(net.n_params):
        old = net.params[i]
        net.params[i] = old + h
        cp, _ = evaluate(net, data, norm=mode, chunk=n)
        net.params[i] = old - h
        cm, _ = evaluate(net, data, norm=mode, chunk=n)
        net.params[i] = old
        num[i] = (cp - cm) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)
    for l in net.norm_layers():   # gamma and beta have gradients (a dead relu unit's are 0)
        assert np.any(net.gamma(l, of=g) != 0) and np.any(net.beta(l, of=g) != 0)


def test_gradient_leaves_running_statistics_alone():
    net = make_net(CONV_BN)
    before = net.state.copy()
    gradient(net, random_data(10, 36), batch=5, norm="batch")
    np.testing.assert_array_equal(net.state, before)


# -- training: running statistics, the update -------------------------------------------------------

@pytest.mark.parametrize("name", ["fc_batch", "conv_batch"])
def test_running_statistics_follow_the_formula(name):
    """eta = 0 keeps the parameters, so every mini-batch's statistics come from numpy: after each
    batch running = (1 - mom) running + mom batch, the variance unbiased (PyTorch's convention).
    25 examples in batches of 10, 10 and 5, in a fixed order, for two epochs."""
    net = Network(NETS[name], cost="log_likelihood", dtype="float64")
    net.initialize("glorot", OurStreams(np.random.SeedSequence(3)).normal)
    data = random_data(25, net.sizes[0], seed=4)
    expected = {l: (np.zeros(ly.n_biases), np.ones(ly.n_biases)) for l, ly in enumerate(net.layers, start=1)
                if ly.norm == "batch"}
    for _ in range(2):
        for start in (0, 10, 20):
            rows = data.x[start:start + 10]
            record = []
            np_forward(net, rows, "batch", record)
            for l, z in record:
                if l not in expected:
                    continue
                mom = net.layers[l - 1].norm_momentum
                axes = (0,) + tuple(range(2, z.ndim))
                count = z.size // z.shape[1]
                mu, var = z.mean(axis=axes), z.var(axis=axes) * count / (count - 1)
                rm, rv = expected[l]
                expected[l] = ((1 - mom) * rm + mom * mu, (1 - mom) * rv + mom * var)
    sgd(net, data, 2, 10, 0.0, OurStreams(np.random.SeedSequence(5)), options=Options(shuffle=False))
    for l, (rm, rv) in expected.items():
        np.testing.assert_allclose(net.running_mean(l), rm, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(net.running_var(l), rv, rtol=1e-12, atol=1e-14)


def test_gamma_and_beta_take_the_gradient_step_without_l2():
    """One mini-batch of SGD with a large lambda: W decays, gamma and beta (like b) only step."""
    net = make_net(FC_BN)
    data = random_data(10, 6, seed=6)
    g = gradient(net, data, batch=10, norm="batch")
    before = net.params.copy()
    eta, lmbda = 0.5, 5.0
    sgd(net, data, 1, 10, eta, OurStreams(np.random.SeedSequence(1)), options=Options(lmbda=lmbda, shuffle=False))
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(net.weights(l), (1 - eta * lmbda / 10) * net.weights(l, of=before)
                                   - eta * net.weights(l, of=g), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(net.biases(l), net.biases(l, of=before) - eta * net.biases(l, of=g), rtol=1e-10)
    for l in net.norm_layers():
        np.testing.assert_allclose(net.gamma(l), net.gamma(l, of=before) - eta * net.gamma(l, of=g), rtol=1e-10)
        np.testing.assert_allclose(net.beta(l), net.beta(l, of=before) - eta * net.beta(l, of=g), rtol=1e-10)


def train_small(spec, epochs, checkpoint=None, seed=3):
    data = random_data(40, compile_net(spec, cost="log_likelihood").sizes[0], seed=7)
    net = Network(spec, cost="log_likelihood", dtype="float64")
    st = OurStreams(np.random.SeedSequence(seed))
    net.initialize("he", st.normal)
    h = sgd(net, data, epochs, 8, 0.1, st, evaluation=data,
            options=Options(momentum=0.5, lmbda=0.1, monitors=("evaluation_accuracy", "training_cost")),
            checkpoint=checkpoint, checkpoint_key="k")
    return net, h


def test_initialise_sets_gamma_beta_and_running_statistics():
    net, _ = train_small(CONV_BN, 1)
    net.initialize("network3", OurStreams(np.random.SeedSequence(0)).normal)
    for l in net.norm_layers():
        assert np.all(net.gamma(l) == 1) and np.all(net.beta(l) == 0)
        assert np.all(net.running_mean(l) == 0) and np.all(net.running_var(l) == 1)


def test_save_and_load_keep_gamma_beta_and_running_statistics(tmp_path):
    net, _ = train_small(CONV_BN, 2)
    assert np.any(net.state != np.array([0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]))
    net.save(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as z:
        assert {"gamma1", "beta1", "running_mean1", "running_var1", "gamma2", "running_var2"} <= set(z.files)
    back = load_network(tmp_path / "w.npz")
    np.testing.assert_array_equal(back.params, net.params)
    np.testing.assert_array_equal(back.state, net.state)
    assert back.plan == net.plan
    x = random_data(9, 36).x
    np.testing.assert_array_equal(feedforward(back, x), feedforward(net, x))


def test_checkpoint_resume_keeps_running_statistics(tmp_path):
    ck = tmp_path / "c.npz"
    ref_net, href = train_small(CONV_BN, 4)
    train_small(CONV_BN, 2, ck)              # stops after 2 epochs, leaving its checkpoint
    with np.load(ck) as z:
        assert z["norm_state"].shape == ref_net.state.shape
    net, h = train_small(CONV_BN, 4, ck)     # a fresh network (running statistics 0 and 1) picks up at epoch 2
    np.testing.assert_array_equal(net.params, ref_net.params)
    np.testing.assert_array_equal(net.state, ref_net.state)
    assert h.evaluation_accuracy == href.evaluation_accuracy and h.training_cost == href.training_cost


# -- threads ------------------------------------------------------------------------------------------

THREADS_SCRIPT = textwrap.dedent("""
    import hashlib, json, numpy as np
    from nnsci.engine import Dataset, Network, OurStreams, Options, sgd
    rng = np.random.default_rng(0)
    data = Dataset.classification(rng.random((120, 100)), rng.integers(0, 10, 120), 10, "float64")
    spec = {"input": [1, 10, 10], "layers": [
            {"conv": {"maps": 4, "k": 3, "pool": 2, "activation": "relu", "norm": "batch"}},
            {"fc": {"n": 20, "activation": "gelu", "norm": "layer", "dropout": 0.5}},
            {"fc": {"n": 16, "activation": "relu", "norm": "batch", "dropout": -0.2}}, {"softmax": {"n": 10}}]}
    net = Network(spec, cost="log_likelihood", dtype="float64")
    st = OurStreams(np.random.SeedSequence(7))
    net.initialize("he", st.normal)
    h = sgd(net, data, 2, 10, 0.1, st, evaluation=data,
            options=Options(lmbda=0.1, momentum=0.5, monitors=("training_cost", "evaluation_accuracy")))
    import numba
    print(json.dumps({"threads": numba.get_num_threads(), "params": hashlib.sha256(net.params.tobytes()).hexdigest(),
                      "state": hashlib.sha256(net.state.tobytes()).hexdigest(),
                      "cost": h.training_cost, "acc": h.evaluation_accuracy}))
""")


def test_normalised_net_is_bit_identical_on_1_and_2_threads():
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        p = subprocess.run([sys.executable, "-c", THREADS_SCRIPT], env=env, capture_output=True, text=True, check=True)
        outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert [o.pop("threads") for o in outs] == [1, 2]
    assert outs[0] == outs[1]


# -- specs ---------------------------------------------------------------------------------------------

def spec_with(layers, cost="log_likelihood"):
    return {"net": {"input": 6, "layers": layers}, "eta": 0.1, "epochs": 1, "train": {"set": "training"},
            "cost": cost}


@pytest.mark.parametrize("layers,message", [
    ([{"fc": {"n": 4, "norm": "batch"}}, {"softmax": {"n": 3, "norm": "batch"}}], "not the output layer"),
    ([{"fc": {"n": 4, "norm": "group"}}, {"softmax": {"n": 3}}], "unknown norm 'group'"),
    ([{"fc": {"n": 4, "norm": None}}, {"softmax": {"n": 3}}], "unknown norm None"),
    ([{"fc": {"n": 4, "norm_momentum": 0.2}}, {"softmax": {"n": 3}}], "norm_momentum without norm"),
    ([{"fc": {"n": 4, "norm": "batch", "norm_momentum": 2}}, {"softmax": {"n": 3}}], "norm_momentum must be"),
    ([{"fc": {"n": 4, "norm": "batch", "norm_eps": 0}}, {"softmax": {"n": 3}}], "norm_eps must be"),
])
def test_bad_norm_specs_give_one_line_errors_naming_the_run(layers, message):
    from nnsci.experiments.spec import validate

    with pytest.raises(NnsciError) as e:
        validate(spec_with(layers), "ch7.badnorm")
    text = str(e.value)
    assert text.startswith("ch7.badnorm: ") and message in text and "\n" not in text, text


def test_layer_norm_on_a_conv_layer_is_refused():
    spec = {"input": [1, 6, 6], "layers": [{"conv": {"maps": 2, "k": 3, "norm": "layer"}}, {"softmax": {"n": 3}}]}
    with pytest.raises(NnsciError, match="r1: .*conv layer takes norm: batch"):
        compile_net(spec, cost="log_likelihood", run_id="r1")


def test_book_plans_are_unchanged_and_normalised_plans_round_trip():
    plain = compile_net({"input": 6, "layers": [{"fc": {"n": 4}}, {"softmax": {"n": 3}}]}, cost="log_likelihood")
    assert "norm" not in plain.to_json() and plain.n_state == 0
    assert compile_net([6, 4, 3]).compact is not None
    p = compile_net(CONV_BN, cost="log_likelihood")
    assert p.compact is None and p.n_state == 2 * 2 + 2 * 4
    assert p.n_params == (2 * 9 + 2 + 4) + (4 * 8 + 4 + 8) + (3 * 4 + 3)
    back = json.loads(p.to_json())
    assert compile_net({"input": back["input"], "layers": back["layers"]}, cost=back["cost"]) == p


def test_cuda_engine_refuses_normalised_plans():
    pytest.importorskip("numba.cuda")
    from nnsci.engine.backends import open_family

    net = Network(FC_BN, cost="log_likelihood", dtype="float64")
    try:
        open_family("cuda", [net], 10)
    except NnsciError as e:
        assert "\n" not in str(e)
        if "no CUDA GPU" in str(e) or "numba-cuda" in str(e):
            pytest.skip(str(e))
        assert "normalisation" in str(e)
    else:
        pytest.fail("engine=cuda accepted a normalised plan")
