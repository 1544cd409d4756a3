"""Provenance written next to every metrics file, and the engine source hash.

Snakemake does not track imported modules, so training rules take
:func:`engine_source_hash` as a param: editing the numerics of a backend (or the on-the-fly
augmentation) retrains the runs that used it."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from pathlib import Path

from . import __version__

PACKAGE_DIR = Path(__file__).resolve().parent

# Which source files each backend's numerics depend on (glob patterns under nnsci/): the engine, and
# the on-the-fly augmentation (data/augment.py), which draws every epoch's shifts and rotations
# inside the training loop (options.augment) and so is part of what a run computes.
# The scalar rules both devices share live in engine/rules.py (engine/*.py), so neither backend
# hashes the other's kernels.
ENGINE_SOURCES = {
    "cpu": ["engine/*.py", "engine/cpu/*.py", "data/augment.py"],
    "cuda": ["engine/*.py", "engine/cuda/*.py", "data/augment.py"],
}


def engine_source_hash(engine: str) -> str:
    """sha256 over the engine source files that ``engine``'s numerics depend on, and the CPU
    compile target (a run trained for another target has other bytes)."""
    from .cpu_target import describe

    h = hashlib.sha256()
    if engine == "cpu":
        h.update(describe().encode())
    files = sorted({p for pat in ENGINE_SOURCES[engine] for p in PACKAGE_DIR.glob(pat)})
    for p in files:
        h.update(str(p.relative_to(PACKAGE_DIR)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def config_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def versions() -> dict:
    """Versions of the libraries that shape results (read from package metadata, not imported)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "nnsci": __version__}
    for dist in ("numpy", "numba", "llvmlite", "matplotlib", "scikit-learn", "pandas", "snakemake"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # pragma: no cover - optional
            out[dist] = None
    return out


def machine() -> dict:
    libc, libc_version = platform.libc_ver()
    return {"platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "libc": f"{libc} {libc_version}".strip()}


def compile_target() -> dict:
    """The CPU target numba compiled the kernels for (see nnsci.cpu_target)."""
    from .cpu_target import compile_target as target

    return target()


def provenance(**fields) -> dict:
    """A provenance record: the caller's fields plus versions, machine and command line."""
    rec = dict(fields)
    rec.setdefault("versions", versions())
    rec.setdefault("machine", machine())
    if "numba" in sys.modules:   # a process that ran kernels: what they were compiled for
        rec.setdefault("compile_target", compile_target())
    rec.setdefault("argv", sys.argv)
    return rec
