"""The configuration, the scales and the experiment specs, loaded and checked.

The Snakefile validates ``config/config.yaml`` with Snakemake's ``validate``;
the CLI uses :func:`load_config` so a step run by hand is checked the same way.

Every YAML file is parsed once per process (:func:`read_yaml` caches by path, size and
modification time; the C loader where PyYAML has one) and a mapping with the same key
twice is an error, in every file: PyYAML would silently keep the last."""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import yaml

from . import paths
from .errors import NnsciError

SCALES = ("full", "quick", "ci")


# --------------------------------------------------------------------------------------
# YAML: parsed once, duplicate keys refused
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


# --------------------------------------------------------------------------------------
# config/config.yaml
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


# --------------------------------------------------------------------------------------
# Scales
@dataclass(frozen=True)
class Scale:
    """One scale (config/scales/<name>.yaml), validated: the only place a scale is applied.

    Every step asks it (epochs, data sizes, seeds, SVM sizes, animation frames, chapter 2's
    gradient check); ``None`` for a cap means none."""

    name: str
    description: str = ""
    epochs_factor: float = 1.0
    epochs_min: int = 1
    epochs_max: int | None = None
    train_size_max: int | None = None
    eval_size_max: int | None = None
    seeds_max: int | None = None
    svm_train_size_max: int | None = None
    gif_frames_max: int | None = None
    gradient_check_examples_max: int | None = None
    gradient_check_params_max: int | None = None
    convnet_train_size_max: int | None = None
    convnet_eval_size_max: int | None = None
    convnet_epochs_max: int | None = None
    expanded_epochs_max: int | None = None
    sweep_points_max: int | None = None
    sweep_seeds_max: int | None = None
    beyond_train_size_max: int | None = None
    beyond_eval_size_max: int | None = None
    beyond_epochs_max: int | None = None
    beyond_seeds_max: int | None = None
    grid_points_max: int | None = None

    @classmethod
    def from_mapping(cls, data: dict, name: str | None = None, source="scale") -> "Scale":
        data = dict(data or {})
        name = data.pop("name", name) or "custom"
        data.setdefault("description", name)
        schema_errors(data, "scale.schema.yaml", source)
        return cls(name=name, **data)

    def epochs(self, n: int, capped: bool = True) -> int:
        """A run's epochs: ``n`` times epochs_factor, at least epochs_min, at most epochs_max and n.

        ``capped=False`` (chapter 4's one-input fits, milliseconds an epoch): only the factor."""
        if not capped:
            return int(round(n * float(self.epochs_factor)))
        if float(self.epochs_factor) == 1.0 and not self.epochs_max:
            return n
        e = max(int(self.epochs_min), int(round(n * float(self.epochs_factor))))
        if self.epochs_max:
            e = min(e, int(self.epochs_max))
        return min(e, n) if n > 0 else 0

    @staticmethod
    def _cap(n, cap):
        return min(int(n), int(cap)) if cap else int(n)

    def size(self, size: int | None, kind: str = "train", convnet: bool = False) -> int | None:
        """A data set's size: ``size`` (None: all of it) capped by train_/eval_size_max, or for a
        net given layer by layer (chapter 6's, ``convnet``) by convnet_train_/eval_size_max where
        set. ``kind="expanded"``: chapter 6's expanded training set, capped at five times the
        training cap, so that expansion still means more data."""
        train_cap = (self.convnet_train_size_max if convnet and self.convnet_train_size_max
                     else self.train_size_max)
        if kind == "train":
            cap = train_cap
        elif kind == "expanded":
            cap = 5 * int(train_cap) if train_cap else None
        else:
            cap = (self.convnet_eval_size_max if convnet and self.convnet_eval_size_max
                   else self.eval_size_max)
        if not cap:
            return size
        return min(int(size), int(cap)) if size else int(cap)

    def net_epochs(self, n: int, convnet: bool = False, expanded: bool = False) -> int:
        """:meth:`epochs`, then for a net given layer by layer at most convnet_epochs_max, and
        for one trained on the expanded set at most expanded_epochs_max (quick: each of its
        five-times-larger set's images seen once, so that the expanded runs fit the time)."""
        e = self.epochs(n)
        if convnet and self.convnet_epochs_max:
            e = min(e, int(self.convnet_epochs_max))
        if expanded and self.expanded_epochs_max:
            e = min(e, int(self.expanded_epochs_max))
        return e

    def sweep_seeds(self, n: int) -> int:
        """Seeds of one point of a hyper-parameter sweep (chapter 6's lambda sweeps)."""
        return self._cap(self.seeds(n), self.sweep_seeds_max)

    def sweep_points(self, values) -> list:
        """The points of a sweep this scale trains: all, or sweep_points_max of them spread
        evenly, the first and the last kept (ci: two lambda values, the ends)."""
        return self._spread(values, self.sweep_points_max)

    @staticmethod
    def _spread(values, k):
        values = list(values)
        if not k or k >= len(values):
            return values
        if k == 1:
            return values[:1]
        idx = sorted({round(i * (len(values) - 1) / (k - 1)) for i in range(k)})
        return [values[i] for i in idx]

    def seeds(self, n: int) -> int:
        return self._cap(n, self.seeds_max)

    def beyond_seeds(self, n: int) -> int:
        """Seeds of a run marked ``beyond: true`` (chapter 7's, beyond the book)."""
        return self._cap(self.seeds(n), self.beyond_seeds_max)

    def beyond_size(self, size: int | None, kind: str = "train") -> int | None:
        """A further cap on a ``beyond: true`` run's data (after :meth:`size`)."""
        cap = self.beyond_train_size_max if kind in ("train", "expanded") else self.beyond_eval_size_max
        if kind == "expanded" and cap:
            cap = 5 * int(cap)
        if not cap:
            return size
        return min(int(size), int(cap)) if size else int(cap)

    def beyond_epochs(self, n: int) -> int:
        return self._cap(n, self.beyond_epochs_max)

    def grid_points(self, values) -> list:
        """The points of a learning-rate grid (the run-spec key ``grid``, chapter 7) this scale
        trains: all, or grid_points_max spread evenly, the ends kept (as :meth:`sweep_points`)."""
        return self._spread(values, self.grid_points_max)

    def svm_size(self, n: int) -> int:
        """An SVM's training-set size."""
        return self._cap(n, self.svm_train_size_max)

    def capped_sizes(self, sizes, cap=...):
        """The training-set sizes this scale tells apart: ``[(requested, effective)]``, each size
        capped (by ``cap``, default train_size_max), the first requested size kept for each
        effective one: at ci (cap 2,000) the sizes 5,000 to 50,000 all train on 2,000 images."""
        cap = self.train_size_max if cap is ... else cap
        out, seen = [], set()
        for s in sizes:
            eff = self._cap(s, cap)
            if eff not in seen:
                seen.add(eff)
                out.append((int(s), eff))
        return out

    def svm_sizes(self, sizes):
        """The distinct SVM training-set sizes of ``sizes`` at this scale."""
        return [eff for _, eff in self.capped_sizes(sizes, self.svm_train_size_max)]

    def gif_frames(self, n: int) -> int:
        return self._cap(n, self.gif_frames_max)

    def gradient_check(self, examples: int, params: int) -> tuple[int, int]:
        """Chapter 2's backprop check: (images, parameters compared by finite differences)."""
        return self._cap(examples, self.gradient_check_examples_max), self._cap(params, self.gradient_check_params_max)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def as_scale(scale) -> Scale:
    """A Scale from a Scale, a scale name or a mapping of scale keys (tests)."""
    if isinstance(scale, Scale):
        return scale
    if isinstance(scale, str):
        return load_scale(scale)
    return Scale.from_mapping(scale or {})


