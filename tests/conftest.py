"""Shared fixtures: the MNIST mirror tests download from, and a prepared MNIST.

Tests never reach the internet: MNIST comes from ``NNSCI_MNIST_MIRROR`` or
the local mirror ``../shared/data/mnist`` beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The CUDA backend's tests (marker cudasim) run its kernels in numba's CUDA simulator. numba reads
# this when it is first imported, so it is set here, before any test imports it;
# NUMBA_ENABLE_CUDASIM=0 runs the same tests on a GPU (bench/gpu_check.sh).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")


def mnist_mirror() -> Path | None:
    env = os.environ.get("NNSCI_MNIST_MIRROR")
    if env and not env.startswith(("http://", "https://", "file://")) and Path(env).is_dir():
        return Path(env).resolve()
    local = REPO.parent / "shared" / "data" / "mnist"
    return local.resolve() if local.is_dir() else None


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    d = mnist_mirror()
    if d is None:
        pytest.skip("no local MNIST mirror (set NNSCI_MNIST_MIRROR to a directory)")
    return d


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory, mirror_dir) -> Path:
    """The book's split, prepared once per test session from the local mirror."""
    from nnsci.data.download import download_mnist
    from nnsci.data.mnist import prepare_mnist

    d = tmp_path_factory.mktemp("mnist")
    download_mnist(d / "raw", mirrors=[str(mirror_dir)])
    out = d / "mnist.npz"
    prepare_mnist(d / "raw", out)
    return out
