"""Run specs: what one experiment of config/experiments/chN.yaml means, checked and scaled.

An experiment spec names everything network2.py's ``SGD`` call and its
network took (architecture, cost, initialiser, eta, epochs, mini-batch size,
lambda, data, monitors) plus our options. A scale (config/scales) changes the
numbers only: epochs, data sizes, the number of seeds; which of its caps apply is
declared by the spec (``kind``, ``beyond``), never read off the architecture's syntax.
:class:`RunSpec` is one run's spec, checked once and scaled once.

A replica script (``rng: nielsen`` with ``runs:``) is several networks trained
one after another on the book's shared random streams, in the script's order;
each entry of ``runs`` overrides fields of the base spec."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import NnsciError

if TYPE_CHECKING:   # the engine is imported when a spec is built, not when the DAG lists runs
    from ..engine.data import Dataset
    from ..engine.trainer import Options

DEFAULTS = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "cost": "cross_entropy",
    "init": "default",
    "lmbda": 0.0,
    "mini_batch": 10,
    "eval": None,
    "monitors": [],
    "seeds": 1,
    "dtype": "float32",
    "rng": "ours",
    "options": {},
    "probe": None,
}
SETS = ("training", "validation", "test", "expanded")
DATASETS = ("mnist", "fashion-mnist")   # the run-spec key `dataset` (absent: mnist)


def dataset_of(spec: dict) -> str:
    """The data set a run's sets come from. Absent means MNIST, and is left absent so that the
    resolved spec (and every hash of it) of a run that names none is what it was before."""
    return spec.get("dataset", "mnist")


def data_key(dataset: str, set_name: str) -> str:
    """The ``--input`` key (and rule input) of the file that holds ``set_name`` of ``dataset``:
    ``mnist`` and ``expanded`` for MNIST, ``fashion-mnist`` and ``fashion-mnist-expanded``."""
    if set_name == "expanded":
        return "expanded" if dataset == "mnist" else f"{dataset}-expanded"
    return dataset


BOOK_SEED = 12345678


def _schema_error(spec, run_id):
    """The first problem workflow/schemas/run.schema.yaml finds in ``spec``, as one line, or None."""
    import jsonschema

    from ..config import load_schema

    errors = list(jsonschema.Draft202012Validator(load_schema("run.schema.yaml")).iter_errors(spec))
    if not errors:
        return None
    err = jsonschema.exceptions.best_match(errors)
    top = err.absolute_path[0] if err.absolute_path else None
    if err.validator == "additionalProperties" and top is None:
        unknown = sorted(set(spec) - set(load_schema("run.schema.yaml")["properties"]))
        return f"{run_id}: unknown key(s) {', '.join(unknown)} in run spec"
    if err.validator == "required" and top is None:
        return f"{run_id}: run spec lacks {', '.join(k for k in err.validator_value if k not in spec)}"
    if top == "net":
        return (f"{run_id}: net must be a list of at least two positive layer sizes or a mapping "
                f"{{input, layers: [{{conv|fc|softmax: ...}}, ...]}}, got {spec['net']!r}")
    if top in ("train", "eval", "probe"):
        return (f"{run_id}: {top} must be a mapping with set: one of {', '.join(SETS)} (and size, offset), "
                f"got {spec[top]!r}")
    if top == "options" and err.validator == "additionalProperties":
        return f"{run_id}: {err.message} in {'.'.join(str(p) for p in err.absolute_path)}"
    where = ".".join(str(p) for p in err.absolute_path)
    return f"{run_id}: {where} {err.instance!r}: {err.message}"


def options_of(spec: dict, engine: str = "cpu", probe: Dataset | None = None) -> Options:
    """The engine's :class:`~nnsci.engine.trainer.Options` of a resolved spec (defaults filled)."""
    from ..engine.trainer import Options

    o = spec["options"]
    return Options(lmbda=float(spec["lmbda"]), l2=o.get("l2", "decay"), l1=float(o.get("l1", 0.0)),
                   momentum=float(o.get("momentum", 0.0)), shuffle=bool(o.get("shuffle", True)),
                   drop_last=bool(o.get("drop_last", False)), monitors=tuple(spec["monitors"]),
                   early_stopping=o.get("early_stopping"), stop_rule=o.get("stop_rule", "no_improvement"),
                   halve_eta=o.get("halve_eta"), min_eta_factor=float(o.get("min_eta_factor", 1 / 128)),
                   probe=probe, engine=engine, optimizer=o.get("optimizer", "sgd"),
                   beta1=float(o.get("beta1", 0.9)), beta2=float(o.get("beta2", 0.999)),
                   eps=float(o.get("eps", 1e-8)), rho=float(o.get("rho", 0.9)),
                   weight_decay=float(o.get("weight_decay", 0.0)), schedule=o.get("schedule"))


