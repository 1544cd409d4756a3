"""YAML files: parsed once per process, a repeated key refused, checked with the JSON schemas.

Every YAML file is parsed once per process (:func:`read_yaml` caches by path, size and
modification time; the C loader where PyYAML has one) and a mapping with the same key
twice is an error, in every file: PyYAML would silently keep the last."""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import yaml

from .. import paths
from ..errors import NnsciError


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (the C parser where present) that refuses a repeated key."""


def _construct_unique_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


@functools.lru_cache(maxsize=256)
def _parse(path: str, mtime_ns: int, ctime_ns: int, size: int):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=UniqueKeyLoader)


def read_yaml(path):
    """The parsed YAML file (a fresh copy: callers may change it); one-line errors naming the file."""
    path = Path(path)
    try:
        st = os.stat(path)
        data = _parse(str(path.resolve()), st.st_mtime_ns, st.st_ctime_ns, st.st_size)
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise NnsciError(f"{path}: not valid YAML ({' '.join(str(e).split())})") from None
    return copy.deepcopy(data)


def schema_errors(data, schema_file, source) -> None:
    """Validate ``data`` with the JSON schema ``workflow/schemas/<schema_file>``; one-line error."""
    import jsonschema

    schema = load_schema(schema_file)
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if err is not None:
        where = ".".join(str(p) for p in err.absolute_path) or "top level"
        raise NnsciError(f"{source}: {where}: {err.message}")


def validate_entries(data, schema_file, path, what="entries") -> dict:
    """A YAML mapping of ``{id: entry}``, each entry checked with the JSON schema ``schema_file``.

    One-line errors: ``<file>: entry '<id>': lacks <field>`` or ``... <field>: <problem>``."""
    import jsonschema

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NnsciError(f"{path}: expected a mapping of ids to {what}")
    validator = jsonschema.Draft202012Validator(load_schema(schema_file))
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise NnsciError(f"{path}: entry {key!r} must be a mapping, got {entry!r}")
        err = jsonschema.exceptions.best_match(validator.iter_errors(entry))
        if err is None:
            continue
        if err.validator == "required":
            missing = [f for f in err.validator_value if f not in err.instance]
            raise NnsciError(f"{path}: entry {key!r}: lacks {', '.join(missing)}")
        if err.validator == "additionalProperties":
            raise NnsciError(f"{path}: entry {key!r}: {err.message}")
        field = ".".join(str(p) for p in err.absolute_path) or "entry"
        raise NnsciError(f"{path}: entry {key!r}: {field} {err.instance!r}: {err.message}")
    return data


@functools.lru_cache(maxsize=None)
def load_schema(schema_file):
    return read_yaml(paths.SCHEMAS_DIR / schema_file)


