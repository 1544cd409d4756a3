"""Same seed, same bytes, on every machine (nnsci.cpu_target).

The hashes below are the sha256 of trained weights from the pinned x86-64-v3
build (stored and reviewed like the reference metrics). Any
x86-64-v3 machine that runs this suite must reproduce them bit for bit; a
machine that cannot run the pinned build skips them (its results are only
compared within tolerances)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nnsci import cpu_target
from nnsci.errors import NnsciError

PINNED = cpu_target.is_pinned()
needs_pin = pytest.mark.skipif(not PINNED, reason="this machine does not run the pinned x86-64-v3 build")

# sha256 over the weight and bias arrays of weights.npz (W1, b1, W2, b2, ... in that order, raw bytes).
# (With fastmath, as in the engine's first version, the AVX-512 host build of the development machine
# gave other bytes than the x86-64-v3 build: c46c6a21..., 2bc0246c... and a5ce28b4... against
# 0b1bb948..., 59293a74... and 7b5087fd... Without it both builds give the hashes below.)
EXPECTED = {
    # dense, our seeds, float32: chapter 1's [784, 30, 10] at ci scale (2,000 images, 3 epochs)
    "ch1.net30.s0": "f23bda925829bc3c9cf94e289e8cc115744a67904adf11d5827e5a357b849588",
    # the book's seeded overfitting script (replica mode, float64): 1,000 images, 3 epochs at ci scale
    "ch3.overfit1000": "a7123f77f4f2bae56a1e45204532cd096fffdd8a8fd8869051dc81e1a24f5ae2",
}
# dense with dropout (network3's rule) and L2, through the engine's API: see _dropout_run
EXPECTED_DROPOUT = "b2a07ad0fc7f3a44a03575a38e24321383419cd2e7ea8b13780f364db355025c"


def params_sha256(arrays) -> str:
    h = hashlib.sha256()
    layers = sorted(int(k[1:]) for k in arrays if k.startswith("W") and k[1:].isdigit())
    for l in layers:
        for name in (f"W{l}", f"b{l}"):
            h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()


def _env(**extra):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


@needs_pin
def test_trained_weights_have_the_stored_bytes(tmp_path, mnist_npz):
    """`nnsci train` in a fresh process, as the pipeline runs it, at ci scale."""
    cmd = [sys.executable, "-m", "nnsci.cli", "train", *EXPECTED, "--input", f"mnist={mnist_npz}",
           "--scale", "ci", "--results", str(tmp_path)]
    r = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    for run, expected in EXPECTED.items():
        with np.load(tmp_path / "runs" / run / "weights.npz") as z:
            assert params_sha256(z) == expected, run
        prov = json.loads((tmp_path / "runs" / run / "provenance.json").read_text())
        assert prov["compile_target"]["cpu_name"] == cpu_target.PINNED_CPU
        assert prov["compile_target"]["pinned"] is True


def _dropout_run(mnist_npz):
    from nnsci.data.mnist import to_float
    from nnsci.engine import Dataset, Network, Options, OurStreams, sgd

    with np.load(mnist_npz) as z:
        x, y = to_float(z["training_x"][:1000]), z["training_y"][:1000]
    data = Dataset.classification(x, y, 10, "float32")
    net = Network([784, 30, 10], "sigmoid", "softmax", "log_likelihood", "float32", dropout=[0.2, 0.5])
    streams = OurStreams(np.random.SeedSequence(20261128))
    net.initialize("default", streams.normal)
    sgd(net, data, 2, 10, 0.5, streams, options=Options(lmbda=1.0))
    return params_sha256({**{f"W{l}": net.weights(l) for l in range(1, net.L + 1)},
                          **{f"b{l}": net.biases(l) for l in range(1, net.L + 1)}})


@needs_pin
def test_dropout_run_has_the_stored_bytes(mnist_npz):
    assert _dropout_run(mnist_npz) == EXPECTED_DROPOUT


SMALL_RUNS = textwrap.dedent("""
    import hashlib, numpy as np
    from nnsci.engine import Dataset, Network, Options, OurStreams, feedforward, sgd
    rng = np.random.default_rng(0)
    x = rng.random((300, 20)); labels = rng.integers(0, 4, 300)
    for dtype in ("float32", "float64"):
        data = Dataset.classification(x, labels, 4, dtype)
        net = Network([20, 12, 8, 4], "sigmoid", "softmax", "log_likelihood", dtype, dropout=[0.0, 0.3, 0.5])
        st = OurStreams(np.random.SeedSequence(5)); net.initialize("default", st.normal)
        sgd(net, data, 3, 10, 0.3, st, options=Options(lmbda=0.5, momentum=0.5))
        out = feedforward(net, data.x)
        print(dtype, hashlib.sha256(net.params.tobytes() + out.tobytes()).hexdigest())
