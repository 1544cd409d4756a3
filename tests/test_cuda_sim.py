"""The CUDA backend against the CPU backend, on tiny networks.

In CI the kernels run in numba's CUDA simulator (conftest sets NUMBA_ENABLE_CUDASIM=1 before
numba is imported); on a GPU machine ``NUMBA_ENABLE_CUDASIM=0 pytest -m cudasim`` runs the same
tests on the hardware (bench/gpu_check.sh). Forward (evaluation), backward (the gradient) and
one epoch of SGD must equal the CPU engine to 1e-10 in float64 and 1e-5 in float32, for dense
networks (network2's conventions), ConvPool, dropout, Softmax, momentum, L1 and L2; a family of
runs trained in one launch must equal the same runs trained one by one."""

from __future__ import annotations

import functools
import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

try:   # numba.cuda after the numpy 2.5 shim
    from nnsci.engine.cuda.compat import import_cuda

    import_cuda()
except ImportError:
    pytest.skip("numba-cuda is not installed", allow_module_level=True)

from nnsci.engine import Dataset, Network, Options, OurStreams, sgd  # noqa: E402
from nnsci.engine.backends import open_family  # noqa: E402

pytestmark = pytest.mark.cudasim

TOL = {"float64": 1e-10, "float32": 1e-5}


def close(a, b, dtype, what):
    tol = TOL[dtype]
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=tol, atol=tol,
                               err_msg=what)


