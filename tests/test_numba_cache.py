"""numba's cache checks only the loaded function's own file, so nnsci keeps one cache folder per
version of its compiled sources (nnsci/numba_cache.py): an edit to any module that uses numba
(a shared rule inlined into every kernel, say) must give a new folder, an edit elsewhere not."""

import os
import shutil
import subprocess
import sys

import nnsci
from nnsci import numba_cache


def _hash_of(pkg_parent):
    code = "import nnsci.numba_cache as c; print(c.compiled_sources_hash())"
    env = {**os.environ, "PYTHONPATH": str(pkg_parent)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, cwd=pkg_parent).stdout.strip()


def test_the_cache_folder_follows_the_compiled_sources_only(tmp_path):
    pkg = tmp_path / "nnsci"
    shutil.copytree(numba_cache.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = _hash_of(tmp_path)
    assert before == numba_cache.compiled_sources_hash()
    with open(pkg / "figures" / "ch1.py", "a") as f:   # no numba there
        f.write("\n# a comment\n")
    assert _hash_of(tmp_path) == before
    with open(pkg / "engine" / "rules.py", "a") as f:   # inlined into every kernel
        f.write("\n# a comment\n")
    assert _hash_of(tmp_path) != before


def test_the_package_points_numba_at_the_versioned_folder_unless_told_otherwise(tmp_path):
    code = "import nnsci, numba; print(numba.config.CACHE_DIR)"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "xdg" / "nnsci" / "numba" / numba_cache.compiled_sources_hash())
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "mine")
    assert nnsci.__version__
