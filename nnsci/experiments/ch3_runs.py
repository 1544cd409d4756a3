"""Chapter 3's runs: which exist at a scale, the author's stored series, and the more-data curves
(docs/fidelity.md, "network2.py: chapters 2, 3 and 5").

Two kinds of run answer the book here. The *replicas* (``rng: nielsen``) retrain the author's
figure scripts on his own random streams; the book's stored per-epoch numbers (the repo's
``fig/*.json``, catalog section 6, in config/reference/book_series.yaml) are what they must
reproduce: the 1,000-image runs epoch for epoch, the 50,000-image runs in their first epochs. The
*our-seed* runs (``rng: ours``, 5 seeds) compare statistically, by the best of the first three
seeds (the book's statistic) and the mean and sd over seeds."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .. import paths
from ..config import as_scale, load_experiments, read_yaml
from ..errors import NnsciError
from ..io import read_json, write_json
from . import run_ids
from .summary import book_value, load_runs

MORE_DATA_SIZES = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]

# Figure name (results/ch3/figures/<name>.png, registry id ch3.<name>) -> the experiments whose runs
# it reads, in the order it draws them: written once, read by the rules (their inputs) and by
# figures/ch3.py (what it draws). The more_data figures read the more-data curves instead.
FIGURE_RUNS = {
    "overfitting1": ["ch3.overfit1000"],
    "overfitting2": ["ch3.overfit1000"],
    "overfitting3": ["ch3.overfit1000"],
    "overfitting4": ["ch3.overfit1000"],
    "overfitting_full": ["ch3.overfit_full"],
    "regularized1": ["ch3.l2_1000"],
    "regularized2": ["ch3.l2_1000"],
    "regularized_full": ["ch3.l2_full"],
    "weight_initialization_30": ["ch3.winit30"],
    "weight_initialization_100": ["ch3.winit100"],
    "multiple_eta": ["ch3.multi_eta"],
    "l1": ["ch3.unregularized", "ch3.l1_0.5", "ch3.l1_2"],
    "early_stopping": ["ch3.early_stop", "ch3.windowed", "ch3.early_stop_b", "ch3.windowed_b",
                       "ch3.early_stop_c", "ch3.windowed_c"],
    "halve_eta": ["ch3.early_stop", "ch3.halve_eta"],
    "momentum": ["ch3.winit30_new", "ch3.momentum0.5", "ch3.momentum0.9"],
}


@functools.lru_cache(maxsize=None)
def book_series() -> dict:
    """config/reference/book_series.yaml: ``{run: {monitor: [values] or {epoch: value}}}``."""
    return read_yaml(paths.REFERENCE_DIR / "book_series.yaml")


def book_more_data(kind):
    """The book's more-data curve (``nn`` or ``svm``, percent by size) from book.yaml."""
    return [book_value(f"ch3.more_data.{kind}.size{s}") for s in MORE_DATA_SIZES]


REPLICA_SINGLE = ["ch3.overfit1000", "ch3.l2_1000", "ch3.overfit_full", "ch3.l2_full"]
REPLICA_SCRIPTS = ["ch3.more_data", "ch3.multi_eta", "ch3.winit30", "ch3.winit100"]
REPLICAS = REPLICA_SINGLE + REPLICA_SCRIPTS
# ---------------------------------------------------------------------------------------------
# Which runs exist at a scale
def our_experiments():
    """Every our-seed experiment of config/experiments/ch3.yaml (rng: ours), in file order."""
    return [k for k, v in load_experiments("ch3").items() if v.get("rng", "ours") == "ours"]


def more_data_epochs_and_lambda(size):
    """more_data.py's schedule: num_epochs = 1500000/size (Python 2 integer division), lambda = size*0.0001."""
    return 1500000 // size, size * 0.0001


def more_data_our_experiments(scale):
    """The more_data_ours experiments worth training at this scale (one per distinct size)."""
    return [f"ch3.more_data_ours.n{s}" for s, _ in as_scale(scale).capped_sizes(MORE_DATA_SIZES)]