def tiny_data(n_in, n_out, n=14, dtype="float64", seed=0, blank=0):
    """n random inputs in [0, 1) (the first ``blank`` units 0 in every row: constant regions make
    ties in max-pooling) with random labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_in))
    x[:, :blank] = 0.0
    return Dataset.classification(x, rng.integers(0, n_out, n), n_out, dtype)


def make_net(form, dtype, seed=1):
    rng = np.random.default_rng(seed)
    if form == "sigmoid":       # network2: sigmoid, cross-entropy
        net = Network([7, 5, 4, 3], "sigmoid", "sigmoid", "cross_entropy", dtype)
    elif form == "quadratic":   # network.py's cost, tanh hidden layer
        net = Network([7, 6, 3], "tanh", "sigmoid", "quadratic", dtype)
    elif form == "softmax":     # ReLU hidden, softmax with log-likelihood, dropout on both layers' inputs
        net = Network([7, 6, 3], "relu", "softmax", "log_likelihood", dtype, dropout=[0.25, 0.5])
    elif form == "inverted":    # inverted dropout (negative rate) on a dense net
        net = Network([7, 6, 3], "sigmoid", "sigmoid", "cross_entropy", dtype, dropout=[0.0, -0.4])
    elif form == "conv":        # two ConvPool layers (ties through the zero border), FC with dropout, softmax
        net = Network({"input": [1, 8, 8], "layers": [
            {"conv": {"maps": 2, "k": 3, "pool": 2, "activation": "sigmoid"}},
            {"conv": {"maps": 3, "k": 2, "pool": 2, "activation": "relu"}},
            {"fc": {"n": 4, "activation": "tanh", "dropout": 0.5}},
            {"softmax": {"n": 3, "dropout": 0.25}}]}, cost="log_likelihood", dtype=dtype)
    else:
        raise ValueError(form)
    net.initialize("network3" if form == "conv" else "default", rng.standard_normal)
    if form == "conv":   # network3 starts the softmax layer at zero; give it something to pass down
        net.weights(net.L)[:] = 0.3 * rng.standard_normal(net.weights(net.L).shape)
    return net


def data_for(net, dtype, **kw):
    return tiny_data(int(net.sizes[0]), int(net.sizes[-1]), dtype=dtype,
                     blank=20 if net.plan.layers[0].kind == "convpool" else 0, **kw)


HYPER = {   # (eta, lambda, l1, momentum)
    "plain": (0.5, 0.0, 0.0, 0.0),
    "l2": (0.5, 3.0, 0.0, 0.0),
    "l1": (0.4, 0.0, 2.0, 0.0),
    "momentum": (0.3, 1.0, 0.5, 0.6),
}


def epoch_args(net, n, hyper, epoch=0):
    eta, lmbda, l1, mu = hyper
    T = net.dtype.type
    return T(eta), T(1 - eta * lmbda / n), T(eta * l1 / n), T(mu)


def one_epoch(engine, net, data, order, batch, hyper, seed=11, epoch=0, threads=None):
    net = net.copy()
    if threads is None:
        fam = open_family(engine, [net], batch)
    else:   # the CUDA backend with this many threads per block
        from nnsci.engine.cuda.backend import CudaFamily

        fam = CudaFamily([net], batch, threads)
    fam.sgd_epoch(data, order, len(order), *epoch_args(net, len(data), hyper), seed, epoch)
    return net.params.copy(), fam.get_velocity()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", ["sigmoid", "quadratic", "softmax", "inverted", "conv"])
def test_forward_and_backward_equal_the_cpu(form, dtype):
    net = make_net(form, dtype)
    data = data_for(net, dtype)
    cpu, gpu = open_family("cpu", [net.copy()], 4), open_family("cuda", [net.copy()], 4)
    for (a, b, what) in zip(cpu.evaluate_rows(data), gpu.evaluate_rows(data), ("outputs", "C_x", "correct")):
        close(a, b, dtype, f"{form} {what}")
    close(cpu.gradient_sum(data), gpu.gradient_sum(data), dtype, f"{form} gradient")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form,hyper", [("sigmoid", "plain"), ("sigmoid", "momentum"), ("quadratic", "l1"),
                                        ("softmax", "l2"), ("inverted", "momentum"), ("conv", "l2"),
                                        ("conv", "momentum")])
def test_one_epoch_equals_the_cpu(form, hyper, dtype):
    """One epoch (shuffled order, a short last mini-batch): parameters and velocities."""
    net = make_net(form, dtype)
    data = data_for(net, dtype)
    order = np.random.default_rng(5).permutation(len(data)).astype(np.int64)
    p_cpu, v_cpu = one_epoch("cpu", net, data, order, 4, HYPER[hyper])
    p_gpu, v_gpu = one_epoch("cuda", net, data, order, 4, HYPER[hyper])
    assert not np.allclose(p_cpu, net.params)   # it trained
    close(p_cpu, p_gpu, dtype, f"{form} {hyper} parameters")
    close(v_cpu, v_gpu, dtype, f"{form} {hyper} velocity")


def test_results_do_not_depend_on_the_threads_per_block():
    net = make_net("conv", "float32")
    data = data_for(net, "float32")
    order = np.arange(len(data), dtype=np.int64)
    a = one_epoch("cuda", net, data, order, 4, HYPER["momentum"], threads=3)
    b = one_epoch("cuda", net, data, order, 4, HYPER["momentum"], threads=8)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()


@pytest.mark.parametrize("form", ["softmax", "conv"])
def test_a_family_in_one_launch_equals_its_runs_one_by_one(form):
    """Three runs of one plan (their own initial weights, batch orders, training-set sizes, eta,
    lambda, momentum, dropout seeds and epochs) in ONE launch equal the same runs one at a time,
    byte for byte, and the CPU to 1e-10."""
    dtype = "float64"
    nets = [make_net(form, dtype, seed=s) for s in (1, 2, 3)]
    data = data_for(nets[0], dtype)
    rng = np.random.default_rng(9)
    sizes = [14, 9, 12]
    orders = [rng.permutation(n).astype(np.int64) for n in sizes]
    hypers = [HYPER["l2"], HYPER["momentum"], HYPER["l1"]]
    seeds, epochs = [3, 4, 5], [0, 2, 1]
    family = [n.copy() for n in nets]
    fam = open_family("cuda", family, 4)
    args = [epoch_args(n, len(data), h) for n, h in zip(nets, hypers)]
    fam.sgd_epoch_family(data, orders, sizes, *zip(*args), seeds, epochs)
    for r, net in enumerate(nets):
        alone, cpu = net.copy(), net.copy()
        open_family("cuda", [alone], 4).sgd_epoch(data, orders[r], sizes[r], *args[r], seeds[r], epochs[r])
        open_family("cpu", [cpu], 4).sgd_epoch(data, orders[r], sizes[r], *args[r], seeds[r], epochs[r])
        assert family[r].params.tobytes() == alone.params.tobytes(), f"run {r}"
        close(cpu.params, family[r].params, dtype, f"run {r} against the CPU")


def test_sgd_through_the_trainer_equals_the_cpu(tmp_path, caplog):
    """engine=cuda through sgd(): monitors, the gradient-norm probes, the best-validation rule, and
    a checkpoint (a run stopped after 2 epochs and continued to 3 equals one that ran straight)."""
    dtype = "float64"
    net = make_net("softmax", dtype)
    train, held = data_for(net, dtype), data_for(net, dtype, seed=3)

    def run(engine, epochs, checkpoint=None):
        n = net.copy()
        opt = Options(lmbda=1.0, momentum=0.5, monitors=("training_cost", "evaluation_accuracy"), test=held,
                      probe=held, engine=engine)
        h = sgd(n, train, epochs, 4, 0.3, OurStreams(np.random.SeedSequence(7)), evaluation=held, options=opt,
                checkpoint=checkpoint, checkpoint_key="k")
        return n.params, h

    (p_cpu, h_cpu), (p_gpu, h_gpu) = run("cpu", 3), run("cuda", 3)
    close(p_cpu, p_gpu, dtype, "parameters")
    close(h_cpu.training_cost, h_gpu.training_cost, dtype, "training cost")
    close(h_cpu.grad_norms_w, h_gpu.grad_norms_w, dtype, "gradient norms")
    assert h_cpu.evaluation_accuracy == h_gpu.evaluation_accuracy
    ck = tmp_path / "run.ckpt.npz"
    run("cuda", 2, ck)
    with caplog.at_level("INFO", logger="nnsci.engine"):
        p_resumed, h_resumed = run("cuda", 3, ck)
    assert "continuing at epoch 2" in caplog.text
    assert p_resumed.tobytes() == p_gpu.tobytes() and h_resumed.training_cost == h_gpu.training_cost


@functools.cache
def ptx_check():
    """bench/cuda_ptx_check.py's (exit status, stdout, stderr), run once for the tests below."""
    repo = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(repo / "bench" / "cuda_ptx_check.py")], capture_output=True, text=True,
                       timeout=900, env={**os.environ, "PYTHONPATH": str(repo)})
    return r.returncode, r.stdout, r.stderr


