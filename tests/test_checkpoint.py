"""Runs that survive a kill: a training process killed after some epochs and started again ends
with the same bytes (weights.npz, metrics.json without its timings) as one never interrupted."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nnsci.engine import Dataset, Network, Options, OurStreams, sgd
from nnsci.engine import checkpoint as ckpt

RUN = "ch6.killme.s0"
SCRIPT = textwrap.dedent("""
    import logging, sys
    from pathlib import Path
    import numpy as np
    from nnsci.engine import OurStreams
    from nnsci.experiments.spec import RunSpec
    from nnsci.experiments.train import DataStore, train_one
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    mnist, out = sys.argv[1], Path(sys.argv[2])
    run = RunSpec.build({
        "net": {"input": [1, 28, 28], "layers": [{"conv": {"maps": 4, "k": 5, "pool": 2}},
                {"fc": {"n": 20, "activation": "relu", "dropout": 0.5}}, {"softmax": {"n": 10, "dropout": 0.5}}]},
        "cost": "log_likelihood", "init": "network3", "eta": 0.1, "lmbda": 0.1, "epochs": 6, "mini_batch": 10,
        "train": {"set": "training", "size": 500}, "eval": {"set": "validation", "size": 200},
        "test": {"set": "test", "size": 200}, "monitors": ["training_cost", "evaluation_accuracy"],
        "options": {"l2": "penalty", "momentum": 0.3}, "dtype": "float64"}, "RUN")
    seed = np.random.SeedSequence(5, spawn_key=(1,))
    train_one(run, OurStreams(seed), DataStore({"mnist": mnist}), "cpu", out / "runs", {"root": 5})
""").replace("RUN", RUN)


def run(mnist, results, kill_after_checkpoint=False):
    cmd = [sys.executable, "-c", SCRIPT, str(mnist), str(results)]
    ck = Path(results) / "checkpoints" / f"{RUN}.npz"
    if not kill_after_checkpoint:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not ck.exists():   # the first epoch's checkpoint: kill the process during the next epochs
        assert p.poll() is None, "the run ended before it could be killed"
        assert time.time() - t0 < 120
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert not (Path(results) / "runs" / RUN / "metrics.json").exists()
    return None


def without_timings(path):
    d = json.loads(Path(path).read_text())
    d.pop("seconds_per_epoch")
    return d


def test_killed_run_resumes_to_the_same_bytes(mnist_npz, tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    run(mnist_npz, straight)
    assert not (straight / "checkpoints" / f"{RUN}.npz").exists()   # removed at completion
    run(mnist_npz, killed, kill_after_checkpoint=True)
    assert (killed / "checkpoints" / f"{RUN}.npz").exists()
    log = run(mnist_npz, killed)
    assert "resumed from checkpoint" in log and "continuing at epoch" in log, log
    assert not (killed / "checkpoints" / f"{RUN}.npz").exists()
    a, b = straight / "runs" / RUN, killed / "runs" / RUN
    assert (a / "weights.npz").read_bytes() == (b / "weights.npz").read_bytes()
    ma, mb = without_timings(a / "metrics.json"), without_timings(b / "metrics.json")
    assert ma == mb
    assert ma["epochs_run"] == 6 and len(ma["test_accuracy"]) == 6


def small_run(tmp_path, epochs, checkpoint, key="k", seed=3):
    rng = np.random.default_rng(0)
    data = Dataset.classification(rng.normal(size=(60, 8)), rng.integers(0, 3, 60), 3, "float64")
    net = Network([8, 6, 3], "tanh", "softmax", "log_likelihood", "float64")
    st = OurStreams(np.random.SeedSequence(seed))
    net.initialize("default", st.normal)
    h = sgd(net, data, epochs, 10, 0.3, st, evaluation=data,
            options=Options(momentum=0.5, monitors=("evaluation_accuracy",)), checkpoint=checkpoint,
            checkpoint_key=key)
    return net, h


def test_checkpoint_continues_in_process(tmp_path):
    ck = tmp_path / "c.npz"
    ref, href = small_run(tmp_path, 5, None)
    small_run(tmp_path, 2, ck)                 # stops after 2 epochs, leaving its checkpoint
    net, h = small_run(tmp_path, 5, ck)        # picks up at epoch 2
    np.testing.assert_array_equal(net.params, ref.params)
    assert h.evaluation_accuracy == href.evaluation_accuracy and h.epochs_run == 5


@pytest.mark.parametrize("damage", ["corrupt", "foreign"])
def test_corrupt_or_foreign_checkpoint_is_refused_and_the_run_starts_afresh(tmp_path, caplog, damage):
    ck = tmp_path / "c.npz"
    ref, _ = small_run(tmp_path, 3, None)
    if damage == "corrupt":
        ck.write_bytes(b"PK\x03\x04 not really a zip")
        key = "k"
    else:
        small_run(tmp_path, 2, ck, key="another spec")
        key = "k"
    with caplog.at_level(logging.WARNING, logger="nnsci.engine"):
        net, h = small_run(tmp_path, 3, ck, key=key)
    msgs = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(msgs) == 1 and "starting from the beginning" in msgs[0] and "\n" not in msgs[0]
    np.testing.assert_array_equal(net.params, ref.params)
    ckpt.remove(ck)
    assert not ck.exists()


def rewrite_state(path, **changes):
    """The checkpoint at ``path`` with fields of its state record changed (what another engine
    version or format would have written)."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    state = json.loads(str(arrays["state"]))
    state.update(changes)
    arrays["state"] = np.array(json.dumps(state))
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def refusal(tmp_path, caplog, ck):
    """Run over the damaged checkpoint ``ck``: the one refusal line, and the run started afresh."""
    ref, _ = small_run(tmp_path, 3, None)
    with caplog.at_level(logging.WARNING, logger="nnsci.engine"):
        net, h = small_run(tmp_path, 3, ck)
    msgs = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(msgs) == 1 and "\n" not in msgs[0], msgs
    np.testing.assert_array_equal(net.params, ref.params)
    assert h.epochs_run == 3
    return msgs[0]


def test_a_checkpoint_records_its_format_and_engine_version(tmp_path):
    ck = tmp_path / "c.npz"
    small_run(tmp_path, 2, ck)
    with np.load(ck) as z:
        state = json.loads(str(z["state"]))
    assert state["format"] == "nnsci-checkpoint-3"
    engine, version = state["engine"].split()
    assert engine == "cpu" and re.fullmatch(r"[0-9a-f]{16}", version)


@pytest.mark.parametrize("field, value, named", [
    ("engine", "cpu 0123456789abcdef", "written by engine version 'cpu 0123456789abcdef'"),
    ("format", "nnsci-checkpoint-2", "its format is 'nnsci-checkpoint-2'"),
])
def test_a_checkpoint_of_another_engine_version_or_format_is_refused_naming_it(tmp_path, caplog, field, value,
                                                                              named):
    ck = tmp_path / "c.npz"
    small_run(tmp_path, 2, ck)
    rewrite_state(ck, **{field: value})
    msg = refusal(tmp_path, caplog, ck)
    assert named in msg, msg


@pytest.mark.parametrize("content, named", [
    ("npz", "not an nnsci checkpoint (no state record)"),
    ("text", "not a readable nnsci checkpoint"),
])
def test_a_foreign_file_is_refused_naming_it(tmp_path, caplog, content, named):
    ck = tmp_path / "c.npz"
    if content == "npz":
        np.savez(ck, weights=np.zeros(3))
    else:
        ck.write_text("weights: 1 2 3\n")
    msg = refusal(tmp_path, caplog, ck)
    assert named in msg, msg