def trained_our_experiments(scale):
    """Our-seed experiments that the chapter 3 rules train at this scale."""
    keep = set(more_data_our_experiments(scale))
    return [e for e in our_experiments() if not e.startswith("ch3.more_data_ours.") or e in keep]


# ---------------------------------------------------------------------------------------------
# Final accuracy from saved weights (more_data.py measured once, after the last epoch)
def load_network(weights_path, spec):
    """Rebuild a trained network from its weights.npz and resolved spec (the engine's loader)."""
    from ..engine import load_network as engine_load_network

    return engine_load_network(weights_path, spec)


class Evaluator:
    """Accuracy of saved runs on their own evaluation set (the spec's, as scaled)."""

    def __init__(self, mnist_path):
        from .train import DataStore

        if not mnist_path:
            raise NnsciError("the more_data curves need --input mnist=PATH (the prepared MNIST .npz)")
        self.store = DataStore({"mnist": mnist_path})

    def final_percent(self, results, metrics):
        from ..engine import accuracy

        spec = metrics["spec"]
        net = load_network(Path(results) / "runs" / metrics["run"] / "weights.npz", spec)
        data = self.store.get(spec["eval"], spec["dtype"], spec["net"][-1])
        return 100.0 * accuracy(net, data) / len(data)


def distinct_by_training_size(runs):
    """Keep the first run of each effective training-set size (see ``capped_sizes``)."""
    out, seen = [], set()
    for m in runs:
        if m["n_training"] not in seen:
            seen.add(m["n_training"])
            out.append(m)
    return out


def more_data_curves(inputs, scale):
    """Validation accuracy (%) against training-set size: the replica, our seeds, the SVM, the book.

    Returns a dict of curves, each ``{"n": sizes, "acc": percents}``; ours also carries
    ``"seeds"``: an array (sizes x seeds). With ``--input curves=PATH`` (the file
    :func:`write_more_data_curves` wrote: the rules compute the curves once for the four figures
    and the table) it reads them; otherwise it evaluates every saved network."""
    if "curves" in inputs:
        return {name: {k: np.asarray(v, float) for k, v in c.items()}
                for name, c in read_json(inputs["curves"]).items()}
    results = inputs.get("results", "results")
    ev = Evaluator(inputs.get("mnist"))
    curves = {"book_nn": {"n": np.array(MORE_DATA_SIZES, float), "acc": np.array(book_more_data("nn"))},
              "book_svm": {"n": np.array(MORE_DATA_SIZES, float), "acc": np.array(book_more_data("svm"))}}
    replica = distinct_by_training_size(load_runs(results, run_ids("ch3.more_data", scale)))
    curves["replica"] = {"n": np.array([m["n_training"] for m in replica], float),
                         "acc": np.array([ev.final_percent(results, m) for m in replica])}
    n_ours, seeds = [], []
    for exp in more_data_our_experiments(scale):
        runs = load_runs(results, run_ids(exp, scale))
        n_ours.append(runs[0]["n_training"])
        seeds.append([ev.final_percent(results, m) for m in runs])
    seeds = np.array(seeds)
    curves["ours"] = {"n": np.array(n_ours, float), "acc": seeds.mean(axis=1), "seeds": seeds}
    svm = svm_curve(inputs)
    if svm is not None:
        curves["svm"] = svm
    return curves


def write_more_data_curves(out, inputs, scale):
    """``nnsci curves ch3.more_data``: the curves of :func:`more_data_curves` as JSON (exact floats)."""
    write_json(out, more_data_curves({k: v for k, v in inputs.items() if k != "curves"}, scale))


def svm_curve(inputs):
    """The SVM's validation accuracy from ``--input svm<N>=results/svm/size<N>.npz`` files."""
    from ..baselines import load_svm_result

    pts = []
    for key, path in inputs.items():
        if key.startswith("svm") and key[3:].isdigit():
            r = load_svm_result(path)
            pts.append((r["size"], 100.0 * r["validation_correct"] / r["validation_n"]))
    if not pts:
        return None
    pts.sort()
    return {"n": np.array([p[0] for p in pts], float), "acc": np.array([p[1] for p in pts])}
