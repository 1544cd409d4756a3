"""Optimisers and learning-rate schedules (nnsci.engine.optim, nnsci.engine.schedules).

Each optimiser's first steps against closed forms and against a plain numpy
reference written here (the same gradients, through the engine's public
``gradient``), on the dense kernels and on the layer-plan kernels (1 and 2
threads); schedules against their formulas; the optimisers' state through a
checkpoint resume; bad names and parameters as one-line errors. Tiny float64
networks: the whole file runs in seconds once the kernels are compiled."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from nnsci.engine import Dataset, Network, Options, OurStreams, gradient, sgd
from nnsci.engine.backends import set_threads
from nnsci.engine.schedules import learning_rates, make_schedule
from nnsci.errors import NnsciError

OPTIMIZERS = {   # name -> the Options of the tests (hyper-parameters away from their defaults)
    "sgd": dict(momentum=0.7),
    "nesterov": dict(momentum=0.8),
    "adagrad": dict(eps=1e-6),
    "rmsprop": dict(rho=0.8, eps=1e-7),
    "adam": dict(beta1=0.8, beta2=0.95, eps=1e-7),
    "adamw": dict(beta1=0.85, beta2=0.99, weight_decay=0.3),
}


def dense_net(seed=1):
    net = Network([4, 5, 3], "tanh", "softmax", "log_likelihood", "float64")
    net.initialize("default", OurStreams(np.random.SeedSequence(seed)).normal)
    return net


def conv_net(seed=1):
    layers = [{"conv": {"maps": 2, "k": 3, "pool": 2, "activation": "relu"}},
              {"fc": {"n": 5, "activation": "sigmoid"}}, {"softmax": {"n": 3}}]
    net = Network({"input": [1, 6, 6], "layers": layers}, cost="log_likelihood", dtype="float64")
    net.params[:] = np.random.default_rng(seed).normal(size=net.n_params) * 0.5
    return net


def data_for(net, n, seed=0):
    rng = np.random.default_rng(seed)
    return Dataset.classification(rng.normal(size=(n, int(net.sizes[0]))), rng.integers(0, 3, n), 3, "float64")


def train(net, data, epochs, m, eta, name, lmbda=0.0, schedule=None, **kw):
    opts = Options(optimizer=name, lmbda=lmbda, shuffle=False, schedule=schedule, **{**OPTIMIZERS[name], **kw})
    return sgd(net, data, epochs, m, eta, OurStreams(np.random.SeedSequence(0)), options=opts)


def numpy_reference(net, data, epochs, m, rates, name, lmbda=0.0, **kw):
    """The optimiser's rule of nnsci.engine.optim, step by step in numpy, from the engine's mean
    gradient of each mini-batch; ``rates``: each step's learning rate."""
    h = {"momentum": 0.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "rho": 0.9, "weight_decay": 0.0,
         **OPTIMIZERS[name], **kw}
    ref = net.copy()
    wmask = ref.weight_mask()
    n = len(data)
    c2 = np.where(wmask, lmbda / n, 0.0)     # the coupled L2 (the ``decay`` convention)
    v, m1, m2 = (np.zeros(ref.n_params) for _ in range(3))
    t = 0
    for _ in range(epochs):
        for start in range(0, n, m):
            rows = slice(start, min(start + m, n))
            eta = rates[t]
            t += 1
            batch = Dataset(data.x[rows], data.t[rows], data.labels[rows])
            w = ref.params.copy()
            g = gradient(ref, batch)
            if name in ("sgd", "nesterov"):
                step = eta * (g + c2 * w)
                v = h["momentum"] * v - step
                ref.params[:] = w + v if name == "sgd" else w + h["momentum"] * v - step
                continue
            g = g + c2 * w
            if name == "adagrad":
                m2 = m2 + g * g
                ref.params[:] = w - eta * g / (np.sqrt(m2) + h["eps"])
            elif name == "rmsprop":
                m2 = h["rho"] * m2 + (1 - h["rho"]) * g * g
                ref.params[:] = w - eta * g / (np.sqrt(m2) + h["eps"])
            else:
                m1 = h["beta1"] * m1 + (1 - h["beta1"]) * g
                m2 = h["beta2"] * m2 + (1 - h["beta2"]) * g * g
                mhat, vhat = m1 / (1 - h["beta1"] ** t), m2 / (1 - h["beta2"] ** t)
                decay = np.where(wmask, 1 - eta * h["weight_decay"], 1.0)
                ref.params[:] = decay * w - eta * mhat / (np.sqrt(vhat) + h["eps"])
    return ref.params


