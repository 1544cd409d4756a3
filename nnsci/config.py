"""The configuration, the scales and the experiment specs, loaded and checked.

The Snakefile validates ``config/config.yaml`` with Snakemake's ``validate``;
the CLI uses :func:`load_config` so a step run by hand is checked the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from . import paths
from .errors import NnsciError

SCALES = ("full", "quick", "ci")
ENGINES = ("cpu", "cuda")


def read_yaml(path):
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise NnsciError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None


def validate_config(cfg: dict, source="config") -> dict:
    """Check ``cfg`` against the JSON schema; fill defaults; one-line error on a problem."""
    import jsonschema

    schema = read_yaml(paths.SCHEMA)
    if not isinstance(cfg, dict):
        raise NnsciError(f"{source}: expected a mapping of keys to values")
    unknown = sorted(set(cfg) - set(schema["properties"]))
    if unknown:
        raise NnsciError(f"{source}: unknown config key(s) {', '.join(unknown)}; "
                         f"known keys: {', '.join(sorted(schema['properties']))}")
    cfg = dict(cfg)
    for key, prop in schema["properties"].items():
        if key not in cfg and "default" in prop:
            cfg[key] = prop["default"]
    try:
        jsonschema.validate(cfg, schema)
    except jsonschema.ValidationError as e:
        where = ".".join(str(p) for p in e.absolute_path) or "config"
        raise NnsciError(f"{source}: bad value for {where}: {e.message}") from None
    return cfg


def load_config(overrides: dict | None = None, path=None) -> dict:
    """The validated config: ``config/config.yaml`` updated by ``overrides``."""
    path = Path(path or paths.CONFIG_DIR / "config.yaml")
    cfg = read_yaml(path) or {}
    cfg.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return validate_config(cfg, source=str(path))


def load_scale(name: str) -> dict:
    """The numbers of one scale (config/scales/<name>.yaml)."""
    if name not in SCALES:
        raise NnsciError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}")
    scale = read_yaml(paths.SCALES_DIR / f"{name}.yaml") or {}
    scale["name"] = name
    return scale


def load_experiments(chapter: str | None = None) -> dict:
    """Every experiment spec of config/experiments/chN.yaml, keyed by id."""
    files = sorted(paths.EXPERIMENTS_DIR.glob("ch*.yaml"))
    if chapter is not None:
        files = [f for f in files if f.stem == chapter]
    out = {}
    for f in files:
        specs = read_yaml(f) or {}
        if not isinstance(specs, dict):
            raise NnsciError(f"{f}: expected a mapping of experiment ids to specs")
        for key, spec in specs.items():
            if not str(key).startswith(f.stem + "."):
                raise NnsciError(f"{f}: experiment id {key!r} must start with {f.stem + '.'!r}")
            if key in out:
                raise NnsciError(f"{f}: duplicate experiment id {key!r}")
            out[key] = spec
    return out


def run_seed_sequence(root_seed: int, run_id: str) -> np.random.SeedSequence:
    """The seed of one run, derived from the root seed and the run's id only.

    Adding, removing or reordering runs changes no other run's seed."""
    return np.random.SeedSequence(int(root_seed), spawn_key=tuple(run_id.encode("utf-8")))


def root_seed(inputs: dict) -> int:
    """The root seed of a table or figure step: ``--input seed=N`` when the rule passes one
    (so ``--config seed=`` reaches it), else config/config.yaml's."""
    if "seed" in inputs:
        try:
            return int(inputs["seed"])
        except ValueError:
            raise NnsciError(f"seed must be an integer, got {inputs['seed']!r}") from None
    return int(load_config()["seed"])