""")


def test_compiled_cached_and_host_kernels_give_the_same_bytes(tmp_path):
    """With fastmath, numba's in-memory JIT and the object code it caches rounded differently, and
    so did builds for two CPUs. Now the process that compiles the kernels, the next one, which loads
    them from the cache, and a build for this machine's own CPU (NNSCI_CPU_TARGET=host: AVX-512 where
    it has it) must all train the same bytes."""
    runs = []
    for cache, target in (("pinned", "pinned"), ("pinned", "pinned"), ("host", "host")):
        r = subprocess.run([sys.executable, "-c", SMALL_RUNS],
                           env=_env(NUMBA_CACHE_DIR=str(tmp_path / cache), NNSCI_CPU_TARGET=target),
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        runs.append(r.stdout)
    assert any((tmp_path / "pinned").rglob("*.nbi")), "the first process wrote no cache"
    assert runs[0] == runs[1], "compiled and cache-loaded kernels differ"
    assert runs[0] == runs[2], "the pinned and the host build differ"


def _target_in_fresh_process(prelude="", **env):
    code = prelude + textwrap.dedent("""
        import json
        import nnsci.engine  # compiles nothing yet; numba is configured on import of nnsci
        from nnsci.cpu_target import compile_target
        print(json.dumps(compile_target()))
    """)
    r = subprocess.run([sys.executable, "-c", code], env=_env(**env), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


@needs_pin
def test_a_fresh_process_compiles_for_the_pinned_target():
    # even when the user's environment asks numba for something else
    target, err = _target_in_fresh_process(NUMBA_CPU_NAME="skylake-avx512", NUMBA_CPU_FEATURES="+avx512f")
    assert target["cpu_name"] == "x86-64-v3" and target["cpu_features"] == "" and target["pinned"] is True
    assert "warning" not in err


def test_host_opt_out_compiles_for_this_cpu():
    target, err = _target_in_fresh_process(NNSCI_CPU_TARGET="host")
    assert target["pinned"] is False and target["cpu_name"] == target["host_cpu"]
    assert "warning" not in err      # asked for: no warning


def test_a_cpu_without_x86_64_v3_runs_with_a_one_line_warning():
    # LLVM reports a host without AVX2 and FMA (an older x86-64): nnsci must not pin, and says why once
    prelude = textwrap.dedent("""
        import llvmlite.binding as ll
        _features = ll.get_host_cpu_features
        def _old_cpu():
            f = _features()
            for k in ("avx2", "fma"):
                f[k] = False
            return f
        ll.get_host_cpu_features = _old_cpu
    """)
    target, err = _target_in_fresh_process(prelude)
    assert target["pinned"] is False
    lines = [l for l in err.splitlines() if "warning" in l]
    assert len(lines) == 1
    assert "lacks avx2, fma" in lines[0] and "may not be bit-identical" in lines[0]


def test_decide():
    v3 = set(cpu_target.X86_64_V3)
    assert cpu_target.decide("pinned", "x86_64", v3 | {"avx512f"}) == (True, "")
    assert cpu_target.decide("pinned", "aarch64", v3)[0] is False
    assert "lacks movbe" in cpu_target.decide("pinned", "x86_64", v3 - {"movbe"})[1]
    assert cpu_target.decide("host", "x86_64", v3)[0] is False
    with pytest.raises(NnsciError, match="NNSCI_CPU_TARGET"):
        cpu_target.decide("native", "x86_64", v3)


def test_engine_hash_depends_on_the_compile_target():
    code = "from nnsci.provenance import engine_source_hash; print(engine_source_hash('cpu'))"
    hashes = {subprocess.run([sys.executable, "-c", code], env=_env(NNSCI_CPU_TARGET=t), capture_output=True,
                             text=True, timeout=60).stdout.strip() for t in ("pinned", "host")}
    assert len(hashes) == 2


@pytest.mark.parametrize("engine,other", [("cpu", "cuda"), ("cuda", "cpu")])
def test_engine_hash_covers_its_own_kernels_and_the_shared_rules_only(tmp_path, monkeypatch, engine, other):
    """Editing one backend's kernels retrains that backend's runs only; editing the scalar rules
    both devices share (nnsci/engine/rules.py) retrains both."""
    import shutil

    from nnsci import provenance

    pkg = tmp_path / "nnsci"
    shutil.copytree(provenance.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", pkg)
    before = provenance.engine_source_hash(engine)
    for name in sorted(p.name for p in (pkg / "engine" / other).glob("*.py")):
        with open(pkg / "engine" / other / name, "a") as f:
            f.write("\n# a comment\n")
    assert provenance.engine_source_hash(engine) == before
    with open(pkg / "engine" / engine / "kernels.py", "a") as f:
        f.write("\n# a comment\n")
    changed = provenance.engine_source_hash(engine)
    assert changed != before
    with open(pkg / "engine" / "rules.py", "a") as f:
        f.write("\n# a comment\n")
    assert provenance.engine_source_hash(engine) != changed


@pytest.mark.parametrize("engine", ["cpu", "cuda"])
def test_engine_hash_covers_the_on_the_fly_augmentation_and_not_the_figures(tmp_path, monkeypatch, engine):
    """A run with options.augment draws its shifts and rotations in nnsci/data/augment.py inside
    the training loop: editing that file must retrain it (a new hash); editing a figure must not."""
    import shutil

    from nnsci import provenance

    pkg = tmp_path / "nnsci"
    shutil.copytree(provenance.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", pkg)
    before = provenance.engine_source_hash(engine)
    with open(pkg / "figures" / "ch1.py", "a") as f:
        f.write("\n# a comment\n")
    assert provenance.engine_source_hash(engine) == before
    with open(pkg / "data" / "augment.py", "a") as f:
        f.write("\n# a comment\n")
    assert provenance.engine_source_hash(engine) != before
