"""Run specs (config/experiments/chN.yaml) -> trained runs -> metrics JSON.

An experiment is one configuration of the book; a run is one seed of it,
named ``<experiment>.s<k>`` (``ch1.net30.s0``). A replica experiment
(``rng: nielsen``) has a single run named like the experiment; a replica
script (``runs:``) has one run per entry, ``<experiment>.<id>``, trained
together by ``nnsci train <experiment>``."""

from __future__ import annotations

from ..config import load_experiments
from ..errors import NnsciError


def n_seeds(spec: dict, scale) -> int:
    from ..config import as_scale

    return as_scale(scale).seeds(int(spec.get("seeds", 1)))


def run_ids(experiment: str, scale: dict) -> list[str]:
    """The run ids of one experiment at one scale."""
    specs = load_experiments(experiment.split(".", 1)[0])
    if experiment not in specs:
        raise NnsciError(f"unknown experiment {experiment!r}")
    spec = specs[experiment]
    from .spec import is_script, script_runs

    if is_script(spec):
        return [rid for rid, _ in script_runs(experiment, spec)]
    if spec.get("rng") == "nielsen":
        return [experiment]
    return [f"{experiment}.s{k}" for k in range(n_seeds(spec, scale))]


def split_run_id(run_id: str) -> tuple[str, int | None]:
    """``ch1.net30.s3`` -> (``ch1.net30``, 3); a replica id -> (id, None)."""
    head, _, tail = run_id.rpartition(".")
    if head and tail.startswith("s") and tail[1:].isdigit():
        return head, int(tail[1:])
    return run_id, None


def data_inputs(run_id: str) -> list[str]:
    """Which data files (``mnist``, ``expanded``) a run or replica script reads."""
    from .spec import is_script, script_runs

    experiment, _ = split_run_id(run_id)
    specs = load_experiments(experiment.split(".", 1)[0])
    if experiment not in specs:
        raise NnsciError(f"unknown experiment {experiment!r}")
    spec = specs[experiment]
    parts = [s for _, s in script_runs(experiment, spec)] if is_script(spec) else [spec]
    sets = {ref["set"] for s in parts for ref in (s.get("train"), s.get("eval"), s.get("probe")) if ref}
    keys = ["mnist"] if sets - {"expanded"} else []
    if "expanded" in sets:
        keys.append("expanded")
    return keys
