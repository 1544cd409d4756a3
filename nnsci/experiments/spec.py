"""Run specs: what one experiment of config/experiments/chN.yaml means, checked and scaled.

An experiment spec names everything network2.py's ``SGD`` call and its
network took (architecture, cost, initialiser, eta, epochs, mini-batch size,
lambda, data, monitors) plus our options. A scale (config/scales) changes the
numbers only: epochs, data sizes, the number of seeds.

A replica script (``rng: nielsen`` with ``runs:``) is several networks trained
one after another on the book's shared random streams, in the script's order;
each entry of ``runs`` overrides fields of the base spec."""

from __future__ import annotations

import copy

from ..errors import NnsciError

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
REQUIRED = ("net", "eta", "epochs", "train")
KNOWN = set(DEFAULTS) | set(REQUIRED) | {"catalog", "description", "book", "runs", "list", "id", "seed", "test"}
OPTION_KEYS = {"l2", "l1", "momentum", "shuffle", "drop_last", "early_stopping", "stop_rule", "halve_eta",
               "min_eta_factor", "dropout", "dropout_mask"}
SETS = ("training", "validation", "test", "expanded")
BOOK_SEED = 12345678


def _check_data_ref(ref, what, run_id):
    if not isinstance(ref, dict) or ref.get("set") not in SETS:
        raise NnsciError(f"{run_id}: {what} must be a mapping with set: one of {', '.join(SETS)}, got {ref!r}")
    unknown = set(ref) - {"set", "size", "offset"}
    if unknown:
        raise NnsciError(f"{run_id}: unknown key(s) {sorted(unknown)} in {what}")


def validate(spec: dict, run_id: str) -> dict:
    """Fill defaults and check one (non-script) spec; one-line errors naming the run and key."""
    if not isinstance(spec, dict):
        raise NnsciError(f"{run_id}: a run spec must be a mapping, got {type(spec).__name__}")
    unknown = set(spec) - KNOWN
    if unknown:
        raise NnsciError(f"{run_id}: unknown key(s) {', '.join(sorted(unknown))} in run spec")
    missing = [k for k in REQUIRED if k not in spec]
    if missing:
        raise NnsciError(f"{run_id}: run spec lacks {', '.join(missing)}")
    out = copy.deepcopy(DEFAULTS)
    out.update(copy.deepcopy(spec))
    net = out["net"]
    for key in ("eta", "lmbda"):
        if not isinstance(out[key], (int, float)) or out[key] < 0:
            raise NnsciError(f"{run_id}: {key} must be a non-negative number, got {out[key]!r}")
    for key in ("epochs", "mini_batch", "seeds"):
        if not isinstance(out[key], int) or out[key] < (0 if key == "epochs" else 1):
            raise NnsciError(f"{run_id}: {key} must be a positive integer, got {out[key]!r}")
    if out["rng"] not in ("ours", "nielsen"):
        raise NnsciError(f"{run_id}: rng must be 'ours' or 'nielsen', got {out['rng']!r}")
    inits = out["init"] if isinstance(out["init"], list) else [out["init"]]
    out["init"] = inits
    _check_data_ref(out["train"], "train", run_id)
    if out["eval"] is not None:
        _check_data_ref(out["eval"], "eval", run_id)
    if out["probe"] is not None:
        _check_data_ref(out["probe"], "probe", run_id)
    if out.get("test") is not None:   # network3's test set (best-validation rule); no default, so
        _check_data_ref(out["test"], "test", run_id)   # specs without it resolve as before
    bad = set(out["options"]) - OPTION_KEYS
    if bad:
        raise NnsciError(f"{run_id}: unknown option(s) {', '.join(sorted(bad))}; known: "
                         f"{', '.join(sorted(OPTION_KEYS))}")
    # The network (either form: layers, activations, cost, dropout) is the engine's to check.
    from ..engine.network import INITIALISERS
    from ..engine.plan import compile_net

    for i in inits:
        if i not in INITIALISERS:
            raise NnsciError(f"{run_id}: unknown initialiser {i!r}; choose one of {', '.join(INITIALISERS)}")
    compile_net(net, hidden=out["hidden"], output=out["output"], cost=out["cost"], dtype=out["dtype"],
                dropout=out["options"].get("dropout"), run_id=run_id,
                dropout_mask=out["options"].get("dropout_mask", "per_layer"))
    return out


def scaled(spec: dict, scale: dict) -> dict:
    """The spec with the scale's numbers applied (epochs, data sizes)."""
    out = copy.deepcopy(spec)
    f = float(scale.get("epochs_factor", 1.0))
    if f != 1.0 or scale.get("epochs_max"):
        e = max(int(scale.get("epochs_min", 1)), int(round(out["epochs"] * f)))
        if scale.get("epochs_max"):
            e = min(e, int(scale["epochs_max"]))
        out["epochs"] = min(e, out["epochs"]) if out["epochs"] > 0 else 0
    for key, cap in (("train", "train_size_max"), ("eval", "eval_size_max"), ("probe", "eval_size_max"),
                     ("test", "eval_size_max")):
        ref = out.get(key)
        if ref is not None and scale.get(cap):
            limit = int(scale[cap])
            ref["size"] = min(int(ref["size"]), limit) if ref.get("size") else limit
    return out


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
