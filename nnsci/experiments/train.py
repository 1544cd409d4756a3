"""Train runs of config/experiments and write results/runs/<run>/.

Each run directory gets ``metrics.json`` (the resolved spec and the
per-epoch monitors), ``weights.npz`` and ``provenance.json``."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import config as cfgmod
from ..engine import Dataset, NielsenStreams, OurStreams, network_from_spec, sgd, sgd_family
from ..engine.backends import get_backend, set_threads
from ..engine.checkpoint import remove as remove_checkpoint
from ..engine.trainer import check_training_rule
from ..data.augment import on_the_fly
from ..data.mnist import load_mnist, to_float
from ..errors import NnsciError
from ..io import sha256_file, write_json
from ..provenance import config_hash, engine_source_hash, provenance
from . import split_run_id
from .spec import BOOK_SEED, RunSpec, data_key, dataset_of, is_script, script_runs

log = logging.getLogger("nnsci.train")


class DataStore:
    """Data sets in the engine's form, loaded once per process (pixels / 256): ``inputs`` maps the
    keys of :func:`~nnsci.experiments.spec.data_key` (``mnist``, ``expanded``, ``fashion-mnist``,
    ...) to files."""

    def __init__(self, inputs: dict):
        self.inputs = inputs
        self._raw = {}
        self._cache = {}

    def _arrays(self, key):
        if key not in self._raw:
            path = self.inputs.get(key)
            if not path:
                raise NnsciError(f"this run needs --input {key}=PATH (the {key} data file)")
            self._raw[key] = _load_expanded(path) if key.endswith("expanded") else load_mnist(path)
        return self._raw[key]

    def get(self, ref: dict, dtype: str, n_out: int, dataset: str = "mnist") -> Dataset:
        name = ref["set"]
        key = data_key(dataset, name)
        prefix = "training" if name == "expanded" else name
        cache_key = (key, name, dtype)
        if cache_key not in self._cache:
            raw = self._arrays(key)
            x = raw[f"{prefix}_x"]
            self._cache[cache_key] = Dataset.classification(to_float(x, dtype), raw[f"{prefix}_y"],
                                                            n_out, dtype)
        full = self._cache[cache_key]
        off = int(ref.get("offset", 0))
        size = ref.get("size")
        end = len(full) if size is None else min(len(full), off + int(size))
        if off == 0 and end == len(full):
            return full
        return Dataset(full.x[off:end].copy(), full.t[off:end].copy(), full.labels[off:end].copy())

    def sha256(self):
        return {k: sha256_file(v) for k, v in sorted(self.inputs.items()) if Path(v).is_file()}


def _load_expanded(path):
    try:
        with np.load(path) as f:
            return {"training_x": f["training_x"], "training_y": f["training_y"]}
    except (OSError, KeyError, ValueError) as e:
        raise NnsciError(f"{path}: not a valid expanded MNIST file ({e})") from None


def _prepare(run: RunSpec, streams, store: DataStore, engine: str, out_dir: Path, seed_info: dict,
             fresh_list=True) -> dict:
    """Build and initialise one (scaled) run's network and data: what :func:`_finish` and the trainer need."""
    run_id, spec = run.run_id, run.spec
    net = network_from_spec(spec, run_id)
    n_out = int(net.sizes[-1])
    ds = run.dataset
    train = store.get(spec["train"], spec["dtype"], n_out, ds)
    evaluation = store.get(spec["eval"], spec["dtype"], n_out, ds) if spec["eval"] else None
    probe = store.get(spec["probe"], spec["dtype"], n_out, ds) if spec["probe"] else None
    test = store.get(spec["test"], spec["dtype"], n_out, ds) if spec.get("test") else None
    for scheme in spec["init"]:   # e.g. [default, large]: network2's constructor draws, then large_weight_initializer
        net.initialize(scheme, streams.normal)
    if isinstance(streams, NielsenStreams) and fresh_list:
        streams.fresh_list(len(train))
    log.info("%s: %s, %d training examples of %s, %d epochs, eta %g, lambda %g, engine %s",
             run_id, spec["net"], len(train), ds, spec["epochs"], spec["eta"], spec["lmbda"], engine)
    options = run.options(engine, probe)
    options.test = test
    try:
        check_training_rule(options)
    except NnsciError as e:
        raise NnsciError(f"{run_id}: {e}") from None
    if spec["options"].get("augment"):
        options.augment = on_the_fly(spec, train.x, _seed_sequence(seed_info))
    checkpoint = out_dir.parent / "checkpoints" / f"{run_id}.npz"   # outside the rule's outputs
    sgd_args = dict(net=net, training=train, epochs=spec["epochs"], mini_batch_size=spec["mini_batch"],
                    eta=float(spec["eta"]), streams=streams, evaluation=evaluation, options=options,
                    checkpoint=checkpoint,
                    checkpoint_key=config_hash({"run": run_id, "spec": spec, "seed": seed_info}))
    return {"run_id": run_id, "spec": spec, "store": store, "engine": engine, "out_dir": out_dir,
            "seed_info": seed_info, "sgd": sgd_args, "t0": time.time()}


