"""Shared fixtures: the MNIST mirror tests download from, and a prepared MNIST; the same for
Fashion-MNIST.

Tests never reach the internet: MNIST comes from ``NNSCI_MNIST_MIRROR`` or
the local mirror ``../shared/data/mnist`` beside the checkout, Fashion-MNIST from
``NNSCI_FASHION_MNIST_MIRROR`` or ``../shared/data/fashion-mnist``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"

# What the end-to-end run builds: everything, so the test grows as chapters are added, and the
# strict check, which fails when a number differs from the stored ci reference metrics.
E2E_TARGETS = ["all", "check_strict"]

# The CUDA backend's tests (marker cudasim) run its kernels in numba's CUDA simulator. numba reads
# this when it is first imported, so it is set here, before any test imports it;
# NUMBA_ENABLE_CUDASIM=0 runs the same tests on a GPU (bench/gpu_check.sh).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")


def local_mirror(env_var="NNSCI_MNIST_MIRROR", name="mnist") -> Path | None:
    """The directory named by ``env_var`` if it is one, else ``../shared/data/<name>``, else None."""
    env = os.environ.get(env_var)
    if env and not env.startswith(("http://", "https://", "file://")) and Path(env).is_dir():
        return Path(env).resolve()
    local = REPO.parent / "shared" / "data" / name
    return local.resolve() if local.is_dir() else None


def mnist_mirror() -> Path | None:
    return local_mirror("NNSCI_MNIST_MIRROR", "mnist")


def fashion_mnist_mirror() -> Path | None:
    return local_mirror("NNSCI_FASHION_MNIST_MIRROR", "fashion-mnist")


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    d = mnist_mirror()
    if d is None:
        pytest.skip("no local MNIST mirror (set NNSCI_MNIST_MIRROR to a directory)")
    return d


def _prepared(tmp_path_factory, dataset: str, mirror: Path) -> Path:
    """``dataset`` downloaded from ``mirror`` and prepared in the book's split."""
    from nnsci.data.download import download_dataset
    from nnsci.data.mnist import prepare_mnist

    d = tmp_path_factory.mktemp(dataset)
    download_dataset(dataset, d / "raw", mirrors=[str(mirror)])
    out = d / f"{dataset}.npz"
    prepare_mnist(d / "raw", out)
    return out


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory, mirror_dir) -> Path:
    """The book's split, prepared once per test session from the local mirror."""
    return _prepared(tmp_path_factory, "mnist", mirror_dir)


@pytest.fixture(scope="session")
def fashion_mirror_dir() -> Path:
    d = fashion_mnist_mirror()
    if d is None:
        pytest.skip("no local Fashion-MNIST mirror (set NNSCI_FASHION_MNIST_MIRROR to a directory)")
    return d


@pytest.fixture(scope="session")
def fashion_mnist_npz(tmp_path_factory, fashion_mirror_dir) -> Path:
    """Fashion-MNIST in the book's split, prepared once per test session from the local mirror."""
    return _prepared(tmp_path_factory, "fashion-mnist", fashion_mirror_dir)


def run_snakemake(workdir, *args, mirror=None, fashion_mirror=None, timeout=120):
    """Run snakemake on the project's Snakefile in ``workdir``; the venv's ``nnsci`` on PATH.
    ``mirror``, ``fashion_mirror``: the MNIST and Fashion-MNIST mirrors to download from
    (default: the local ones, if there are)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    fashion_mirror = fashion_mirror or fashion_mnist_mirror()
    if mirror is not None:
        env["NNSCI_MNIST_MIRROR"] = str(mirror)
    if fashion_mirror is not None:
        env["NNSCI_FASHION_MNIST_MIRROR"] = str(fashion_mirror)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir), *args]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def ci_build(tmp_path_factory, mirror_dir):
    """The end-to-end build at ci scale, made once per session: tests/test_workflow.py checks the
    build, tests/test_report.py builds Snakemake's report from the same directory.
    ``NNSCI_CI_BUILD=<dir>`` reuses a finished ci build (all, check_strict) instead."""
    reuse = os.environ.get("NNSCI_CI_BUILD")  # a finished ci build's directory, to work on these tests
    if reuse:
        done = subprocess.CompletedProcess([], 0, stdout="", stderr=f"reused {reuse}")
        return SimpleNamespace(dir=Path(reuse).resolve(), result=done, mirror=mirror_dir)
    workdir = tmp_path_factory.mktemp("ci_build")
    # Targets go before --config, which takes every word after it.
    result = run_snakemake(workdir, *E2E_TARGETS, "--cores", "2", "--config", "scale=ci",
                           mirror=mirror_dir, timeout=1800)
    return SimpleNamespace(dir=workdir, result=result, mirror=mirror_dir)
