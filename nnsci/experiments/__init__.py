"""Run specs (config/experiments/chN.yaml) -> trained runs -> metrics JSON.

An experiment is one configuration of the book; a run is one seed of it,
named ``<experiment>.s<k>`` (``ch1.net30.s0``). Replica experiments
(``rng: nielsen``) have a single run named like the experiment."""

from __future__ import annotations

from ..config import load_experiments
from ..errors import NnsciError


def n_seeds(spec: dict, scale: dict) -> int:
    n = int(spec.get("seeds", 1))
    cap = scale.get("seeds_max")
    return min(n, int(cap)) if cap else n


def run_ids(experiment: str, scale: dict) -> list[str]:
    """The run ids of one experiment at one scale."""
    specs = load_experiments(experiment.split(".", 1)[0])
    if experiment not in specs:
        raise NnsciError(f"unknown experiment {experiment!r}")
    spec = specs[experiment]
    if spec.get("rng") == "nielsen":
        return [experiment]
    return [f"{experiment}.s{k}" for k in range(n_seeds(spec, scale))]


def split_run_id(run_id: str) -> tuple[str, int | None]:
    """``ch1.net30.s3`` -> (``ch1.net30``, 3); a replica id -> (id, None)."""
    head, _, tail = run_id.rpartition(".")
    if head and tail.startswith("s") and tail[1:].isdigit():
        return head, int(tail[1:])
    return run_id, None


def train_runs(run_ids, inputs, scale=None, engine=None, threads=None, seed=None, results="results"):
    """Train the given runs and write results/runs/<run>/{metrics.json, weights.npz, provenance.json}."""
    from .train import train_runs as _train

    return _train(run_ids, inputs, scale=scale, engine=engine, threads=threads, seed=seed,
                  results=results)