def _seed_sequence(seed_info: dict) -> np.random.SeedSequence:
    """The run's SeedSequence (ours: root seed and run id; a replica: the book's seed)."""
    if seed_info["rng"] == "ours":
        return np.random.SeedSequence(seed_info["entropy"], spawn_key=tuple(seed_info["spawn_key"]))
    return np.random.SeedSequence(int(seed_info["seed"]), spawn_key=(int(seed_info.get("position", 0)),))


def _finish(job: dict, hist) -> dict:
    """Write one trained run's directory: weights, provenance, then metrics."""
    run_id, spec, store, engine = job["run_id"], job["spec"], job["store"], job["engine"]
    net, train, evaluation = job["sgd"]["net"], job["sgd"]["training"], job["sgd"]["evaluation"]
    test = job["sgd"]["options"].test
    wall = time.time() - job["t0"]
    run_dir = job["out_dir"] / run_id
    metrics = {
        "run": run_id,
        "spec": spec,
        "n_training": len(train),
        "n_evaluation": len(evaluation) if evaluation is not None else 0,
        "epochs_run": hist.epochs_run,
        "stopped_early": hist.stopped_early,
        "training_cost": hist.training_cost,
        "training_accuracy": hist.training_accuracy,
        "evaluation_cost": hist.evaluation_cost,
        "evaluation_accuracy": hist.evaluation_accuracy,
        "eta": hist.eta,
        "grad_norms_b": hist.grad_norms_b,
        "grad_norms_w": hist.grad_norms_w,
        "seconds_per_epoch": hist.seconds,
    }
    if test is not None:   # network3's best-validation rule
        metrics.update(n_test=len(test), test_accuracy=hist.test_accuracy, best_epoch=hist.best_epoch,
                       best_evaluation_accuracy=hist.best_evaluation_accuracy,
                       test_accuracy_at_best=hist.test_accuracy_at_best)
    net.save(run_dir / "weights.npz")
    import numba

    write_json(run_dir / "provenance.json", provenance(
        run=run_id, seed=job["seed_info"], spec=spec, config_hash=config_hash(spec), engine=engine,
        engine_source_hash=engine_source_hash(engine), threads=numba.get_num_threads(),
        input_sha256=store.sha256(), wall_seconds=wall))
    write_json(run_dir / "metrics.json", metrics)   # last: its presence means the run is complete
    remove_checkpoint(job["sgd"]["checkpoint"])
    return metrics


def train_one(run: RunSpec, streams, store: DataStore, engine: str, out_dir: Path, seed_info: dict,
              fresh_list=True):
    """Build, initialise and train one network; write its run directory."""
    job = _prepare(run, streams, store, engine, out_dir, seed_info, fresh_list)
    return _finish(job, sgd(**job["sgd"]))