@functools.lru_cache(maxsize=None)
def _load_scale(name, mtime_ns):
    path = paths.SCALES_DIR / f"{name}.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise NnsciError(f"{path}: expected a mapping of scale keys to values")
    return Scale.from_mapping(data, name=name, source=str(path))


def load_scale(name: str) -> Scale:
    """The validated scale ``name`` (config/scales/<name>.yaml), read once per process."""
    if name not in SCALES:
        raise NnsciError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}")
    path = paths.SCALES_DIR / f"{name}.yaml"
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    return _load_scale(name, mtime)


# --------------------------------------------------------------------------------------
# Experiments
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
        for top, top_spec in specs.items():
            if not str(top).startswith(f.stem + "."):
                raise NnsciError(f"{f}: experiment id {top!r} must start with {f.stem + '.'!r}")
            for key, spec in expand_matrix(top, top_spec, f):
                if key in out:
                    raise NnsciError(f"{f}: duplicate experiment id {key!r}")
                out[key] = spec
    return out


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


def root_seed(inputs: dict) -> int:
    """The root seed of a table or figure step: ``--input seed=N`` when the rule passes one
    (so ``--config seed=`` reaches it), else config/config.yaml's."""
    if "seed" in inputs:
        try:
            return int(inputs["seed"])
        except ValueError:
            raise NnsciError(f"seed must be an integer, got {inputs['seed']!r}") from None
    return int(load_config()["seed"])
