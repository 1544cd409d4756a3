"""The experiment files (config/experiments/chN.yaml): read, defaults merged, matrices expanded,
and the seed of each run.

A file maps experiment ids to entries. A top-level ``defaults:`` mapping (checked with the
run-spec schema, every key optional) is merged under each entry: an entry's own keys win, and
mappings such as ``options`` merge key by key, as a matrix's overrides do."""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import numpy as np

from .. import paths
from ..errors import NnsciError
from .yamlio import load_schema, read_yaml


def load_experiments(chapter: str | None = None) -> dict:
    """Every experiment spec of config/experiments/chN.yaml, keyed by id.

    The files are parsed once per process (the DAG asks hundreds of times); the specs are
    shared, so a caller copies one before changing it (spec.validate and script_runs do)."""
    files = sorted(paths.EXPERIMENTS_DIR.glob("ch*.yaml"))
    if chapter is not None:
        files = [f for f in files if f.stem == chapter]
    key = tuple((str(f), os.stat(f).st_mtime_ns) for f in files)
    return dict(_load_experiment_files(key))


@functools.lru_cache(maxsize=64)
def _load_experiment_files(files):
    out = {}
    for f, _ in files:
        f = Path(f)
        specs = read_yaml(f) or {}
        if not isinstance(specs, dict):
            raise NnsciError(f"{f}: expected a mapping of experiment ids to specs")
        defaults = _defaults(specs.pop("defaults", None), f)
        for top, top_spec in specs.items():
            if not str(top).startswith(f.stem + "."):
                raise NnsciError(f"{f}: experiment id {top!r} must start with {f.stem + '.'!r}")
            if defaults and isinstance(top_spec, dict):
                top_spec = _merge(defaults, top_spec)
            for key, spec in expand_matrix(top, top_spec, f):
                if key in out:
                    raise NnsciError(f"{f}: duplicate experiment id {key!r}")
                out[key] = spec
    return out


def _defaults(defaults, source) -> dict:
    """A file's ``defaults:`` mapping, checked with the run-spec schema (no key required)."""
    import jsonschema

    if defaults is None:
        return {}
    if not isinstance(defaults, dict):
        raise NnsciError(f"{source}: defaults must be a mapping of run-spec keys to values")
    schema = {**load_schema("run.schema.yaml"), "required": []}
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(defaults))
    if err is not None:
        where = ".".join(str(p) for p in err.absolute_path) or "defaults"
        raise NnsciError(f"{source}: defaults: {where}: {err.message}")
    return defaults


def _merge(base, over):
    """``base`` updated by ``over``: mappings merged key by key (recursively), anything else replaced."""
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def expand_matrix(key, spec, source="config/experiments"):
    """``[(id, spec)]``: the experiments one entry of config/experiments/chN.yaml stands for.

    An entry without ``matrix`` is itself. With ``matrix: [axis, ...]``, each axis a mapping
    ``{suffix: overrides}``, it is the product of its axes, in order: one experiment
    ``<key>.<suffix1>.<suffix2>...`` per combination, the rest of the entry updated by each axis's
    overrides in turn (mappings such as ``options`` merged, other values replaced; a null
    override changes nothing). In the merged spec, ``{parent}`` in a string ``grid`` becomes the id without its last part (a learning-rate grid: every point but its rate)."""
    if not isinstance(spec, dict) or "matrix" not in spec:
        return [(key, spec)]
    axes = spec["matrix"]
    if (not isinstance(axes, list) or not axes
            or not all(isinstance(a, dict) and a for a in axes)):
        raise NnsciError(f"{source}: {key}: matrix must be a non-empty list of non-empty mappings "
                         "{suffix: overrides}")
    import itertools

    base = {k: v for k, v in spec.items() if k != "matrix"}
    out = []
    for combo in itertools.product(*[list(a.items()) for a in axes]):
        run = base
        for suffix, over in combo:
            if over is not None and not isinstance(over, dict):
                raise NnsciError(f"{source}: {key}: matrix value {suffix!r} must be a mapping or null")
            run = _merge(run, over)
        rid = ".".join([key] + [str(s) for s, _ in combo])
        if isinstance(run.get("grid"), str):
            run["grid"] = run["grid"].replace("{parent}", rid.rpartition(".")[0])
        if isinstance(run.get("family"), str):
            for i, (suffix, _) in enumerate(combo):
                run["family"] = run["family"].replace(f"{{{i}}}", str(suffix))
        out.append((rid, run))
    return out


def run_seed_sequence(root_seed: int, run_id: str) -> np.random.SeedSequence:
    """The seed of one run, derived from the root seed and the run's id only.

    Adding, removing or reordering runs changes no other run's seed."""
    return np.random.SeedSequence(int(root_seed), spawn_key=tuple(run_id.encode("utf-8")))


