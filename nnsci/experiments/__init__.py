"""Run specs (config/experiments/chN.yaml) -> trained runs -> metrics JSON.

An experiment is one configuration of the book; a run is one seed of it,
named ``<experiment>.s<k>`` (``ch1.net30.s0``). A replica experiment
(``rng: nielsen``) has a single run named like the experiment; a replica
script (``runs:``) has one run per entry, ``<experiment>.<id>``, trained
together by ``nnsci train <experiment>``.

One dependency direction: :mod:`nnsci.config` (files, scales) -> :mod:`.spec` (a run's spec, checked
and scaled) -> :mod:`.train` (trains, writes metrics) -> the chapters (read metrics); none imports a
later one (tests/test_imports.py finds no import circle inside nnsci/)."""

from __future__ import annotations

from ..config import load_experiments
from ..errors import NnsciError


def n_seeds(spec: dict, scale) -> int:
    from ..config import as_scale

    scale = as_scale(scale)
    n = int(spec.get("seeds", 1))
    if spec.get("beyond"):
        return scale.beyond_seeds(n)
    return scale.sweep_seeds(n) if spec.get("sweep") else scale.seeds(n)


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
    """Which data files (``mnist``, ``expanded``; ``fashion-mnist``, ``fashion-mnist-expanded``)
    a run or replica script reads: per data set, its prepared split if any set but the expanded
    one is used, then its expanded set if used."""
    from .spec import data_key, dataset_of, is_script, script_runs

    experiment, _ = split_run_id(run_id)
    specs = load_experiments(experiment.split(".", 1)[0])
    if experiment not in specs:
        raise NnsciError(f"unknown experiment {experiment!r}")
    spec = specs[experiment]
    parts = [s for _, s in script_runs(experiment, spec)] if is_script(spec) else [spec]
    by_dataset = {}
    for s in parts:
        sets = by_dataset.setdefault(dataset_of(s), set())
        sets.update(ref["set"] for ref in (s.get("train"), s.get("eval"), s.get("probe"), s.get("test")) if ref)
    keys = []
    for dataset, sets in by_dataset.items():
        if sets - {"expanded"}:
            keys.append(data_key(dataset, "training"))
        if "expanded" in sets:
            keys.append(data_key(dataset, "expanded"))
    return keys


def training_families(scale, chapter: str | None = None) -> dict[str, list[str]]:
    """``{"<chapter>.<family>": [experiments]}``: the experiments of each training family (the
    run-spec key ``family``), in file order, that are trained at this scale.

    A family trains in one job (one process; later one GPU launch): at small scales a process
    start costs more than its runs. A member marked ``family_distinct_size`` is left out when its
    training-set size, as the scale caps it, equals an earlier member's (at ci the more-data sizes
    5,000 to 50,000 all train on 2,000 images)."""
    from ..config import as_scale

    scale = as_scale(scale)
    out, sizes = {}, {}
    for exp, spec in load_experiments(chapter).items():
        if not isinstance(spec, dict) or "family" not in spec:
            continue
        if spec.get("sweep") and exp not in sweep_experiments(spec["sweep"], scale):
            continue
        if spec.get("grid") and exp not in grid_experiments(spec["grid"], scale):
            continue
        key = f"{exp.split('.', 1)[0]}.{spec['family']}"
        if spec.get("family_distinct_size"):
            eff = scale.size((spec.get("train") or {}).get("size"), "train")
            if eff in sizes.setdefault(key, set()):
                continue
            sizes[key].add(eff)
        out.setdefault(key, []).append(exp)
    return out


def family_jobs(scale, chapter: str | None = None) -> dict[str, dict]:
    """What the generic family rule needs: ``{family: {"args": nnsci train arguments, "files": outputs}}``.

    A replica script or a replica experiment is named by its experiment id (``nnsci train`` trains
    all its runs, in the script's order); an our-seed experiment by its run ids."""
    from .spec import is_script

    specs = load_experiments(chapter)
    jobs = {}
    for fam, experiments in training_families(scale, chapter).items():
        args, files = [], []
        for e in experiments:
            ids = run_ids(e, scale)
            nielsen = is_script(specs[e]) or specs[e].get("rng") == "nielsen"
            args += [e] if nielsen else ids
            files += [f"results/runs/{r}/{f}" for r in ids for f in ("metrics.json", "weights.npz", "provenance.json")]
        jobs[fam] = {"args": args, "files": files}
    return jobs


def sweep_experiments(sweep: str, scale) -> list[str]:
    """The experiments of one hyper-parameter sweep (the run-spec key ``sweep``, chapter 6's lambda
    sweeps) that this scale trains, in file order (Scale.sweep_points: ci keeps the two ends)."""
    from ..config import as_scale

    chapter = sweep.split(".", 1)[0]
    members = [e for e, s in load_experiments(chapter).items() if isinstance(s, dict) and s.get("sweep") == sweep]
    if not members:
        raise NnsciError(f"unknown sweep {sweep!r}: no experiment has sweep: {sweep}")
    return as_scale(scale).sweep_points(members)


def grid_experiments(grid: str, scale) -> list[str]:
    """The points of one learning-rate grid (the run-spec key ``grid``, chapter 7) that this scale
    trains, in file order (Scale.grid_points: ci keeps the two ends)."""
    from ..config import as_scale

    chapter = grid.split(".", 1)[0]
    members = [e for e, s in load_experiments(chapter).items() if isinstance(s, dict) and s.get("grid") == grid]
    if not members:
        raise NnsciError(f"unknown grid {grid!r}: no experiment has grid: {grid}")
    return as_scale(scale).grid_points(members)
