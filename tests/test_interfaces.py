"""The engine's interfaces: the backend Protocol both backends implement, their explicit refusals,
the optimiser coupling rules in one place, and one-line errors for a bad NNSCI_CPU_TARGET."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_snakemake

from nnsci.engine import Dataset, Network
from nnsci.engine.backends import open_family
from nnsci.engine.protocol import CAPABILITIES, Backend
from nnsci.engine.cpu.backend import CpuFamily
from nnsci.engine.optim import Optimizer, Penalties
from nnsci.errors import NnsciError

ENGINE = Path(__file__).resolve().parents[1] / "nnsci" / "engine"


def protocol_methods():
    return {k: v for k, v in vars(Backend).items() if inspect.isfunction(v) and not k.startswith("_")}


def cuda_family_class():
    try:
        from nnsci.engine.cuda.compat import import_cuda

        import_cuda()
    except ImportError:
        pytest.skip("numba-cuda is not installed")
    from nnsci.engine.cuda.backend import CudaFamily

    return CudaFamily


def signature(f):
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]


def tiny(dtype="float64"):
    net = Network([4, 3, 2], "sigmoid", "sigmoid", "cross_entropy", dtype)
    net.initialize("default", np.random.default_rng(0).standard_normal)
    rng = np.random.default_rng(1)
    return net, Dataset.classification(rng.random((6, 4)), rng.integers(0, 2, 6), 2, dtype)


@pytest.mark.parametrize("engine", ["cpu", pytest.param("cuda", marks=pytest.mark.cudasim)])
def test_both_backends_implement_the_protocol_with_the_same_signatures(engine):
    cls = CpuFamily if engine == "cpu" else cuda_family_class()
    methods = protocol_methods()
    assert {"get_params", "set_velocity", "get_optimizer_state", "set_state", "sgd_epoch", "sgd_epoch_family",
            "gradient_sum", "evaluate_rows", "forward_only"} <= set(methods)
    for name, proto in methods.items():
        mine = getattr(cls, name)
        # the same parameter names in the same order; the defaults of run and norm agree
        assert [p for p, _ in signature(mine)] == [p for p, _ in signature(proto)], name
        for (p, d), (_, dp) in zip(signature(mine), signature(proto)):
            if p in ("run", "norm", "rows", "c2", "c1"):
                assert d == dp, f"{name}({p})"
    net, _ = tiny()
    backend = open_family(engine, [net], 2)
    assert isinstance(backend, Backend)
    assert backend.name == engine and backend.capabilities is CAPABILITIES[engine]


def test_the_cpu_has_no_one_launch_family_epoch_and_says_so():
    net, data = tiny()
    backend = open_family("cpu", [net], 2)
    assert not backend.capabilities.one_launch_family
    with pytest.raises(NnsciError, match="engine=cpu has no one-launch family epoch") as e:
        backend.sgd_epoch_family(data, [np.arange(6)], [6], [0.1], [1.0], [0.0], [0.0], [1], [0])
    assert "\n" not in str(e.value)


@pytest.mark.cudasim
def test_cuda_refuses_other_optimizers_and_their_state_in_one_line():
    cuda_family_class()
    net, _ = tiny()
    backend = open_family("cuda", [net], 2)
    caps = backend.capabilities
    assert caps.one_launch_family and not (caps.optimizers or caps.schedules or caps.normalisation)
    backend.set_optimizer(Optimizer("sgd"))           # the book's SGD: nothing to set
    assert backend.get_optimizer_state() == {}
    backend.set_optimizer_state({})
    with pytest.raises(NnsciError, match="optimizer adam needs engine=cpu") as e:
        backend.set_optimizer(Optimizer("adam"))
    assert "\n" not in str(e.value)
    with pytest.raises(NnsciError, match="moment1"):
        backend.set_optimizer_state({"moment1": np.zeros(3)})


def test_the_trainer_and_the_checkpoints_do_not_probe_the_backend():
    for name in ("trainer.py", "epochs.py", "checkpoint.py", "measure.py"):
        text = (ENGINE / name).read_text()
        assert not re.search(r"\bhasattr\(|\bgetattr\((self\.)?backend", text), name


# -- the optimiser coupling rules: which L2 decay, L1 and AdamW decay each optimiser gets ----------

DECAY = Penalties(lmbda=5.0, l1=2.0, l2="decay", n=50, num_batches=5)
PENALTY = Penalties(lmbda=5.0, l1=2.0, l2="penalty", n=50, num_batches=5)


@pytest.mark.parametrize("name, p, factors, terms", [
    # the book's rule (network2.py): 1 - eta lambda/n = 1 - 0.5 * 0.1, eta l1/n = 0.5 * 2/50
    ("sgd", DECAY, (0.95, 0.02), (0.1, 0.04)),
    # network3.py's penalty: 1 - eta lambda/num_batches = 1 - 0.5 * 5/5
    ("sgd", PENALTY, (0.5, 0.02), (1.0, 0.04)),
    ("nesterov", DECAY, (0.95, 0.02), (0.1, 0.04)),
    # the adaptive optimisers: L2 and L1 in the gradient, no decay in the step
    ("adagrad", DECAY, (1.0, 0.0), (0.1, 0.04)),
    ("rmsprop", PENALTY, (1.0, 0.0), (1.0, 0.04)),
    ("adam", DECAY, (1.0, 0.0), (0.1, 0.04)),
])
def test_each_optimizer_gets_its_decay_l1_and_gradient_terms(name, p, factors, terms):
    opt = Optimizer(name)
    assert opt.step_factors(0.5, p) == pytest.approx(factors, abs=1e-15)
    assert opt.gradient_terms(p) == pytest.approx(terms, abs=1e-15)
    assert opt.couples_penalties == (name not in ("sgd", "nesterov"))


def test_adamw_decays_by_the_scheduled_rate_times_weight_decay():
    opt = Optimizer("adamw", weight_decay=0.1)
    rates = np.array([0.5, 0.25])
    decay, l1 = opt.step_factors(rates, DECAY)
    np.testing.assert_allclose(decay, [0.95, 0.975], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(l1, [0.0, 0.0])
    assert opt.gradient_terms(DECAY) == pytest.approx((0.1, 0.04), abs=1e-15)


# -- NNSCI_CPU_TARGET ---------------------------------------------------------------------------

def bogus_env():
    return {**os.environ, "NNSCI_CPU_TARGET": "bogus"}


def test_a_bad_cpu_target_is_one_line_from_the_command():
    nnsci = Path(sys.executable).with_name("nnsci")
    cmd = [str(nnsci)] if nnsci.exists() else [sys.executable, "-c", "import sys; from nnsci.cli import main; "
                                               "sys.exit(main())"]
    r = subprocess.run([*cmd, "report-captions", "ch1", "--results", "nowhere"], env=bogus_env(), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 1
    assert r.stderr.strip() == "nnsci report-captions: error: NNSCI_CPU_TARGET='bogus': choose one of pinned, host"


def test_a_bad_cpu_target_is_one_line_from_the_library():
    code = ("import nnsci\nfrom nnsci.errors import NnsciError\nfrom nnsci.engine.backends import get_backend\n"
            "try:\n    get_backend('cpu')\nexcept NnsciError as e:\n    print('ERROR', e)\n")
    r = subprocess.run([sys.executable, "-c", code], env=bogus_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout == "ERROR NNSCI_CPU_TARGET='bogus': choose one of pinned, host\n"


def test_a_bad_cpu_target_is_one_line_from_snakemake(tmp_path, monkeypatch):
    monkeypatch.setenv("NNSCI_CPU_TARGET", "bogus")
    r = run_snakemake(tmp_path, "-n", timeout=300)
    assert r.returncode == 1
    assert (r.stdout + r.stderr).strip() == "nnsci: error: NNSCI_CPU_TARGET='bogus': choose one of pinned, host"


@pytest.mark.cudasim
def test_cuda_refuses_a_rate_per_mini_batch_in_one_line():
    cuda_family_class()
    net, data = tiny()
    backend = open_family("cuda", [net], 2)
    rates = np.full(3, 0.1, net.dtype)
    with pytest.raises(NnsciError, match="a schedule .* needs engine=cpu") as e:
        backend.sgd_epoch(data, np.arange(6), 6, rates, rates, 0 * rates, net.dtype.type(0), 1, 0)
    assert "\n" not in str(e.value)