# -- closed forms ------------------------------------------------------------------------------------

def closed_first_step(name, w, g, eta, wmask):
    """The first step from zero state, by hand: Adam's bias correction makes m^ = g, v^ = g^2."""
    h = {"momentum": 0.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "rho": 0.9, "weight_decay": 0.0,
         **OPTIMIZERS[name]}
    if name == "sgd":
        return w - eta * g
    if name == "nesterov":
        return w - (1 + h["momentum"]) * eta * g
    if name == "adagrad":
        return w - eta * g / (np.abs(g) + h["eps"])
    if name == "rmsprop":
        return w - eta * g / (math.sqrt(1 - h["rho"]) * np.abs(g) + h["eps"])
    decay = np.where(wmask, 1 - eta * h["weight_decay"], 1.0)
    return decay * w - eta * g / (np.abs(g) + h["eps"])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_first_step_matches_its_closed_form(name):
    net = dense_net()
    data = data_for(net, 6)
    w, g = net.params.copy(), gradient(net, data)
    train(net, data, 1, 6, 0.05, name)
    np.testing.assert_allclose(net.params, closed_first_step(name, w, g, 0.05, net.weight_mask()),
                               rtol=1e-12, atol=1e-15)


def test_adam_second_step_closed_form():
    """Step 2 by hand: m = b1(1-b1)g1 + (1-b1)g2, v likewise, corrections 1 - b^2."""
    net = dense_net()
    data = data_for(net, 8)
    b1, b2, eps = OPTIMIZERS["adam"]["beta1"], OPTIMIZERS["adam"]["beta2"], OPTIMIZERS["adam"]["eps"]
    first, second = Dataset(data.x[:4], data.t[:4], data.labels[:4]), Dataset(data.x[4:], data.t[4:], data.labels[4:])
    w0, g1 = net.params.copy(), gradient(net, first)
    w1 = w0 - 0.01 * g1 / (np.abs(g1) + eps)
    probe = net.copy()
    probe.params[:] = w1
    g2 = gradient(probe, second)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1 ** 2 + (1 - b2) * g2 ** 2
    w2 = w1 - 0.01 * (m / (1 - b1 ** 2)) / (np.sqrt(v / (1 - b2 ** 2)) + eps)
    train(net, data, 1, 4, 0.01, "adam")
    np.testing.assert_allclose(net.params, w2, rtol=1e-11, atol=1e-14)


# -- against the numpy reference: several epochs, a short last batch, L2, schedules ----------------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("schedule", [None, {"kind": "cosine", "warmup": 1, "period": 1, "mult": 2}])
def test_dense_kernels_follow_the_numpy_reference(name, schedule):
    net = dense_net()
    data = data_for(net, 11)            # mini-batches of 4, 4 and 3
    epochs, m, eta, lmbda = 3, 4, 0.05, 0.4
    rates = learning_rates(schedule, eta, epochs, 3).ravel()
    expected = numpy_reference(net, data, epochs, m, rates, name, lmbda=lmbda)
    train(net, data, epochs, m, eta, name, lmbda=lmbda, schedule=schedule)
    np.testing.assert_allclose(net.params, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["nesterov", "rmsprop", "adamw"])
def test_plan_kernels_follow_the_numpy_reference_on_1_and_2_threads(name):
    schedule = {"kind": "onecycle", "pct_start": 0.4}
    epochs, m, eta, lmbda = 2, 4, 0.02, 0.3
    out = []
    before = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            set_threads(threads)
            net = conv_net()
            data = data_for(net, 10)    # mini-batches of 4, 4 and 2
            if not out:
                rates = learning_rates(schedule, eta, epochs, 3).ravel()
                expected = numpy_reference(net, data, epochs, m, rates, name, lmbda=lmbda)
            train(net, data, epochs, m, eta, name, lmbda=lmbda, schedule=schedule)
            out.append(net.params.copy())
    finally:
        set_threads(before)
    np.testing.assert_allclose(out[0], expected, rtol=1e-10, atol=1e-13)
    assert out[0].tobytes() == out[-1].tobytes()