def train_family(jobs: list[dict]) -> list[dict]:
    """Train prepared runs side by side (one launch per epoch for all of them on a GPU), each with
    the bytes it has alone; write their run directories."""
    if len(jobs) == 1:
        return [_finish(jobs[0], sgd(**jobs[0]["sgd"]))]
    log.info("training %d runs side by side: %s", len(jobs), ", ".join(j["run_id"] for j in jobs))
    return [_finish(j, h) for j, h in zip(jobs, sgd_family([j["sgd"] for j in jobs]))]


def family_key(spec: dict):
    """Runs with equal keys can train side by side: one network, dtype, training data, mini-batch."""
    return json.dumps([spec["net"], spec.get("hidden"), spec.get("output"), spec.get("cost"), spec["dtype"],
                       (spec.get("options") or {}).get("dropout"), (spec.get("options") or {}).get("dropout_mask"),
                       spec["train"], spec["mini_batch"], dataset_of(spec)], sort_keys=True, default=str)


def train_runs(run_ids, inputs, scale=None, engine=None, threads=None, seed=None, results="results"):
    cfg = cfgmod.load_config({"scale": scale, "engine": engine, "threads": threads, "seed": seed})
    scale_spec = cfgmod.load_scale(cfg["scale"])
    set_threads(cfg["threads"])
    get_backend(cfg["engine"])   # an engine that cannot run here stops now, with its one line
    store = DataStore(inputs)
    out_dir = Path(results) / "runs"
    pending = []   # prepared runs that will train side by side (engine=cuda)

    def flush():
        if pending:
            train_family(pending)
            pending.clear()

    for run_id in run_ids:
        experiment, k = split_run_id(run_id)
        chapter = experiment.split(".", 1)[0]
        specs = cfgmod.load_experiments(chapter)
        if experiment not in specs:
            raise NnsciError(f"unknown run {run_id!r}: no experiment {experiment!r} in "
                             f"config/experiments/{chapter}.yaml")
        raw = specs[experiment]
        if is_script(raw):
            # A replica script: its networks share the book's streams, in order.
            flush()
            streams = NielsenStreams(raw.get("seed", BOOK_SEED))
            shared = raw.get("list", "slice") == "shared"
            for i, (rid, sub) in enumerate(script_runs(experiment, raw)):
                run = RunSpec.build(sub, rid).scaled(scale_spec)
                train_one(run, streams, store, cfg["engine"], out_dir,
                          {"rng": "nielsen", "seed": streams.dropout_seed, "script": experiment, "position": i},
                          fresh_list=not shared or i == 0)
            continue
        run = RunSpec.build(raw, experiment).scaled(scale_spec)
        spec = run.spec
        if run.rng == "nielsen":
            flush()
            s = int(spec.get("seed", BOOK_SEED))
            train_one(run, NielsenStreams(s), store, cfg["engine"], out_dir,
                      {"rng": "nielsen", "seed": s})
        else:
            if k is None or k >= run.seeds:
                raise NnsciError(f"run id {run_id!r}: expected {experiment}.s<k> with k < {run.seeds}")
            ss = cfgmod.run_seed_sequence(cfg["seed"], run_id)
            seed_info = {"rng": "ours", "root_seed": cfg["seed"], "spawn_key": list(ss.spawn_key),
                         "entropy": ss.entropy}
            run = replace(run, run_id=run_id)
            if cfg["engine"] != "cuda" or (spec["options"] or {}).get("augment"):
                # (augmented runs train on inputs of their own, so one at a time)
                flush()
                train_one(run, OurStreams(ss), store, cfg["engine"], out_dir, seed_info)
                continue
            # On a GPU, runs of one network and data (seeds, lambdas, ...) train side by side.
            if pending and family_key(pending[0]["spec"]) != family_key(spec):
                flush()
            pending.append(_prepare(run, OurStreams(ss), store, cfg["engine"], out_dir, seed_info))
    flush()