def ptx_check_output():
    """The script's stdout, after checking that it ran; skipped where CUDA's libNVVM and libdevice
    (/usr/local/cuda or CUDA_HOME) are missing."""
    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    if not glob.glob(os.path.join(home, "nvvm", "libdevice", "libdevice*.bc")):
        pytest.skip(f"no libdevice under {home}/nvvm (CUDA toolkit not installed)")
    rc, out, err = ptx_check()
    if rc != 0 and "nvvm" in (err or "").lower() and "ok " not in out:
        pytest.skip(f"libNVVM not usable here: {err.strip().splitlines()[-1]}")
    assert rc == 0, out + err[-3000:]
    return out


def test_every_kernel_compiles_for_a_gpu():
    """The simulator runs the kernels as Python; numba-cuda's compiler (typing, NVVM) is checked by
    compiling every kernel to PTX for sm_90, float32 and float64, without a GPU
    (bench/cuda_ptx_check.py)."""
    out = ptx_check_output()
    assert out.count("ok ") == 6, out


FMA_LINE = re.compile(r"^ok +(\w+) (float\d+): fma default (\d+), fma=0 (\d+); "
                      r"outside libdevice: default (\d+), fma=0 (\d+);", re.M)


def test_no_fused_multiply_add_outside_libdevice():
    """Every kernel is compiled with libNVVM's -fma=0 (nnsci/engine/cuda/nofma.py): in its PTX for
    sm_90, compiled with every libdevice call made opaque (an external function whose body is not in
    the PTX), no fma.rn/mad.rn instruction is left, in float32 and float64; with libNVVM's default
    (-fma=1) the same compile has some (the contracted a * b + c of the engine's own arithmetic).
    The fma inside libdevice's exp, log, tanh and erf remain until the engine has its own."""
    found = FMA_LINE.findall(ptx_check_output())
    assert sorted((k, d) for k, d, *_ in found) == sorted(
        (k, d) for k in ("evaluate_kernel", "gradient_kernel", "sgd_epoch_kernel") for d in ("float32", "float64"))
    for kernel, dtype, default, nofma, outside_default, outside_nofma in found:
        what = f"{kernel} {dtype}"
        assert int(outside_nofma) == 0, f"{what}: {outside_nofma} contracted multiply-adds under -fma=0"
        assert int(outside_default) > 0, f"{what}: libNVVM's default contracted nothing (the count sees nothing)"
        assert int(nofma) < int(default), what