def test_book_sgd_with_a_constant_schedule_keeps_its_bytes():
    """The book's path with rates passed per mini-batch (schedule: constant) and without a
    schedule: the same bytes (L2, L1 and momentum included)."""
    outs = []
    for schedule in (None, "constant"):
        net = dense_net()
        train(net, data_for(net, 11), 2, 4, 0.1, "sgd", lmbda=0.5, l1=0.2, schedule=schedule)
        outs.append(net.params.tobytes())
    assert outs[0] == outs[1]


# -- schedules against their formulas ----------------------------------------------------------------

def test_schedules_follow_their_formulas():
    eta, per = 0.4, 5                   # 5 mini-batches per epoch
    r = learning_rates({"kind": "step", "every": 2, "gamma": 0.5}, eta, 6, per).ravel()
    assert r[0] == r[9] == eta and r[10] == r[19] == eta * 0.5 and r[29] == eta * 0.25
    r = learning_rates({"kind": "step", "every": 1, "warmup": 2}, eta, 6, per).ravel()
    np.testing.assert_allclose(r[:10], eta * np.arange(1, 11) / 10, rtol=1e-15)
    assert r[10] == r[14] == eta and r[15] == pytest.approx(eta * 0.1, rel=1e-15)
    # cosine without restarts: one cycle over the 30 steps, eta at 0, the middle at (1 + m) / 2
    r = learning_rates({"kind": "cosine", "min_factor": 0.1}, eta, 6, per).ravel()
    assert r[0] == eta and r[15] == pytest.approx(eta * 0.55, rel=1e-14)
    assert r[7] == pytest.approx(eta * (0.1 + 0.9 * (1 + math.cos(math.pi * 7 / 30)) / 2), rel=1e-14)
    # SGDR: T_0 = 1 epoch = 5 steps, then 10, then 20: restarts at steps 5 and 15
    r = learning_rates({"kind": "cosine", "period": 1, "mult": 2}, eta, 6, per).ravel()
    assert r[0] == r[5] == r[15] == eta
    assert r[10] == pytest.approx(eta * 0.5, rel=1e-14) and r[25] == pytest.approx(eta * 0.5, rel=1e-14)
    assert r[4] == pytest.approx(eta * (1 + math.cos(math.pi * 4 / 5)) / 2, rel=1e-14)
    # warm-up then cosine over the remaining steps
    r = learning_rates({"kind": "cosine", "warmup": 1}, eta, 6, per).ravel()
    np.testing.assert_allclose(r[:5], eta * np.arange(1, 6) / 5, rtol=1e-15)
    assert r[5] == eta and r[5 + 25 // 2] == pytest.approx(eta * (1 + math.cos(math.pi * 12 / 25)) / 2)
    # one-cycle as PyTorch's OneCycleLR: u = 0.3 * 30 - 1 = 8
    r = learning_rates({"kind": "onecycle"}, eta, 6, per).ravel()
    assert r[0] == pytest.approx(eta / 25, rel=1e-14) and r[8] == pytest.approx(eta, rel=1e-14)
    assert r[29] == pytest.approx(eta / 25 / 1e4, rel=1e-12)
    p = (4 - 0) / 8
    assert r[4] == pytest.approx(eta + (eta / 25 - eta) * (1 + math.cos(math.pi * p)) / 2, rel=1e-14)
    p = (20 - 8) / (29 - 8)
    assert r[20] == pytest.approx(eta / 25e4 + (eta - eta / 25e4) * (1 + math.cos(math.pi * p)) / 2, rel=1e-14)
    assert np.all(learning_rates(None, eta, 2, per) == eta)


# -- checkpoints ------------------------------------------------------------------------------------

class Killed(Exception):
    pass


@pytest.mark.parametrize("make", [dense_net, conv_net])
def test_optimizer_state_survives_a_checkpoint_resume(tmp_path, make):
    """A run killed after epoch 2 (its checkpoint written) and started again ends with the bytes of
    one never interrupted: Adam's moments and step count, and the schedule's step, come back."""
    ck = tmp_path / "c.npz"

    def run(checkpoint, kill_at=None):
        net = make()
        data = data_for(net, 12)
        st = OurStreams(np.random.SeedSequence(4))

        def on_epoch(epoch, hist):
            if epoch == kill_at:
                raise Killed

        opts = Options(optimizer="adamw", weight_decay=0.1, schedule={"kind": "cosine", "warmup": 1},
                       monitors=("training_cost",))
        h = sgd(net, data, 5, 4, 0.01, st, options=opts, on_epoch=on_epoch, checkpoint=checkpoint,
                checkpoint_key="k")
        return net, h

    straight, hs = run(None)
    with pytest.raises(Killed):
        run(ck, kill_at=2)              # epochs 0 and 1 are in the checkpoint
    with np.load(ck) as z:
        assert int(z["optim_step"][0]) == 2 * 3 and np.any(z["optim_moment2"] > 0)
    resumed, hr = run(ck)
    assert resumed.params.tobytes() == straight.params.tobytes()
    assert hr.training_cost == hs.training_cost


# -- errors ------------------------------------------------------------------------------------------

GOOD = {"net": [4, 3, 2], "eta": 0.1, "epochs": 1, "train": {"set": "training"}}


@pytest.mark.parametrize("options,match", [
    ({"optimizer": "adamx"}, "unknown optimizer 'adamx'"),
    ({"optimizer": "adam", "beta1": 1.0}, "beta1 must be in"),
    ({"optimizer": "rmsprop", "eps": 0}, "eps must be > 0"),
    ({"optimizer": "adam", "momentum": 0.9}, "momentum is for sgd and nesterov"),
    ({"optimizer": "adam", "weight_decay": 0.1}, "weight_decay is AdamW's"),
    ({"optimiser": "adam"}, "'optimiser' was unexpected"),
    ({"schedule": "linear"}, "unknown schedule 'linear'"),
    ({"schedule": {"kind": "cosine", "every": 2}}, "schedule cosine: unknown key"),
    ({"schedule": {"kind": "step"}}, "every must be given"),
    ({"schedule": {"kind": "onecycle", "pct_start": 1.5}}, "pct_start must be in"),
    ({"schedule": {"warmup": 1}}, "mapping with kind"),
])
def test_bad_optimizer_or_schedule_is_a_one_line_error_naming_the_run(options, match):
    from nnsci.experiments.spec import validate

    validate({**GOOD, "options": {"optimizer": "adamw", "weight_decay": 0.01, "schedule": "onecycle"}}, "ch7.ok")
    with pytest.raises(NnsciError, match=match) as e:
        validate({**GOOD, "options": options}, "ch7.bad")
    assert str(e.value).startswith("ch7.bad: ") and "\n" not in str(e.value)


def test_engine_cuda_refuses_other_optimizers_and_schedules_in_one_line():
    net = dense_net()
    data = data_for(net, 4)
    for kw in ({"optimizer": "adam"}, {"schedule": "onecycle"}):
        with pytest.raises(NnsciError, match="engine=cuda runs the book's SGD") as e:
            sgd(net, data, 1, 2, 0.1, OurStreams(np.random.SeedSequence(0)), options=Options(engine="cuda", **kw))
        assert "\n" not in str(e.value)


def test_a_cpu_family_of_runs_with_their_own_optimizers_equals_each_run_alone():
    from nnsci.engine import sgd_family

    settings = [("adam", None), ("rmsprop", "onecycle"), ("sgd", {"kind": "step", "every": 1})]

    def job(i, name, schedule):
        net = dense_net(seed=i)
        opts = Options(optimizer=name, schedule=schedule, monitors=("training_cost",), **OPTIMIZERS[name])
        return dict(net=net, training=data_for(net, 12), epochs=2, mini_batch_size=4, eta=0.05,
                    streams=OurStreams(np.random.SeedSequence(30 + i)), options=opts)

    family = [job(i, *s) for i, s in enumerate(settings)]
    hists = sgd_family(family)
    for i, s in enumerate(settings):
        alone = job(i, *s)
        h = sgd(**alone)
        assert family[i]["net"].params.tobytes() == alone["net"].params.tobytes(), s
        assert hists[i].training_cost == h.training_cost