@dataclass(frozen=True)
class RunSpec:
    """One run's spec, checked once (:meth:`build`), scaled once (:meth:`scaled`).

    ``spec`` is the resolved mapping (defaults filled; after :meth:`scaled`, the scale's numbers),
    what ``metrics.json`` stores and every hash of the run covers. ``kind`` is the declared kind of
    network (the run-spec key ``kind``), kept beside it: it only tells the scale which caps apply,
    so a run's stored spec is the same whether its file declares it or not."""

    run_id: str
    spec: dict
    kind: str = "dense"
    scale: str | None = None   # the name of the scale applied, None before

    @classmethod
    def build(cls, spec: dict, run_id: str) -> "RunSpec":
        """Fill defaults and check one (non-script) spec with the run-spec schema, then build the
        network once (the engine checks the architecture, activations, cost and initialisers) and
        the engine's options; one-line errors naming the run and the key."""
        from ..engine.network import INITIALISERS
        from ..engine.compile_spec import compile_net
        from ..engine.schedules import make_schedule

        if not isinstance(spec, dict):
            raise NnsciError(f"{run_id}: a run spec must be a mapping, got {type(spec).__name__}")
        problem = _schema_error(spec, run_id)
        if problem:
            raise NnsciError(problem)
        out = copy.deepcopy(DEFAULTS)
        out.update(copy.deepcopy(spec))
        kind = out.pop("kind", "dense")
        out["init"] = out["init"] if isinstance(out["init"], list) else [out["init"]]
        for i in out["init"]:
            if i not in INITIALISERS:
                raise NnsciError(f"{run_id}: unknown initialiser {i!r}; choose one of {', '.join(INITIALISERS)}")
        try:   # the optimiser and the schedule: the engine's checks, named by the run
            options_of(out).optimizer_spec()
            make_schedule(out["options"].get("schedule"))
        except NnsciError as e:
            raise NnsciError(f"{run_id}: {e}") from None
        # The one call that checks the network (either form: layers, activations, cost, dropout): the engine's.
        compile_net(out["net"], hidden=out["hidden"], output=out["output"], cost=out["cost"], dtype=out["dtype"],
                    dropout=out["options"].get("dropout"), run_id=run_id,
                    dropout_mask=out["options"].get("dropout_mask", "per_layer"))
        return cls(run_id, out, kind)

    def scaled(self, scale) -> "RunSpec":
        """This run with the scale's numbers applied (epochs, data sizes; for ``kind: convnet`` the
        scale's convnet caps; the expanded set five times the training cap, and its epochs at most
        expanded_epochs_max; for ``beyond: true`` the beyond_* caps as well). Once only."""
        from ..config import as_scale

        if self.scale is not None:
            raise NnsciError(f"{self.run_id}: already scaled ({self.scale})")
        scale = as_scale(scale)
        out = copy.deepcopy(self.spec)
        convnet = self.kind == "convnet"
        expanded = (out.get("train") or {}).get("set") == "expanded"
        beyond = bool(out.get("beyond"))
        out["epochs"] = scale.net_epochs(out["epochs"], convnet, expanded)
        if beyond:
            out["epochs"] = scale.beyond_epochs(out["epochs"])
        for key, kind in (("train", "train"), ("eval", "eval"), ("probe", "eval"), ("test", "eval")):
            ref = out.get(key)
            if ref is not None:
                if key == "train" and ref.get("set") == "expanded":
                    kind = "expanded"
                size = scale.size(ref.get("size"), kind, convnet)
                if beyond:
                    size = scale.beyond_size(size, kind)
                if size is not None:
                    ref["size"] = size
        return RunSpec(self.run_id, out, self.kind, scale.name)

    def options(self, engine: str = "cpu", probe: Dataset | None = None) -> Options:
        return options_of(self.spec, engine, probe)

    @property
    def dataset(self) -> str:
        return dataset_of(self.spec)

    @property
    def rng(self) -> str:
        """``ours`` (seeded from the root seed and the run id) or ``nielsen`` (the book's streams)."""
        return self.spec["rng"]

    @property
    def seeds(self) -> int:
        return int(self.spec["seeds"])


def validate(spec: dict, run_id: str) -> dict:
    """:meth:`RunSpec.build`'s resolved mapping (the declared ``kind`` left out)."""
    return RunSpec.build(spec, run_id).spec


def scaled(spec: dict, scale) -> dict:
    """The mapping ``spec`` (raw or resolved; its ``kind`` read if declared) with the scale applied."""
    spec = dict(spec)
    return RunSpec("spec", spec, spec.pop("kind", "dense")).scaled(scale).spec


def is_script(spec: dict) -> bool:
    return isinstance(spec, dict) and "runs" in spec


def script_runs(experiment: str, spec: dict) -> list[tuple[str, dict]]:
    """The (run id, merged spec) of each network of a replica script, in the script's order."""
    runs = spec.get("runs")
    if not isinstance(runs, list) or not runs:
        raise NnsciError(f"{experiment}: runs must be a non-empty list")
    base = {k: v for k, v in spec.items() if k not in ("runs", "list")}
    out = []
    for i, r in enumerate(runs):
        if not isinstance(r, dict) or "id" not in r:
            raise NnsciError(f"{experiment}: runs[{i}] needs an id")
        merged = copy.deepcopy(base)
        merged.update({k: v for k, v in r.items() if k != "id"})
        out.append((f"{experiment}.{r['id']}", merged))
    return out
