"""What each kind of job asks a scheduler for: ``mem_mb``, ``runtime`` and, under CUDA, a GPU.

The numbers are in ``config/resources.yaml``, set from measurements (the training and SVM jobs'
``benchmark:`` files, see :mod:`nnsci.benchmarks`, and a timed ci build); the rules take them with
``resources: **job_resources("<kind>")`` so Snakemake's local scheduler and the SLURM executor
(``--mem``, ``-t``, ``--gpus``) place the jobs."""

from __future__ import annotations

from . import paths
from .config import SCALES, read_yaml
from .errors import NnsciError

RESOURCES = paths.CONFIG_DIR / "resources.yaml"
THROUGHPUT = "throughput"
NETWORK_KINDS = ("dense", "conv")   # nnsci.plan.network_kind


def load_resources(path=RESOURCES) -> dict:
    """``{kind: {"mem_mb": int, "runtime": {scale: minutes}, "gpu": bool}}``, checked (the file's
    ``throughput`` table is :func:`load_throughput`'s)."""
    table = read_yaml(path)
    if not isinstance(table, dict) or not table:
        raise NnsciError(f"{path}: expected a mapping of job kinds to resources")
    table.pop(THROUGHPUT, None)
    for kind, spec in table.items():
        where = f"{path}: {kind}"
        if not isinstance(spec, dict) or set(spec) - {"mem_mb", "runtime", "gpu"}:
            raise NnsciError(f"{where}: expected the keys mem_mb, runtime and optionally gpu")
        if not isinstance(spec.get("mem_mb"), int) or spec["mem_mb"] < 1:
            raise NnsciError(f"{where}: mem_mb must be a positive whole number of MB")
        runtime = spec.get("runtime")
        if not isinstance(runtime, dict) or set(runtime) != set(SCALES):
            raise NnsciError(f"{where}: runtime must give minutes for each scale ({', '.join(SCALES)})")
        if not all(isinstance(m, int) and m >= 1 for m in runtime.values()):
            raise NnsciError(f"{where}: runtime must be whole minutes, at least 1")
        if not isinstance(spec.get("gpu", False), bool):
            raise NnsciError(f"{where}: gpu must be true or false")
    return table


def job_resources(kind: str, scale: str, engine: str = "cpu", table: dict | None = None) -> dict:
    """The resources of one kind of job at ``scale``: ``mem_mb``, ``runtime`` (minutes) and, for a
    kind that trains on the engine, ``gpu`` (1 under ``engine=cuda``, else 0)."""
    table = load_resources() if table is None else table
    if kind not in table:
        raise NnsciError(f"unknown job kind {kind!r} (config/resources.yaml has {', '.join(sorted(table))})")
    if scale not in SCALES:
        raise NnsciError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    spec = table[kind]
    out = {"mem_mb": spec["mem_mb"], "runtime": spec["runtime"][scale]}
    if spec.get("gpu", False):
        out["gpu"] = int(engine == "cuda")
    return out


def load_throughput(path=RESOURCES) -> dict:
    """``{"examples_per_second": {network kind: rate}, "evaluation_share": float}``: the measured
    training throughputs the plan estimates CPU hours from, checked."""
    table = (read_yaml(path) or {}).get(THROUGHPUT)
    where = f"{path}: {THROUGHPUT}"
    if not isinstance(table, dict) or set(table) != {"examples_per_second", "evaluation_share"}:
        raise NnsciError(f"{where}: expected the keys examples_per_second and evaluation_share")
    rates = table["examples_per_second"]
    if not isinstance(rates, dict) or set(rates) != set(NETWORK_KINDS):
        raise NnsciError(f"{where}: examples_per_second must give a rate for each of {', '.join(NETWORK_KINDS)}")
    if not all(isinstance(r, (int, float)) and r > 0 for r in rates.values()):
        raise NnsciError(f"{where}: examples_per_second must be positive numbers")
    share = table["evaluation_share"]
    if not isinstance(share, (int, float)) or share < 0:
        raise NnsciError(f"{where}: evaluation_share must be a number >= 0")
    return table
