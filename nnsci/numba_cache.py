"""Where numba keeps the compiled kernels: one folder per version of the compiled sources.

numba's cache checks only the source file of the function it loads: a kernel that calls or
inlines a function of another file (the shared rules of ``engine/rules.py`` in every CPU
kernel, for example) is loaded from the cache with the OLD code of that function after an edit
to it. So, unless the user has set ``NUMBA_CACHE_DIR``, nnsci points numba at
``<cache>/nnsci/numba/<hash>``, where the hash covers every module of the package that imports
numba: any edit to compiled code starts a fresh cache, and a cache can never mix two versions.
``<cache>`` is ``$XDG_CACHE_HOME`` or ``~/.cache``; where it cannot be created, numba keeps its
default (``__pycache__`` beside the sources)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def compiled_sources_hash() -> str:
    """sha256 (16 hex digits) over the package's modules that import numba, names and contents."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*.py")):
        text = p.read_bytes()
        if b"numba" in text:
            h.update(str(p.relative_to(PACKAGE_DIR)).encode())
            h.update(text)
    return h.hexdigest()[:16]


def use_versioned_cache() -> None:
    """Set NUMBA_CACHE_DIR (before numba is imported) unless the user has set it."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "nnsci" / "numba" / compiled_sources_hash()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
