"""config/config.yaml: the pipeline's settings (scale, engine, threads, seed, ...), validated.

The Snakefile validates ``config/config.yaml`` with Snakemake's ``validate``;
the CLI uses :func:`load_config` so a step run by hand is checked the same way."""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..errors import NnsciError
from .yamlio import load_schema, read_yaml


def validate_config(cfg: dict, source="config") -> dict:
    """Check ``cfg`` against the JSON schema; fill defaults; one-line error on a problem."""
    schema = load_schema("config.schema.yaml")
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
    import jsonschema

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




def root_seed(inputs: dict) -> int:
    """The root seed of a table or figure step: ``--input seed=N`` when the rule passes one
    (so ``--config seed=`` reaches it), else config/config.yaml's."""
    if "seed" in inputs:
        try:
            return int(inputs["seed"])
        except ValueError:
            raise NnsciError(f"seed must be an integer, got {inputs['seed']!r}") from None
    return int(load_config()["seed"])
