"""The layer plan and network3.py's layers: ConvPool, fully connected with dropout, softmax.

Expected values come from finite differences (float64), from tests/numpy_convnet.py (an
independent vectorised numpy network with network3's conventions), from statistics and from
constructed cases (the max-pool tie)."""

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
from nnsci.engine.compile_spec import compile_net
from nnsci.engine.plan import F_KEY
from nnsci.engine.trainer import History, best_validation
from nnsci.errors import NnsciError


def conv_spec(in_shape, layers):
    return {"input": list(in_shape), "layers": layers}


def random_data(n, n_in, n_out, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return Dataset.classification(rng.normal(size=(n, n_in)), rng.integers(0, n_out, n), n_out, dtype)


def numeric_gradient(net, data, h=1e-6, idx=None):
    idx = range(net.n_params) if idx is None else idx
    num = {}
    for i in idx:
        old = net.params[i]
        net.params[i] = old + h
        cp, _ = evaluate(net, data)
        net.params[i] = old - h
        cm, _ = evaluate(net, data)
        net.params[i] = old
        num[i] = (cp - cm) / (2 * h)
    return num


# -- finite differences (float64) -----------------------------------------------------------------

CONV_CASES = [  # (input shape, maps, k, pool, activation), a second ConvPool layer after the first
    ((1, 8, 8), 2, 3, 2, "sigmoid"),
    ((3, 9, 9), 4, 4, 3, "tanh"),
    ((2, 7, 7), 3, 2, 1, "relu"),
]


@pytest.mark.parametrize("in_shape,maps,k,pool,act", CONV_CASES)
def test_convpool_gradient_matches_finite_differences(in_shape, maps, k, pool, act):
    layers = [{"conv": {"maps": maps, "k": k, "pool": pool, "activation": act}},
              {"conv": {"maps": 2, "k": 2, "pool": 1, "activation": "tanh"}},
              {"fc": {"n": 4, "activation": "sigmoid", "dropout": 0.3}},
              {"softmax": {"n": 3, "dropout": 0.2}}]
    net = Network(conv_spec(in_shape, layers), cost="log_likelihood", dtype="float64")
    net.initialize("network3", OurStreams(np.random.SeedSequence(1)).normal)
    # network3's zero softmax weights would hide the layers below: start from random ones
    net.params[:] = np.random.default_rng(3).normal(size=net.n_params) * 0.5
    data = random_data(5, int(np.prod(in_shape)), 3)
    g = gradient(net, data)
    num = numeric_gradient(net, data)
    num = np.array([num[i] for i in range(net.n_params)])
    err = np.max(np.abs(g - num)) / np.max(np.abs(num))
    assert err < 1e-6, f"max relative error {err:.2e}"


def test_sgd_step_follows_network3_cost_with_l2_over_every_layer():
    """One full-batch SGD step moves the parameters by -eta times the gradient of network3's cost,
    mean -log p + 0.5 lambda sum ||W||^2 / num_batches over the weights of every layer (conv and
    softmax included, biases not): checked against finite differences of that cost."""
    layers = [{"conv": {"maps": 2, "k": 3, "pool": 2, "activation": "relu"}},
              {"fc": {"n": 5, "activation": "sigmoid"}}, {"softmax": {"n": 3}}]
    net = Network(conv_spec((1, 8, 8), layers), cost="log_likelihood", dtype="float64")
    net.params[:] = np.random.default_rng(4).normal(size=net.n_params) * 0.5
    data = random_data(6, 64, 3, seed=5)
    lmbda, eta, nb = 0.7, 0.1, 1
    before = net.params.copy()

    class Fixed:
        dropout_seed = 0

    sgd(net, data, 1, 6, eta, Fixed(), options=Options(l2="penalty", lmbda=lmbda, shuffle=False, drop_last=True))
    step = (before - net.params) / eta
    net.params[:] = before
    mask = net.weight_mask()
    h = 1e-6
    for i in range(0, net.n_params, 2):
        old = net.params[i]
        costs = []
        for s in (h, -h):
            net.params[i] = old + s
            c, _ = evaluate(net, data)
            costs.append(c + 0.5 * lmbda * net.sum_squared_weights() / nb)
        net.params[i] = old
        num = (costs[0] - costs[1]) / (2 * h)
        assert step[i] == pytest.approx(num, rel=1e-5, abs=1e-8), (i, mask[i])


# -- the max-pool tie (Theano's rule) --------------------------------------------------------------

@pytest.mark.parametrize("image,share", [([0.5, 0.5, 0.1, 0.2], 1.0), ([0.5, 0.3, 0.1, 0.2], 0.5)])
def test_maxpool_gradient_goes_to_every_tied_maximum(image, share):
    """One 2x2 image, a 1x1 filter of weight 1, 2x2 pooling: dC/dW = sum over the window of
    dC/dconv * x and dC/db = dC/dz. With two inputs tied at the max 0.5, both get the gradient:
    dC/dW = (0.5 + 0.5) dC/db; with one maximum, dC/dW = 0.5 dC/db."""
    layers = [{"conv": {"maps": 1, "k": 1, "pool": 2, "activation": "linear"}}, {"softmax": {"n": 2}}]
    net = Network(conv_spec((1, 2, 2), layers), cost="log_likelihood", dtype="float64")
    net.weights(1)[:] = 1.0
    net.weights(2)[:] = [[1.0], [-1.0]]
    data = Dataset.classification(np.array([image]), [1], 2, "float64")
    g = gradient(net, data)
    gW, gb = net.weights(1, of=g).item(), net.biases(1, of=g).item()
    assert gb != 0
    assert gW == pytest.approx(share * gb, rel=1e-15)


# -- against the independent numpy network ---------------------------------------------------------

def test_one_epoch_equals_numpy_network3(mnist_npz):
    """One epoch of network3's SGD (fixed contiguous batches, the short last batch dropped, the L2
    penalty) on 305 MNIST images, two ConvPool layers, FC and softmax: equal to the numpy network."""
    from nnsci.data.mnist import load_mnist

    d = load_mnist(mnist_npz)
    x = d["training_x"][:305].reshape(305, 28, 28)[:, ::2, ::2].reshape(305, 196) / 256.0   # 14x14
    y = d["training_y"][:305]
    data = Dataset.classification(x, y, 10, "float64")
    layers = [{"conv": {"maps": 4, "k": 5, "pool": 2, "activation": "sigmoid"}},
              {"conv": {"maps": 3, "k": 2, "pool": 2, "activation": "relu"}},
              {"fc": {"n": 12, "activation": "tanh"}}, {"softmax": {"n": 10}}]
    net = Network(conv_spec((1, 14, 14), layers), cost="log_likelihood", dtype="float64")
    net.initialize("network3", OurStreams(np.random.SeedSequence(11)).normal)
    net.weights(4)[:] = np.random.default_rng(12).normal(size=(10, 12)) * 0.3   # not network3's zeros
    params = [(net.weights(l).copy(), net.biases(l).copy()) for l in range(1, 5)]
    r = ref.ConvNet((1, 14, 14), [("conv", 4, 5, 2, "sigmoid"), ("conv", 3, 2, 2, "relu"), ("fc", 12, "tanh"),
                                  ("softmax", 10)], params)
    c0, _ = evaluate(net, data)
    assert c0 == pytest.approx(r.cost(x, y), rel=1e-12)
    sgd(net, data, 1, 10, 0.2, OurStreams(np.random.SeedSequence(13)),
        options=Options(l2="penalty", lmbda=0.5, shuffle=False, drop_last=True))
    r.sgd_epoch(x, y, 10, 0.2, 0.5)
    for l in range(1, 5):
        np.testing.assert_allclose(net.weights(l), r.params[l - 1][0], rtol=0, atol=1e-10)
        np.testing.assert_allclose(net.biases(l), r.params[l - 1][1], rtol=0, atol=1e-10)
    assert np.max(np.abs(net.weights(1) - params[0][0])) > 1e-3   # it did move


def test_true_convolution_in_theanos_orientation():
    """A filter with a single 1 at (0, 0) of Theano's stored array picks the input at (k-1, k-1)
    of each window (the kernel is flipped): conv[y, x] = in[y + 1, x + 1] for k = 2."""
    layers = [{"conv": {"maps": 1, "k": 2, "pool": 1, "activation": "linear"}}, {"fc": {"n": 4, "activation": "linear"}}]
    net = Network(conv_spec((1, 3, 3), layers), output="linear", cost="quadratic", dtype="float64")
    net.weights(1)[:] = [[[[1.0, 0.0], [0.0, 0.0]]]]
    net.weights(2)[:] = np.eye(4)
    img = np.arange(9.0)
    out = feedforward(net, img[None, :])
    np.testing.assert_array_equal(out[0], [4.0, 5.0, 7.0, 8.0])


# -- initialiser, dropout, batches, best validation ------------------------------------------------

def test_network3_initialiser_statistics():
    spec = conv_spec((1, 28, 28), [{"conv": {"maps": 20, "k": 5, "pool": 2}}, {"fc": {"n": 100}},
                                   {"softmax": {"n": 10}}])
    net = Network(spec, cost="log_likelihood", dtype="float64")
    net.initialize("network3", OurStreams(np.random.SeedSequence(21)).normal)
    for l, sd in ((1, np.sqrt(1 / (20 * 25 / 4))), (2, np.sqrt(1 / 100))):
        w = net.weights(l).ravel()
        n = len(w)
        assert abs(w.mean()) < 5 * sd / np.sqrt(n)
        assert abs(w.std() / sd - 1) < 5 / np.sqrt(2 * n)
        b = net.biases(l)
        assert abs(b.mean()) < 5 / np.sqrt(len(b)) and abs(b.std() - 1) < 5 / np.sqrt(2 * len(b))
    assert not np.any(net.weights(3)) and not np.any(net.biases(3))


def test_dropout_scales_inputs_by_one_minus_p_at_evaluation():
    spec = conv_spec((1, 4, 4), [{"conv": {"maps": 2, "k": 3, "pool": 2, "activation": "tanh"}},
                                 {"fc": {"n": 3, "activation": "relu", "dropout": 0.4}},
                                 {"softmax": {"n": 2, "dropout": 0.25}}])
    net = Network(spec, cost="log_likelihood", dtype="float64")
    net.params[:] = np.random.default_rng(31).normal(size=net.n_params)
    x = np.random.default_rng(32).normal(size=(3, 16))
    W1, b1, W2, b2, W3, b3 = (net.weights(1), net.biases(1), net.weights(2), net.biases(2), net.weights(3),
                              net.biases(3))
    cv, _ = ref.conv_valid(x.reshape(3, 1, 4, 4), W1)
    a1 = np.tanh(ref.maxpool(cv, 2) + b1[None, :, None, None]).reshape(3, -1)
    a2 = np.maximum(0.6 * a1 @ W2.T + b2, 0)
    z3 = 0.75 * a2 @ W3.T + b3
    p = np.exp(z3) / np.exp(z3).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(feedforward(net, x), p, rtol=1e-12)


def test_dropout_masks_drop_a_fraction_p_in_training_and_can_be_shared():
    """In training each input unit is kept with probability 1 - p and not rescaled (network3's rule);
    every layer draws its own mask (its own key) unless dropout_mask is shared (network3's behaviour:
    one key, so layers whose inputs have the same shape get the same mask)."""
    from nnsci.engine.rules import dropout_factor

    f = np.array([dropout_factor(0.3, True, 99, 0, i, 1, k) for i in range(50) for k in range(100)])
    assert set(np.unique(f)) == {0.0, 1.0}
    assert abs((f == 0).mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / f.size)
    spec = dict(input=6, layers=[{"fc": {"n": 6, "dropout": 0.5}}, {"fc": {"n": 6, "dropout": 0.5}}, {"softmax": {"n": 2, "dropout": 0.5}}])
    assert list(compile_net(spec, cost="log_likelihood").table()[1:, F_KEY]) == [1, 2, 3]
    assert list(compile_net(spec, cost="log_likelihood", dropout_mask="shared").table()[1:, F_KEY]) == [0, 0, 0]


def test_fixed_batches_ignore_the_streams_order():
    """shuffle: false trains on contiguous slices in file order whatever the streams would draw."""
    spec = conv_spec((1, 6, 6), [{"conv": {"maps": 2, "k": 3, "pool": 2}}, {"softmax": {"n": 3}}])
    data = random_data(40, 36, 3, seed=41)
    outs = []
    for seed in (1, 2):
        net = Network(spec, cost="log_likelihood", dtype="float64")
        net.params[:] = np.random.default_rng(42).normal(size=net.n_params) * 0.3
        sgd(net, data, 2, 10, 0.1, OurStreams(np.random.SeedSequence(seed)), options=Options(shuffle=False))
        outs.append(net.params.copy())
    np.testing.assert_array_equal(outs[0], outs[1])
    # and the order matters: the same slices in another order give other parameters
    net = Network(spec, cost="log_likelihood", dtype="float64")
    net.params[:] = np.random.default_rng(42).normal(size=net.n_params) * 0.3
    rev = Dataset(data.x[::-1].copy(), data.t[::-1].copy(), data.labels[::-1].copy())
    sgd(net, rev, 2, 10, 0.1, OurStreams(np.random.SeedSequence(1)), options=Options(shuffle=False))
    assert not np.array_equal(net.params, outs[0])


def test_best_validation_rule_takes_the_last_tie():
    h = History()
    for epoch, (val, test) in enumerate([(50, 40), (70, 60), (70, 65), (69, 90), (60, 99)]):
        best_validation(h, epoch, val, test)
    assert (h.best_epoch, h.best_evaluation_accuracy, h.test_accuracy_at_best) == (2, 70, 65)


def test_trainer_records_test_accuracy_and_best_validation():
    spec = conv_spec((1, 6, 6), [{"conv": {"maps": 2, "k": 3, "pool": 2}}, {"softmax": {"n": 3}}])
    net = Network(spec, cost="log_likelihood", dtype="float64")
    net.initialize("network3", OurStreams(np.random.SeedSequence(5)).normal)
    data, val, test = random_data(30, 36, 3, 1), random_data(20, 36, 3, 2), random_data(20, 36, 3, 3)
    h = sgd(net, data, 4, 10, 0.5, OurStreams(np.random.SeedSequence(6)), evaluation=val,
            options=Options(test=test, shuffle=False, monitors=("evaluation_accuracy",)))
    assert len(h.test_accuracy) == 4 and len(h.evaluation_accuracy) == 4
    best = max(h.evaluation_accuracy)
    last = max(i for i, a in enumerate(h.evaluation_accuracy) if a == best)
    assert (h.best_epoch, h.test_accuracy_at_best) == (last, h.test_accuracy[last])


# -- bad specs ---------------------------------------------------------------------------------------

BAD = [
    (conv_spec((1, 4, 4), [{"conv": {"maps": 2, "k": 5}}, {"softmax": {"n": 2}}]), "filter 5x5 is larger than its 4x4 input"),
    (conv_spec((1, 9, 9), [{"conv": {"maps": 2, "k": 3, "pool": 2}}, {"softmax": {"n": 2}}]), "pool 2 does not divide the 7x7 map"),
    (conv_spec((1, 8, 8), [{"pool": {"size": 2}}, {"softmax": {"n": 2}}]), "unknown layer kind 'pool'"),
    (conv_spec((1, 8, 8), [{"fc": {"n": 20}}, {"conv": {"maps": 2, "k": 3}}, {"softmax": {"n": 2}}]),
     "a conv layer needs a \\[channels, height, width\\] input, but the previous layer gives 20 units"),
    (conv_spec((1, 8, 8), [{"softmax": {"n": 4}}, {"fc": {"n": 2}}]), "a softmax layer can only be the last layer"),
    (conv_spec((1, 8, 8), [{"conv": {"maps": 2, "k": 3, "pool": 2}}]), "the last layer must be fc or softmax"),
    (conv_spec((1, 8, 8), [{"fc": {"n": 4, "dropout": 1.5}}, {"softmax": {"n": 2}}]), "dropout must be a rate"),
    (conv_spec((1, 8, 8), [{"fc": {"n": 4, "size": 3}}, {"softmax": {"n": 2}}]), "unknown key\\(s\\) size"),
]


@pytest.mark.parametrize("net,message", BAD)
def test_bad_layer_specs_are_one_line_errors_naming_the_run(net, message):
    from nnsci.experiments.spec import validate

    spec = {"net": net, "eta": 0.1, "epochs": 1, "train": {"set": "training"}, "cost": "log_likelihood"}
    with pytest.raises(NnsciError, match=f"^ch6.bad: .*{message}") as e:
        validate(spec, "ch6.bad")
    assert "\n" not in str(e.value)


def test_compact_and_per_layer_forms_compile_to_one_plan():
    a = compile_net([784, 30, 10], hidden="relu", output="softmax", cost="log_likelihood", dropout=[0.0, 0.5])
    b = compile_net({"input": 784, "layers": [{"fc": {"n": 30, "activation": "relu"}}, {"softmax": {"n": 10, "dropout": 0.5}}]},
                    hidden="relu", cost="log_likelihood")
    assert a == b


# -- threads ------------------------------------------------------------------------------------------

THREADS_SCRIPT = textwrap.dedent("""
    import hashlib, json, numpy as np
    from nnsci.engine import Dataset, Network, OurStreams, Options, sgd
    rng = np.random.default_rng(0)
    data = Dataset.classification(rng.random((200, 196)).astype(np.float64), rng.integers(0, 10, 200), 10, "float64")
    spec = {"input": [1, 14, 14], "layers": [{"conv": {"maps": 6, "k": 3, "pool": 2, "activation": "relu"}},
            {"conv": {"maps": 5, "k": 2, "pool": 1, "activation": "tanh"}},
            {"fc": {"n": 30, "activation": "relu", "dropout": 0.5}}, {"softmax": {"n": 10, "dropout": 0.5}}]}
    net = Network(spec, cost="log_likelihood", dtype="float64")
    st = OurStreams(np.random.SeedSequence(7))
    net.initialize("network3", st.normal)
    h = sgd(net, data, 2, 10, 0.1, st, evaluation=data,
            options=Options(lmbda=0.1, l2="penalty", momentum=0.5, monitors=("training_cost", "evaluation_accuracy")))
    import numba
    print(json.dumps({"threads": numba.get_num_threads(), "params": hashlib.sha256(net.params.tobytes()).hexdigest(),
                      "cost": h.training_cost, "acc": h.evaluation_accuracy}))
""")


def test_conv_net_with_dropout_is_bit_identical_on_1_and_2_threads():
    """(float64, as every conv test here, so that CI compiles the plan kernels for one dtype; the
    parallel loops are the same code in float32.)"""
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        p = subprocess.run([sys.executable, "-c", THREADS_SCRIPT], env=env, capture_output=True, text=True, check=True)
        outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert [o.pop("threads") for o in outs] == [1, 2]
    assert outs[0] == outs[1]


# -- a small conv net learns ---------------------------------------------------------------------------

def test_small_conv_net_learns_mnist(mnist_npz):
    """ConvPool(20 maps, 5x5, pool 2) + FC100 + softmax, sigmoid, network3's initialiser and its first
    chapter 6 call (eta 0.1, mini-batch 10, fixed batches), on the first 2,000 training images for
    3 epochs. Measured on 1,000 validation images: [104, 206, 616] correct (seed 2026) and
    [91, 226, 576] (seed 7): the sigmoid net leaves its plateau in the third epoch (a ReLU net with
    eta 0.03 reaches 845 and 879). Chance is 100. Asserted: above 450 and rising every epoch."""
    from nnsci.data.mnist import load_mnist, to_float

    d = load_mnist(mnist_npz)
    train = Dataset.classification(to_float(d["training_x"][:2000], "float64"), d["training_y"][:2000], 10, "float64")
    val = Dataset.classification(to_float(d["validation_x"][:1000], "float64"), d["validation_y"][:1000], 10, "float64")
    spec = conv_spec((1, 28, 28), [{"conv": {"maps": 20, "k": 5, "pool": 2}}, {"fc": {"n": 100}}, {"softmax": {"n": 10}}])
    net = Network(spec, cost="log_likelihood", dtype="float64")
    st = OurStreams(np.random.SeedSequence(2026))
    net.initialize("network3", st.normal)
    h = sgd(net, train, 3, 10, 0.1, st, evaluation=val,
            options=Options(shuffle=False, drop_last=True, monitors=("evaluation_accuracy",)))
    print("validation accuracy per epoch:", h.evaluation_accuracy)
    acc = h.evaluation_accuracy
    assert acc[-1] > 450 and acc[0] < acc[1] < acc[2]


def test_save_and_load_a_conv_net(tmp_path):
    """The engine saves the plan with the weights: a network loads back from the file alone or from
    its spec, with equal parameters and outputs; a compact network keeps the chapters 1-5 layout."""
    from nnsci.engine import load_network

    spec = conv_spec((1, 8, 8), [{"conv": {"maps": 3, "k": 3, "pool": 2, "activation": "relu"}},
                                 {"fc": {"n": 5, "activation": "tanh", "dropout": 0.5}}, {"softmax": {"n": 3, "dropout": 0.5}}])
    net = Network(spec, cost="log_likelihood", dtype="float64")
    net.params[:] = np.random.default_rng(1).normal(size=net.n_params)
    net.save(tmp_path / "w.npz")
    x = np.random.default_rng(2).random((4, 64))
    for other in (load_network(tmp_path / "w.npz"),
                  load_network(tmp_path / "w.npz", {"net": spec, "cost": "log_likelihood", "dtype": "float64"})):
        assert other.plan == net.plan
        np.testing.assert_array_equal(other.params, net.params)
        np.testing.assert_array_equal(feedforward(other, x), feedforward(net, x))
    dense = Network([6, 4, 2], "tanh", "softmax", "log_likelihood", "float64")
    dense.save(tmp_path / "d.npz")
    with np.load(tmp_path / "d.npz") as z:
        assert sorted(z.files) == ["W1", "W2", "b1", "b2", "cost", "hidden", "output", "sizes"]
    assert load_network(tmp_path / "d.npz").plan == dense.plan
    with pytest.raises(NnsciError, match="not a weights file"):
        load_network(tmp_path / "d.npz", {"net": [6, 5, 2], "output": "softmax", "cost": "log_likelihood"})
