"""The engine against mathematics (finite differences), an independent numpy
network (tests/numpy_reference.py), the book (a worked example, XOR, the
replica pin) and itself across thread counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numpy_reference as ref
from nnsci.engine import Dataset, Network, NielsenStreams, Options, OurStreams, evaluate, feedforward, gradient, sgd
from nnsci.errors import NnsciError

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "silu", "gelu", "linear"]
HEADS = [("sigmoid", "quadratic"), ("sigmoid", "cross_entropy"), ("softmax", "log_likelihood"),
         ("linear", "quadratic"), ("tanh", "quadratic")]


def small_problem(sizes, output, n=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, sizes[0]))
    if output in ("sigmoid", "softmax"):
        labels = rng.integers(0, sizes[-1], size=n)
        return Dataset.classification(x, labels, sizes[-1], "float64")
    return Dataset.regression(x, rng.normal(size=(n, sizes[-1])) * 0.5, "float64")


def make_net(sizes, hidden, output, cost, seed=1, dtype="float64", dropout=None):
    net = Network(sizes, hidden, output, cost, dtype, dropout=dropout)
    net.initialize("default", OurStreams(np.random.SeedSequence(seed)).normal)
    return net


def ref_lists(net):
    Ws = [net.weights(l).astype(np.float64).copy() for l in range(1, net.L + 1)]
    bs = [net.biases(l).astype(np.float64).copy()[:, None] for l in range(1, net.L + 1)]
    return Ws, bs


# -- gradients against finite differences (float64) ----------------------------------------------

@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,cost", HEADS)
def test_gradient_matches_finite_differences(hidden, output, cost):
    sizes = [4, 5, 3, 3]
    net = make_net(sizes, hidden, output, cost)
    data = small_problem(sizes, output)
    g = gradient(net, data)
    h = 1e-6
    num = np.zeros_like(g)
    for i in range(net.n_params):
        old = net.params[i]
        net.params[i] = old + h
        cp, _ = evaluate(net, data)
        net.params[i] = old - h
        cm, _ = evaluate(net, data)
        net.params[i] = old
        num[i] = (cp - cm) / (2 * h)
    err = np.max(np.abs(g - num)) / max(1e-8, np.max(np.abs(num)))
    assert err < 1e-6, f"max relative error {err:.2e}"


def test_l2_and_l1_cost_terms_follow_network2():
    """total_cost adds 0.5 (lambda / len(data)) sum ||W||^2 (biases excluded)."""
    net = make_net([3, 4, 2], "sigmoid", "sigmoid", "cross_entropy")
    data = small_problem([3, 4, 2], "sigmoid", n=5)
    c0, _ = evaluate(net, data)
    c1, _ = evaluate(net, data, lmbda=2.0)
    sw = sum(float(np.sum(net.weights(l) ** 2)) for l in (1, 2))
    assert c1 - c0 == pytest.approx(0.5 * 2.0 / 5 * sw, rel=1e-12)


# -- forward and backward against the independent numpy network ---------------------------------

@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,cost", HEADS)
def test_forward_and_cost_match_numpy_reference(hidden, output, cost):
    sizes = [6, 5, 4]
    net = make_net(sizes, hidden, output, cost)
    data = small_problem(sizes, output)
    Ws, bs = ref_lists(net)
    out = feedforward(net, data.x)
    for i in range(len(data)):
        a = ref.feedforward(Ws, bs, data.x[i][:, None], hidden, output)[:, 0]
        np.testing.assert_allclose(out[i], a, rtol=1e-12, atol=1e-14)
    c, correct = evaluate(net, data)
    expect = np.mean([ref.cost(ref.feedforward(Ws, bs, data.x[i][:, None], hidden, output), data.t[i][:, None], cost)
                      for i in range(len(data))])
    assert c == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("output,cost", HEADS)
def test_gradient_matches_numpy_backprop(hidden, output, cost):
    sizes = [6, 5, 4, 3]
    net = make_net(sizes, hidden, output, cost)
    data = small_problem(sizes, output)
    Ws, bs = ref_lists(net)
    g = gradient(net, data)
    nb = [np.zeros_like(b) for b in bs]
    nw = [np.zeros_like(W) for W in Ws]
    for i in range(len(data)):
        dnb, dnw = ref.backprop(Ws, bs, data.x[i][:, None], data.t[i][:, None], hidden, output, cost)
        nb = [a + d for a, d in zip(nb, dnb)]
        nw = [a + d for a, d in zip(nw, dnw)]
    for l in range(1, net.L + 1):
        gw = g[net.w_off[l]:net.b_off[l]].reshape(net.sizes[l], net.sizes[l - 1])
        gb = g[net.b_off[l]:net.b_off[l] + net.sizes[l]]
        # the reference's sigma' is a central difference: agreement to ~1e-8
        np.testing.assert_allclose(gw, nw[l - 1] / len(data), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gb, nb[l - 1][:, 0] / len(data), rtol=1e-6, atol=1e-9)


def test_sgd_epoch_matches_network2_updates():
    """One epoch of SGD (a short last batch, L2 decay) equals network2.py's updates in the same order."""
    sizes = [5, 4, 3]
    net = make_net(sizes, "sigmoid", "sigmoid", "cross_entropy")
    data = small_problem(sizes, "sigmoid", n=13)
    Ws, bs = ref_lists(net)

    class Fixed:
        dropout_seed = 0

        def order(self, n):
            return np.arange(n, dtype=np.int64)[::-1].copy()

    sgd(net, data, 1, 5, 0.7, Fixed(), options=Options(lmbda=0.3))
    order = np.arange(13)[::-1]
    for k in range(0, 13, 5):
        batch = [(data.x[i][:, None], data.t[i][:, None]) for i in order[k:k + 5]]
        Ws, bs = ref.update_mini_batch(Ws, bs, batch, 0.7, 0.3, 13, "sigmoid", "sigmoid", "cross_entropy")
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(net.weights(l), Ws[l - 1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(net.biases(l), bs[l - 1][:, 0], rtol=1e-12, atol=1e-14)


def test_worked_linear_layer_of_the_notes():
    """Seed 002's worked example: W = [[.1,.4,.5],[.2,.3,.6]], b = (.5, -.1), x = (2, 5, 1) gives z = (3.2, 2.4)."""
    net = Network([3, 2], output="linear", cost="quadratic", dtype="float64")
    net.weights(1)[:] = [[0.1, 0.4, 0.5], [0.2, 0.3, 0.6]]
    net.biases(1)[:] = [0.5, -0.1]
    z = feedforward(net, np.array([[2.0, 5.0, 1.0]]))
    np.testing.assert_allclose(z[0], [3.2, 2.4], rtol=1e-14)


def test_small_net_learns_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    data = Dataset.classification(x, [0, 1, 1, 0], 2, "float64")
    net = make_net([2, 4, 2], "sigmoid", "sigmoid", "cross_entropy", seed=3)
    sgd(net, data, 2000, 4, 2.0, OurStreams(np.random.SeedSequence(4)))
    out = feedforward(net, x)
    assert list(out.argmax(axis=1)) == [0, 1, 1, 0]


def test_momentum_l1_and_dropout_run_and_learn_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    data = Dataset.classification(x, [0, 1, 1, 0], 2, "float64")
    net = make_net([2, 8, 2], "tanh", "softmax", "log_likelihood", seed=5)
    sgd(net, data, 1500, 4, 0.1, OurStreams(np.random.SeedSequence(6)),
        options=Options(momentum=0.9, l1=1e-4))
    assert list(feedforward(net, x).argmax(axis=1)) == [0, 1, 1, 0]


def test_dropout_gradient_is_the_gradient_of_the_inference_network():
    """In evaluation mode dropout scales inputs by (1 - p): the gradient still matches finite differences."""
    sizes = [4, 6, 3]
    net = make_net(sizes, "sigmoid", "softmax", "log_likelihood", dropout=[0.0, 0.5])
    data = small_problem(sizes, "softmax")
    g = gradient(net, data)
    h = 1e-6
    for i in range(0, net.n_params, 3):
        old = net.params[i]
        net.params[i] = old + h
        cp, _ = evaluate(net, data)
        net.params[i] = old - h
        cm, _ = evaluate(net, data)
        net.params[i] = old
        assert g[i] == pytest.approx((cp - cm) / (2 * h), rel=1e-5, abs=1e-9)


# -- errors --------------------------------------------------------------------------------------

def test_unknown_activation_and_bad_cost_are_clear_errors():
    with pytest.raises(NnsciError, match="unknown hidden activation 'sigmoidd'"):
        Network([2, 2], hidden="sigmoidd")
    with pytest.raises(NnsciError, match="log_likelihood.*softmax"):
        Network([2, 2], output="sigmoid", cost="log_likelihood")
    with pytest.raises(NnsciError, match="initialiser"):
        Network([2, 2]).initialize("lecun", np.random.standard_normal)


def test_malformed_run_specs_are_clear_errors():
    from nnsci.experiments.spec import validate

    good = {"net": [784, 30, 10], "eta": 0.5, "epochs": 3, "train": {"set": "training"}}
    validate(good, "chX.ok")
    with pytest.raises(NnsciError, match="chX.bad: unknown key.*etta"):
        validate({**good, "etta": 1}, "chX.bad")
    with pytest.raises(NnsciError, match="lacks eta"):
        validate({k: v for k, v in good.items() if k != "eta"}, "chX.bad")
    with pytest.raises(NnsciError, match="unknown hidden activation"):
        validate({**good, "hidden": "swish"}, "chX.bad")
    with pytest.raises(NnsciError, match="train must be"):
        validate({**good, "train": {"set": "trainning"}}, "chX.bad")
    with pytest.raises(NnsciError, match="net must be"):
        validate({**good, "net": [784]}, "chX.bad")


def test_engine_cuda_without_gpu_is_a_clear_error():
    """Without a GPU (and outside the simulator the tests use), engine=cuda is one clear line."""
    code = ("from nnsci.errors import NnsciError\nfrom nnsci.engine.backends import get_backend\n"
            "try:\n    get_backend('cuda')\nexcept NnsciError as e:\n    print('ERROR', e)\nelse:\n    print('OK')\n")
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120).stdout
    if out.startswith("OK"):
        pytest.skip("a GPU is present")
    assert out.startswith("ERROR engine=cuda") and len(out.strip().splitlines()) == 1, out


# -- determinism ---------------------------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import hashlib, json, numpy as np
    from nnsci.engine import Dataset, Network, OurStreams, Options, sgd
    rng = np.random.default_rng(0)
    x = rng.random((600, 50)).astype(np.float32)
    data = Dataset.classification(x, rng.integers(0, 10, 600), 10, "float32")
    net = Network([50, 20, 10], dtype="float32", dropout=[0.0, 0.3])
    st = OurStreams(np.random.SeedSequence(7))
    net.initialize("default", st.normal)
    h = sgd(net, data, 3, 10, 0.5, st, evaluation=data,
            options=Options(lmbda=1.0, monitors=("training_cost", "evaluation_accuracy")))
    print(json.dumps({"params": hashlib.sha256(net.params.tobytes()).hexdigest(),
                      "cost": h.training_cost, "acc": h.evaluation_accuracy}))
""")


def test_bit_identical_across_thread_counts():
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        p = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
        outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]


# -- the replica mode against the book ------------------------------------------------------------

def test_replica_reproduces_the_books_first_epochs(mnist_npz):
    """[784, 30, 10], cross-entropy, the constructor's default draw then large_weight_initializer,
    the first 1,000 training images, eta 0.5, mini-batch 10, seed 12345678 (overfitting.py):
    the book's stored run has 5887, 6505, 6970 correct test images and 690, 749, 812 correct
    training images after epochs 0, 1, 2, and training cost 1.8434 after epoch 0."""
    from nnsci.data.mnist import load_mnist

    d = load_mnist(mnist_npz)
    train = Dataset.classification(d["training_x"][:1000] / 256.0, d["training_y"][:1000], 10, "float64")
    test = Dataset.classification(d["test_x"] / 256.0, d["test_y"], 10, "float64")
    st = NielsenStreams(12345678)
    net = Network([784, 30, 10], cost="cross_entropy", dtype="float64")
    net.initialize("default", st.normal)
    net.initialize("large", st.normal)
    st.fresh_list(1000)
    h = sgd(net, train, 3, 10, 0.5, st, evaluation=test,
            options=Options(monitors=("training_cost", "training_accuracy", "evaluation_accuracy")))
    assert h.evaluation_accuracy == [5887, 6505, 6970]
    assert h.training_accuracy == [690, 749, 812]
    assert h.training_cost[0] == pytest.approx(1.8434, abs=5e-5)


def test_python2_shuffle():
    """docs/fidelity.md, "Replica mode": seed 12345678, n = 10 gives [6,4,0,8,2,3,9,1,5,7] with Python 2's algorithm."""
    st = NielsenStreams(12345678)
    assert list(st.order(10)) == [6, 4, 0, 8, 2, 3, 9, 1, 5, 7]


def test_legacy_randn_draw_order():
    """Biases first, then weights row-major, from one continuous legacy randn stream."""
    st = NielsenStreams(5)
    net = Network([3, 2, 1], dtype="float64")
    net.initialize("large", st.normal)
    z = np.random.RandomState(5).randn(3 + 6 + 2)
    np.testing.assert_array_equal(net.biases(1), z[0:2])
    np.testing.assert_array_equal(net.biases(2), z[2:3])
    np.testing.assert_array_equal(net.weights(1).ravel(), z[3:9])
    np.testing.assert_array_equal(net.weights(2).ravel(), z[9:11])