def test_the_fma_patch_refuses_an_unchecked_numba_cuda_and_stays_out_of_the_simulator():
    from nnsci.engine.cuda import nofma
    from nnsci.errors import NnsciError

    nofma.check_version("0.30.4")
    with pytest.raises(NnsciError, match="numba-cuda 0.31.0: the fma=0 compile patch"):
        nofma.check_version("0.31.0")
    assert not nofma.installed()   # conftest runs these tests in the simulator: nothing compiles there


@pytest.mark.parametrize("engine", ["cuda", "cpu"])
def test_sgd_family_equals_sgd_run_by_run(engine):
    """sgd_family (each epoch of every run in one backend call; on CUDA one launch) gives each run
    the bytes of sgd(): runs with their own seeds, lambda, momentum, epochs and early stopping
    (one stops before the others, and the launch goes on without it)."""
    from nnsci.engine import sgd_family

    dtype = "float64"
    train = data_for(make_net("softmax", dtype), dtype)
    held = data_for(make_net("softmax", dtype), dtype, seed=3)
    settings = [dict(epochs=3, options=dict(lmbda=1.0)), dict(epochs=2, options=dict(momentum=0.5)),
                dict(epochs=4, options=dict(early_stopping=1, lmbda=0.1))]

    def job(i, s):
        opt = Options(monitors=("evaluation_accuracy", "training_cost"), engine=engine, **s["options"])
        return dict(net=make_net("softmax", dtype, seed=i), training=train, epochs=s["epochs"], mini_batch_size=4,
                    eta=0.4, streams=OurStreams(np.random.SeedSequence(20 + i)), evaluation=held, options=opt)

    family = [job(i, s) for i, s in enumerate(settings)]
    hists = sgd_family(family)
    for i, s in enumerate(settings):
        alone = job(i, s)
        h = sgd(**alone)
        assert family[i]["net"].params.tobytes() == alone["net"].params.tobytes(), f"run {i}"
        assert hists[i].training_cost == h.training_cost and hists[i].epochs_run == h.epochs_run
    assert [h.epochs_run for h in hists][:2] == [3, 2]


def test_a_training_job_under_cuda_trains_runs_of_one_network_side_by_side(monkeypatch, tmp_path):
    """nnsci train under engine=cuda: consecutive our-seed runs of one network, dtype, training data
    and mini-batch go to the trainer together (one launch per epoch); a replica script's runs, which
    share the book's streams, train one after another."""
    from nnsci.experiments import train as tr

    groups = []
    monkeypatch.setattr(tr, "_prepare", lambda run, *a, **k: {"run_id": run.run_id, "spec": run.spec})
    monkeypatch.setattr(tr, "train_family", lambda jobs: groups.append([j["run_id"] for j in jobs]))
    monkeypatch.setattr(tr, "train_one", lambda run, *a, **k: groups.append(["alone", run.run_id]))
    ids = ["ch3.eta0.025.s0", "ch3.eta0.025.s1", "ch3.eta0.25.s0", "ch3.ce30.s0", "ch3.ce100.s0", "ch3.ce100.s1",
           "ch3.overfit1000"]
    tr.train_runs(ids, {}, scale="ci", engine="cuda", results=str(tmp_path))
    assert groups == [ids[:4], ids[4:6], ["alone", ids[6]]]   # ce30 is eta's [784, 30, 10]
    groups.clear()
    tr.train_runs(ids[:2], {}, scale="ci", engine="cpu", results=str(tmp_path))
    assert groups == [["alone", ids[0]], ["alone", ids[1]]]
