"""Chapter 1 at ci scale through a real SLURM cluster, against a local build of the same.

The SLURM build runs `snakemake --profile workflow/profiles/slurm` (snakemake-executor-plugin-slurm):
every job is an sbatch job on the cluster. Where no cluster is up, tools/slurm_cluster.sh starts a
single-node one on this machine (root and Debian's slurm-wlm and munge needed) and stops it after;
where it cannot, the test is skipped with the script's reason. It runs only when asked
(NNSCI_SLURM_TEST=1): it takes over half an hour, so CI does not run it. Both builds must give the same
weights.npz bytes of every run, the same figures and tables, and the same run metrics and
provenance but for their timing fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
CLUSTER = REPO / "tools" / "slurm_cluster.sh"
PROFILE = REPO / "workflow" / "profiles" / "slurm"

pytestmark = pytest.mark.slow

# JSON fields that hold how long something took: they differ between any two builds.
TIMING_FIELDS = {"wall_s", "wall_seconds", "seconds_per_epoch"}


def cluster(verb: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLUSTER), verb], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def slurm():
    """A SLURM cluster taking jobs: the one that is up, else one the script starts (and stops)."""
    if os.environ.get("NNSCI_SLURM_TEST") != "1":
        pytest.skip("the SLURM build takes 30+ minutes: set NNSCI_SLURM_TEST=1 to run it")
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="snakemake-executor-plugin-slurm not installed (pip install -e '.[slurm]')")
    if cluster("status").returncode == 0:
        yield
        return
    started = cluster("start")
    if started.returncode != 0:
        reason = (started.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"no SLURM cluster up and tools/slurm_cluster.sh cannot start one: {reason}")
    try:
        yield
    finally:
        cluster("stop")


def snakemake(workdir: Path, *args, mirror, timeout=3600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["NNSCI_MNIST_MIRROR"] = str(mirror)
    env.setdefault("MPLBACKEND", "Agg")
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir), *args]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


def without_timing(obj):
    if isinstance(obj, dict):
        return {k: without_timing(v) for k, v in obj.items() if k not in TIMING_FIELDS}
    if isinstance(obj, list):
        return [without_timing(v) for v in obj]
    return obj


def test_chapter1_through_slurm_matches_a_local_build(tmp_path, slurm, mirror_dir):
    local, cluster_dir = tmp_path / "local", tmp_path / "slurm"
    built = snakemake(local, "chapter1", "--cores", "2", "--config", "scale=ci", mirror=mirror_dir)
    assert built.returncode == 0, (built.stdout + built.stderr)[-5000:]

    # Status checks every few seconds: the cluster is this machine and the ci jobs are short.
    queued = snakemake(cluster_dir, "chapter1", "--profile", str(PROFILE),
                       "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs",
                       "--config", "scale=ci", mirror=mirror_dir)
    log = queued.stdout + queued.stderr
    assert queued.returncode == 0, log[-5000:]
    # Every job went through SLURM: a SLURM job id each, and a SLURM log of each kind of job.
    assert "submitted with SLURM jobid" in log, log[-3000:]
    logs = cluster_dir / ".snakemake" / "slurm_logs"   # rule_<name>/[<wildcards>/]<jobid>.log
    slurm_logs = {p.relative_to(logs).parts[0] for p in logs.rglob("*.log")}
    assert {"rule_train", "rule_svm", "rule_ch1_networks_table", "rule_ch1_mnist_figure"} <= slurm_logs

    assert_same_results(local, cluster_dir)


def assert_same_results(local: Path, other: Path) -> None:
    """The same files under results/; weights, figures, tables and SVM predictions byte for byte;
    run metrics, provenance and SVM records equal but for their timing fields."""
    files = sorted(p.relative_to(local) for p in (local / "results").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in (other / "results").rglob("*") if p.is_file())
    weights = [f for f in files if f.name == "weights.npz"]
    figures = [f for f in files if f.parent.name == "figures"]
    tables = [f for f in files if f.parent.name in ("tables", "metrics")]
    assert len(weights) >= 12 and len(figures) >= 19 and len(tables) >= 6
    for f in weights + figures + tables + [f for f in files if f.parts[1] == "svm" and f.suffix == ".npz"]:
        assert (local / f).read_bytes() == (other / f).read_bytes(), f"{f} differs"
    for f in [f for f in files if f.suffix == ".json" and f not in tables]:   # runs, SVM fits
        a, b = (json.loads((d / f).read_text()) for d in (local, other))
        assert without_timing(a) == without_timing(b), f"{f} differs beyond its timing fields"
