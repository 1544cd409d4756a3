"""Fashion-MNIST, the second data set: downloaded and verified as MNIST is (one row of the table
in nnsci/data/download.py), prepared in the book's split, selected per run by `dataset:`.

Everything comes from the local mirror (``NNSCI_FASHION_MNIST_MIRROR`` or tests/conftest.py's
default); nothing reaches the internet."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import socket

import numpy as np
import pytest
import yaml

from nnsci import paths
from nnsci.data import download
from nnsci.data.download import DATASETS, FASHION_MNIST_SHA256, download_dataset, gz_content_sha256, mirror_list
from nnsci.data.mnist import CLASS_NAMES, load_mnist
from nnsci.errors import NnsciError

NAMES = list(FASHION_MNIST_SHA256)
FAST = dict(retries=0, backoff=0.0, timeout=5.0)

# The book's split of Fashion-MNIST: the first 50,000 official training images, the last 10,000,
# the official test set. Class counts of each (the official sets have 6,000 and 1,000 per class).
TRAINING_COUNTS = [4977, 5012, 4992, 4979, 4950, 5004, 5030, 5045, 5032, 4979]
VALIDATION_COUNTS = [1023, 988, 1008, 1021, 1050, 996, 970, 955, 968, 1021]


@pytest.fixture(autouse=True)
def no_env_mirrors(monkeypatch):
    monkeypatch.delenv("NNSCI_MNIST_MIRROR", raising=False)
    monkeypatch.delenv("NNSCI_FASHION_MNIST_MIRROR", raising=False)


@pytest.fixture
def dead_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_hash_table_is_the_mirrors_published_one(fashion_mirror_dir):
    """The hashes we verify against are the raw sha256s that SOURCES.md of the mirror publishes."""
    text = (fashion_mirror_dir / "SOURCES.md").read_text()
    published = dict(re.findall(r"^\| ([a-z0-9-]+-ubyte) \| [0-9a-f]{32} \| ([0-9a-f]{64}) \|$", text, re.M))
    assert {f"{k}.gz": v for k, v in published.items()} == FASHION_MNIST_SHA256
    assert DATASETS["fashion-mnist"].sha256 is FASHION_MNIST_SHA256


def test_download_from_the_local_mirror_is_verified(tmp_path, fashion_mirror_dir):
    out = tmp_path / "raw"
    paths_ = download_dataset("fashion-mnist", out, mirrors=[str(fashion_mirror_dir)], **FAST)
    assert [p.name for p in paths_] == NAMES
    for name in NAMES:
        assert (out / name).read_bytes() == (fashion_mirror_dir / name).read_bytes()
        assert gz_content_sha256(out / name) == FASHION_MNIST_SHA256[name]
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)   # no temporary files left


def test_the_environment_variable_mirror_is_tried_first(tmp_path, fashion_mirror_dir, dead_url, monkeypatch):
    monkeypatch.setenv("NNSCI_FASHION_MNIST_MIRROR", str(fashion_mirror_dir))
    monkeypatch.setenv("NNSCI_MNIST_MIRROR", "/nowhere/mnist")   # MNIST's variable is MNIST's only
    assert mirror_list([dead_url], "fashion-mnist") == [str(fashion_mirror_dir), dead_url]
    download_dataset("fashion-mnist", tmp_path / "raw", mirrors=[dead_url], **FAST)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(NAMES)


def test_default_mirrors_are_the_configs_public_ones():
    from nnsci.config import load_config

    mirrors = mirror_list(dataset="fashion-mnist")
    assert mirrors == load_config()["fashion_mnist_mirrors"]
    assert mirrors[0] == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    assert len(mirrors) >= 2 and all(m.startswith(("http://", "https://")) for m in mirrors)


def test_unknown_data_set_is_one_line():
    with pytest.raises(NnsciError, match="unknown data set 'cifar'; choose one of mnist, fashion-mnist"):
        mirror_list([], "cifar")


def test_corrupted_file_is_rejected_and_nothing_half_written(tmp_path, fashion_mirror_dir):
    """A mirror whose train-labels differ by one byte: the download stops with one line naming the
    file and both hashes; the verified file before it is in place, nothing of the bad one."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in NAMES:
        (mirror / name).symlink_to(fashion_mirror_dir / name)
    bad_name = "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress((fashion_mirror_dir / bad_name).read_bytes()))
    raw[100] = (raw[100] + 1) % 10
    (mirror / bad_name).unlink()
    (mirror / bad_name).write_bytes(gzip.compress(bytes(raw), mtime=0))
    out = tmp_path / "raw"
    with pytest.raises(NnsciError) as e:
        download_dataset("fashion-mnist", out, mirrors=[str(mirror)], **FAST)
    message = str(e.value)
    assert "\n" not in message
    assert bad_name in message and str(out / bad_name) in message
    assert FASHION_MNIST_SHA256[bad_name] in message and hashlib.sha256(bytes(raw)).hexdigest() in message
    assert sorted(p.name for p in out.iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_mnist_files_are_not_fashion_mnist(tmp_path, mirror_dir):
    """The same file names, other content: MNIST's mirror cannot pass for Fashion-MNIST's."""
    out = tmp_path / "raw"
    with pytest.raises(NnsciError, match="checksum mismatch for train-images-idx3-ubyte.gz"):
        download_dataset("fashion-mnist", out, mirrors=[str(mirror_dir)], **FAST)
    assert list(out.iterdir()) == []


def test_prepared_split_sizes_and_classes(fashion_mnist_npz):
    data = load_mnist(fashion_mnist_npz)
    assert {k: v.shape for k, v in data.items()} == {
        "training_x": (50_000, 784), "training_y": (50_000,),
        "validation_x": (10_000, 784), "validation_y": (10_000,),
        "test_x": (10_000, 784), "test_y": (10_000,)}
    assert all(v.dtype == np.uint8 for v in data.values())
    assert np.bincount(data["training_y"], minlength=10).tolist() == TRAINING_COUNTS
    assert np.bincount(data["validation_y"], minlength=10).tolist() == VALIDATION_COUNTS
    assert np.bincount(data["test_y"], minlength=10).tolist() == [1000] * 10
    assert len(CLASS_NAMES["fashion-mnist"]) == 10 and CLASS_NAMES["fashion-mnist"][9] == "Ankle boot"
    # The official training set's first image is an ankle boot, its first test image too.
    assert data["training_y"][0] == 9 and data["test_y"][0] == 9


# ---- selecting the data set in a run spec ---------------------------------------------------------

NET30 = {"net": [784, 30, 10], "cost": "quadratic", "init": "large", "eta": 3.0, "epochs": 30,
         "train": {"set": "training"}, "eval": {"set": "test"}, "monitors": ["evaluation_accuracy"]}


def test_spec_dataset_key():
    from nnsci.experiments.spec import data_key, dataset_of, validate

    spec = validate({**NET30, "dataset": "fashion-mnist"}, "ch7.x")
    assert dataset_of(spec) == "fashion-mnist"
    plain = validate(dict(NET30), "ch1.x")
    assert "dataset" not in plain and dataset_of(plain) == "mnist"   # resolved specs of MNIST runs unchanged
    with pytest.raises(NnsciError, match=r"^ch7\.x: dataset 'cifar': 'cifar' is not one of"):
        validate({**NET30, "dataset": "cifar"}, "ch7.x")
    assert [data_key(d, s) for d in ("mnist", "fashion-mnist") for s in ("validation", "expanded")] == \
        ["mnist", "expanded", "fashion-mnist", "fashion-mnist-expanded"]


@pytest.fixture
def ch7(tmp_path, monkeypatch):
    """Experiment specs of a chapter written for the test (config/experiments is the real one)."""
    d = tmp_path / "experiments"
    d.mkdir()

    writes = []

    def write(specs):
        f = d / "ch7.yaml"
        f.write_text(yaml.safe_dump(specs))
        writes.append(f.stat().st_mtime_ns)
        os.utime(f, ns=(writes[0] + len(writes),) * 2)   # a rewrite is seen even on coarse clocks

    monkeypatch.setattr(paths, "EXPERIMENTS_DIR", d)
    return write


def test_data_inputs_follow_the_dataset(ch7):
    from nnsci.experiments import data_inputs

    ch7({"ch7.fashion": {**NET30, "dataset": "fashion-mnist"},
         "ch7.fashion_expanded": {**NET30, "dataset": "fashion-mnist", "train": {"set": "expanded"}},
         "ch7.digits": dict(NET30)})
    assert data_inputs("ch7.fashion.s0") == ["fashion-mnist"]
    assert data_inputs("ch7.fashion_expanded.s0") == ["fashion-mnist", "fashion-mnist-expanded"]
    assert data_inputs("ch7.digits.s0") == ["mnist"]


def test_a_run_spec_selecting_fashion_mnist_trains_on_it(tmp_path, ch7, fashion_mnist_npz):
    """At ci scale (2,000 training images, 3 epochs): the run reads the Fashion-MNIST file, says so in
    its metrics and provenance, learns (above chance), and asks for that file when it is missing."""
    from nnsci.experiments.train import train_runs

    ch7({"ch7.fashion_net30": {**NET30, "dataset": "fashion-mnist"}})
    with pytest.raises(NnsciError, match=r"needs --input fashion-mnist=PATH"):
        train_runs(["ch7.fashion_net30.s0"], inputs={"mnist": "/nowhere.npz"}, scale="ci",
                   results=tmp_path / "none")
    train_runs(["ch7.fashion_net30.s0"], inputs={"fashion-mnist": str(fashion_mnist_npz)}, scale="ci",
               results=tmp_path / "results")
    run = tmp_path / "results" / "runs" / "ch7.fashion_net30.s0"
    metrics = json.loads((run / "metrics.json").read_text())
    provenance = json.loads((run / "provenance.json").read_text())
    assert metrics["spec"]["dataset"] == "fashion-mnist"
    assert metrics["n_training"] == 2000 and metrics["n_evaluation"] == 1000
    assert len(metrics["evaluation_accuracy"]) == metrics["epochs_run"] == 3
    assert metrics["evaluation_accuracy"][-1] > 300   # of 1,000 test images; chance is 100
    assert set(provenance["input_sha256"]) == {"fashion-mnist"}


def test_an_augmented_run_spec_is_deterministic_and_differs_from_the_plain_one(tmp_path, ch7, fashion_mnist_npz):
    """options: {augment: {shift: 2, rotate: 15}} through `nnsci train`'s path: drawn from the run's
    seed (same seed, same bytes; another seed, other bytes), and not the plain run's training."""
    from nnsci.experiments.train import train_runs

    plain = {**NET30, "dataset": "fashion-mnist", "seeds": 2}
    inputs = {"fashion-mnist": str(fashion_mnist_npz)}
    ch7({"ch7.fashion": plain})
    train_runs(["ch7.fashion.s0"], inputs=inputs, scale="ci", results=tmp_path / "plain")
    ch7({"ch7.fashion": {**plain, "options": {"augment": {"shift": 2, "rotate": 15}}}})
    train_runs(["ch7.fashion.s0", "ch7.fashion.s1"], inputs=inputs, scale="ci", results=tmp_path / "a")
    train_runs(["ch7.fashion.s0"], inputs=inputs, scale="ci", results=tmp_path / "b")

    def weights(results, run="ch7.fashion.s0"):
        with np.load(tmp_path / results / "runs" / run / "weights.npz") as z:
            return b"".join(z[k].tobytes() for k in sorted(z.files))

    assert weights("a") == weights("b")
    assert weights("a") != weights("a", "ch7.fashion.s1")
    assert weights("a") != weights("plain")   # the same seed without augmentation
    metrics = json.loads((tmp_path / "a" / "runs" / "ch7.fashion.s0" / "metrics.json").read_text())
    assert metrics["spec"]["options"]["augment"] == {"shift": 2, "rotate": 15}
    assert metrics["evaluation_accuracy"][-1] > 300


def test_the_rules_download_and_prepare_fashion_mnist(tmp_path, fashion_mirror_dir):
    """rules download_fashion_mnist and prepare_fashion_mnist, from the local mirror
    ($NNSCI_FASHION_MNIST_MIRROR), into resources/fashion-mnist/; a second call has nothing to do."""
    from conftest import run_snakemake

    target = "resources/fashion-mnist/fashion-mnist.npz"
    result = run_snakemake(tmp_path, target, "--cores", "1", fashion_mirror=fashion_mirror_dir, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    data = load_mnist(tmp_path / target)
    assert [len(data[f"{s}_y"]) for s in ("training", "validation", "test")] == [50_000, 10_000, 10_000]
    assert sorted(p.name for p in (tmp_path / "resources/fashion-mnist/raw").iterdir()) == sorted(NAMES)
    assert (tmp_path / "logs/data/download_fashion_mnist.log").is_file()
    assert not (tmp_path / "resources/mnist").exists()
    again = run_snakemake(tmp_path, target, "-n", fashion_mirror=fashion_mirror_dir)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
