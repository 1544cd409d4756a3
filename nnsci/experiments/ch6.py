"""Chapter 6's results: the sequence of convolutional networks, the ensemble and the arithmetic.

Tables (the book's chapter 6; docs/fidelity.md, "network3.py: chapter 6"):

- ``ch6.results`` (4.1): every run, the book's number beside ours;
- ``ch6.ensemble`` (4.4): the plurality vote of ch6.dropout's seeds over the test set, its errors
  and how many of its (true, predicted) pairs are among the book's 33;
- ``ch6.arithmetic`` (4.5): the architecture and parameter arithmetic, computed from the engine's
  layer plans of the book's networks.

The book's statistic (network3.py's, "best of 3 runs"): in each run the best-validation epoch is
the LAST epoch whose validation accuracy is >= the best so far, and the run reports its test
accuracy after that epoch (computed once, by the trainer, and stored in the run's metrics); of seeds s0-s2 the one with the best validation accuracy (ties to the
lowest seed index) gives the number."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..config import load_experiments, read_yaml
from ..errors import NnsciError
from ..io import read_json, save_npz
from ..tables import table
from . import run_ids, sweep_experiments
from .summary import book_value, load_runs

# The rows of section 4.1, in the book's order (ch6.omitFC and ch6.tanh are the exercise and the
# problem: the book prints no number for them).
RUNS = ("ch6.base", "ch6.conv1", "ch6.omitFC", "ch6.conv2", "ch6.tanh", "ch6.relu", "ch6.expand",
        "ch6.fc300", "ch6.fc1000", "ch6.2fc100", "ch6.2fc300", "ch6.2fc1000", "ch6.dropout")
ENSEMBLE = "ch6.dropout"          # the ensemble's members: this experiment's seeds
FILTERS_RUN = "ch6.dropout.s0"    # fig6.10: the first net of the ensemble
TANH = ("ch6.tanh", "ch6.conv2")  # the tanh problem: tanh against sigmoid
SWEEPS = {"ch6.regularized_dbl_conv": "sigmoid ch6.conv2, eta 0.1",
          "ch6.dbl_conv_relu": "ReLU ch6.relu, eta 0.03"}
BOOK_OF = 3                       # "best of 3 runs"
GRID = (5, 8)                     # the error grid: rows, columns


# -- selection ----------------------------------------------------------------------------------


def run_at_best(metrics) -> dict:
    """One run's best-validation epoch, its validation and test accuracy there (percent): the
    statistic the trainer kept while the run trained (nnsci.engine.trainer.best_validation, network3's
    rule) and train.py wrote into metrics.json (best_epoch, best_evaluation_accuracy,
    test_accuracy_at_best)."""
    if metrics.get("best_epoch") is None or metrics.get("test_accuracy_at_best") is None:
        raise NnsciError(f"run {metrics.get('run')}: no best-validation statistic in its metrics "
                         "(its spec needs test:)")
    return {"epoch": int(metrics["best_epoch"]),
            "validation": 100.0 * metrics["best_evaluation_accuracy"] / metrics["n_evaluation"],
            "test": 100.0 * metrics["test_accuracy_at_best"] / metrics["n_test"]}


def book_statistic(runs, book_of=BOOK_OF) -> dict:
    """The book's number from the metrics of an experiment's seeds (in seed order), and beside it
    the mean and standard deviation over all seeds of the test accuracy at the best-validation epoch.

    The seed is the one with the best validation accuracy (at its best-validation epoch) among the
    first ``book_of``; ties go to the lowest seed index."""
    if not runs:
        raise NnsciError("book_statistic needs at least one run")
    at = [run_at_best(m) for m in runs]
    k = min(book_of, len(at))
    seed = 0
    for i in range(1, k):
        if at[i]["validation"] > at[seed]["validation"]:
            seed = i
    tests = np.array([a["test"] for a in at], dtype=float)
    return {"value": at[seed]["test"], "seed": seed, "epoch": at[seed]["epoch"],
            "validation": at[seed]["validation"], "mean": float(tests.mean()),
            "sd": float(tests.std(ddof=1)) if len(tests) > 1 else 0.0, "seeds": len(at),
            "tests": tests.tolist()}


# -- the ensemble -------------------------------------------------------------------------------


def vote(predictions) -> np.ndarray:
    """The plurality vote of conv.py's ensemble: ``Counter(p).most_common(1)`` over the networks'
    predictions of each image. Python 3's Counter keeps first-seen order among equal counts, so a
    tie goes to the label of the lowest-indexed network among those tied.

    ``predictions``: (networks, images) labels. Returns (images,) labels."""
    p = np.asarray(predictions)
    if p.ndim != 2 or p.shape[0] < 1:
        raise NnsciError(f"vote needs (networks, images) predictions, got shape {p.shape}")
    return np.array([Counter(int(v) for v in p[:, i]).most_common(1)[0][0] for i in range(p.shape[1])],
                    dtype=np.int64)


def book_error_pairs() -> list[tuple[int, int]]:
    """The book's 33 (true, predicted) pairs (config/reference/book_errors.yaml)."""
    data = read_yaml(paths.REFERENCE_DIR / "book_errors.yaml")
    return [tuple(int(v) for v in p) for p in data["ch6.ensemble.errors"]]


def pairs_in_book(ours, book) -> int:
    """How many of our (true, predicted) pairs are among the book's, each book pair used once."""
    left = Counter(tuple(p) for p in book)
    n = 0
    for p in ours:
        p = tuple(int(v) for v in p)
        if left[p] > 0:
            left[p] -= 1
            n += 1
    return n


def _run_spec(results, run):
    return read_json(Path(results) / "runs" / run / "metrics.json")["spec"]


def test_images(inputs, spec):
    """The test images and labels a run was scored on (its scaled ``test`` reference)."""
    from ..data.mnist import load_mnist

    if "mnist" not in inputs:
        raise NnsciError("this step needs --input mnist=PATH (the prepared mnist.npz)")
    data = load_mnist(inputs["mnist"])
    ref = spec["test"]
    off = int(ref.get("offset", 0))
    end = len(data["test_x"]) if ref.get("size") is None else off + int(ref["size"])
    return data["test_x"][off:end], data["test_y"][off:end]


def ensemble_predictions(inputs, scale):
    """Each member's test predictions, the labels and the images: ``{run, predictions, labels, images}``."""
    from ..data.mnist import to_float
    from ..engine.network import load_network
    from ..engine.trainer import feedforward

    results = inputs.get("results", "results")
    runs = run_ids(ENSEMBLE, scale)
    preds, x = [], None
    for r in runs:
        spec = _run_spec(results, r)
        if x is None:
            x, y = test_images(inputs, spec)
        net = load_network(Path(results) / "runs" / r / "weights.npz", spec)
        out = feedforward(net, to_float(x, spec["dtype"]))
        preds.append(np.argmax(out, axis=1))
    return {"runs": np.array(runs), "predictions": np.array(preds, dtype=np.int64),
            "labels": np.asarray(y, dtype=np.int64), "images": np.asarray(x)}


def write_ensemble_predictions(out, inputs, scale):
    """``nnsci curves ch6.ensemble``: the members' test predictions, once for the table and figure."""
    save_npz(out, **ensemble_predictions(inputs, scale))


def load_predictions(inputs):
    if "predictions" not in inputs:
        raise NnsciError("this step needs --input predictions=PATH (nnsci curves ch6.ensemble)")
    try:
        with np.load(inputs["predictions"]) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        raise NnsciError(f"{inputs['predictions']}: not a predictions file ({e})") from None


def ensemble_errors(pred):
    """Indices of the test images the vote gets wrong, the vote, and the labels."""
    voted = vote(pred["predictions"])
    wrong = np.flatnonzero(voted != pred["labels"])
    return wrong, voted


@table("ch6.ensemble")
def ensemble_table(inputs, scale):
    """The ensemble of chapter 6's dropout networks: the plurality vote of ch6.dropout's seeds, each
    network's accuracy, the vote's errors and how many are among the book's 33."""
    pred = load_predictions(inputs)
    labels = pred["labels"]
    n = len(labels)
    wrong, voted = ensemble_errors(pred)
    rows, numbers = [], {}
    for run, p in zip(pred["runs"], pred["predictions"]):
        correct = int(np.sum(p == labels))
        rows.append({"network": str(run), "correct": correct, "of": n, "accuracy %": f"{100 * correct / n:.2f}",
                     "errors": n - correct})
        numbers[f"ch6.ensemble.{str(run).rsplit('.', 1)[1]}"] = {"value": correct, "of": n}
    correct = n - len(wrong)
    rows.append({"network": f"vote of {len(pred['runs'])}", "correct": correct, "of": n,
                 "accuracy %": f"{100 * correct / n:.2f}", "errors": len(wrong)})
    ours = [(int(labels[i]), int(voted[i])) for i in wrong]
    book = book_error_pairs()
    shared = pairs_in_book(ours, book)
    numbers["ch6.ensemble"] = round(100.0 * correct / n, 2)
    numbers["ch6.ensemble.correct"] = {"value": correct, "of": n}
    numbers["ch6.ensemble.errors"] = {"value": len(wrong), "of": n}
    numbers["ch6.ensemble.pairs_in_book"] = shared
    df = pd.DataFrame(rows)
    pairs = ", ".join(f"{t}→{p}" for t, p in ours[:80]) + (" ..." if len(ours) > 80 else "")
    notes = f"""\
conv.py's ensemble: each of the {len(pred['runs'])} networks of {ENSEMBLE} (seeds s0-s{len(pred['runs']) - 1}; the
book had 5) classifies the {n} test images; the vote is `Counter(predictions).most_common(1)` (a tie goes
to the label of the lowest-indexed network among those tied). Book: 99.67 %, 9,967 correct, 33 errors.

Our errors as true→predicted: {pairs or "none"}.
Of our {len(ours)} error pairs, {shared} are among the book's {len(book)} (each book pair counted once;
the book prints no image indices, so pairs, not images, compare).
"""
    return df, notes, numbers


# -- the results table ---------------------------------------------------------------------------


def _provenance(results, run):
    p = Path(results) / "runs" / run / "provenance.json"
    return read_json(p) if p.is_file() else {}


def _describe(spec):
    from ..engine.compile_spec import compile_net

    plan = compile_net(spec["net"], hidden=spec.get("hidden", "sigmoid"), cost=spec.get("cost"),
                       dropout_mask=(spec.get("options") or {}).get("dropout_mask", "per_layer"))
    return plan.describe()


@table("ch6.results")
def results_table(inputs, scale):
    """Every network of chapter 6's convolutional section: the book's accuracy, ours as the book's
    statistic, mean and sd over seeds, best-validation epoch, examples seen, wall time."""
    results = inputs.get("results", "results")
    rows, numbers = [], {}
    for exp in RUNS:
        ids = run_ids(exp, scale)
        runs = load_runs(results, ids)
        st = book_statistic(runs)
        prov = [_provenance(results, r) for r in ids]
        book = book_value(exp)
        m = runs[st["seed"]]
        batches = m["n_training"] // m["spec"]["mini_batch"]
        seen = batches * m["spec"]["mini_batch"] * m["epochs_run"]
        wall = sum(float(p.get("wall_seconds", 0.0)) for p in prov)
        rows.append({
            "run": exp,
            "book %": "" if book is None else f"{book:.2f}",
            "ours % (best of first 3)": f"{st['value']:.2f}",
            "seed": f"s{st['seed']}",
            "best-validation epoch": st["epoch"],
            "mean ± sd % over seeds": f"{st['mean']:.2f} ± {st['sd']:.2f}",
            "seeds": st["seeds"],
            "training set": f"{m['spec']['train']['set']} {m['n_training']:,}",
            "epochs": m["epochs_run"],
            "examples seen (per seed)": f"{seen:,}",
            "wall s (all seeds)": f"{wall:.0f}",
            "engine": ", ".join(sorted({str(p.get("engine", "?")) for p in prov})),
        })
        numbers[exp] = round(st["value"], 2)
        numbers[f"{exp}.best_epoch"] = st["epoch"]
        numbers[f"{exp}.mean"] = round(st["mean"], 4)
        numbers[f"{exp}.sd"] = round(st["sd"], 4)
    notes = """\
network3.py's procedure: log-likelihood cost on a softmax output, network3's initialiser, L2 as
0.5 lambda sum ||W||^2 / num_training_batches, fixed contiguous mini-batches of 10, validation accuracy
after every epoch and the test accuracy at the best-validation epoch (the last epoch whose validation
accuracy is >= the best so far). "Best of first 3": of seeds s0-s2, the one with the best validation
accuracy (ties to the lowest index) gives the number, as the book's "best of 3 runs"; beside it the mean
and standard deviation over all seeds of the test accuracy at each seed's best-validation epoch.
ch6.omitFC (the exercise) and ch6.tanh (the problem) have no book number. At reduced scales (fewer
images and epochs) the numbers are not comparable with the book's.
"""
    return pd.DataFrame(rows), notes, numbers


@table("ch6.sweeps")
def sweeps_table(inputs, scale):
    """conv.py's lambda sweeps (beyond the book): test accuracy at best validation per lambda."""
    rows, numbers = [], {}
    for sweep, what in SWEEPS.items():
        for lmbda, st in sweep_points(inputs.get("results", "results"), sweep, scale):
            rows.append({"sweep": sweep, "net": what, "lambda": f"{lmbda:g}", "seeds": st["seeds"],
                         "test % at best validation (mean)": f"{st['mean']:.2f}",
                         "sd": f"{st['sd']:.2f}", "min – max": f"{min(st['tests']):.2f} – {max(st['tests']):.2f}"})
            numbers[f"{sweep}.lmbda_{lmbda:g}"] = round(st["mean"], 4)
    notes = """\
Beyond the book: the author's conv.py swept lambda (network3's L2 penalty) for the sigmoid double conv net
(`regularized_dbl_conv`: "basic l2 regularization didn't help much") and for the ReLU one
(`dbl_conv_relu`; the text reports only lambda 0.1). Mean over seeds of the test accuracy at each seed's
best-validation epoch.
"""
    return pd.DataFrame(rows), notes, numbers


def sweep_points(results, sweep, scale):
    """``[(lambda, book_statistic)]`` of the points of one sweep this scale trains."""
    specs = load_experiments("ch6")
    out = []
    for exp in sweep_experiments(sweep, scale):
        st = book_statistic(load_runs(results, run_ids(exp, scale)))
        out.append((float(specs[exp].get("lmbda", 0.0)), st))
    return out


# -- section 4.5: the arithmetic, from the engine's layer plans ----------------------------------


def book_plans():
    """The layer plans of the networks section 4.5 talks about."""
    from ..engine.compile_spec import compile_net

    specs = load_experiments("ch6")

    def plan(exp):
        s = specs[exp]
        return compile_net(s["net"], hidden=s.get("hidden", "sigmoid"), cost=s["cost"],
                           dropout_mask=(s.get("options") or {}).get("dropout_mask", "per_layer"))

    return {
        "conv1": plan("ch6.conv1"),
        "conv2": plan("ch6.conv2"),
        "dropout": plan("ch6.dropout"),
        "fc30": compile_net([784, 30], output="sigmoid"),
        "toy": toy_plan(),
    }


def toy_plan():
    """fig6.13's toy net: 28x28 -> 3 maps 5x5, 2x2 max-pooling -> 10 outputs."""
    from ..engine.compile_spec import compile_net

    return compile_net({"input": [1, 28, 28], "layers": [{"conv": {"maps": 3, "k": 5, "pool": 2}},
                                                         {"softmax": {"n": 10}}]},
                       cost="log_likelihood")


def simple_conv_plan():
    """fig6.14's net (ch6.conv1): 28x28 -> 20 maps 24x24 -> pooled 20x12x12 -> 100 -> 10."""
    return book_plans()["conv1"]


def arithmetic():
    """``[(id, what, value)]``: section 4.5's facts computed from the plans (and MNIST's sizes)."""
    from ..data.augment import shifts
    from ..data.mnist import N_TRAINING

    p = book_plans()
    c1 = p["conv1"].layers[0]
    c2 = p["conv2"].layers[1]
    maps, hc, wc = c1.conv_shape
    per_map = (c1.n_weights + c1.n_biases) // maps
    conv20 = c1.n_weights + c1.n_biases
    fc30 = p["fc30"].n_params
    copies = len(shifts(np.zeros((1, 784), dtype=np.uint8)))
    mb = int(load_experiments("ch6")["ch6.conv1"]["mini_batch"])
    hidden = sum(1 for ly in p["dropout"].layers if ly.kind != "softmax")
    return [
        ("ch6.lrf.hidden_side", f"side of the hidden layer: 28 - {c1.k} + 1", hc),
        ("ch6.lrf.positions", "positions the 5x5 field slides across (after the first)", hc - 1),
        ("ch6.params.per_map", "parameters per feature map: 5x5 shared weights + 1 bias", per_map),
        ("ch6.params.conv20", "parameters of 20 feature maps", conv20),
        ("ch6.params.fc30", "parameters of a fully connected 784 -> 30 layer", fc30),
        ("ch6.params.ratio", "fc30 / conv20", round(fc30 / conv20, 1)),
        ("ch6.pool.side", "side after 2x2 max-pooling of the 24x24 map", c1.out_shape[1]),
        ("ch6.conv1.fc_in", "inputs of ch6.conv1's FC layer (20 x 12 x 12)", p["conv1"].layers[1].n_in),
        ("ch6.conv2.fc_in", "inputs of ch6.conv2's FC layer (40 x 4 x 4)", p["conv2"].layers[2].n_in),
        ("ch6.init.conv1_sd", f"network3 init sd of conv1: sqrt(1 / n_out), n_out = {c1.fan_out:g}",
         round(math.sqrt(1.0 / c1.fan_out), 4)),
        ("ch6.init.conv2_sd", f"network3 init sd of conv2: sqrt(1 / n_out), n_out = {c2.fan_out:g}",
         round(math.sqrt(1.0 / c2.fan_out), 4)),
        ("ch6.conv2in", "inputs of one second-layer conv neuron (20 x 5 x 5)", c2.n_weights // c2.w_shape[0]),
        ("ch6.batches.raw", f"mini-batches of {mb} per epoch, raw data", N_TRAINING // mb),
        ("ch6.batches.expanded", f"mini-batches of {mb} per epoch, expanded data", copies * N_TRAINING // mb),
        ("ch6.expand.size", f"expanded training set: each image and its {copies - 1} one-pixel shifts",
         copies * N_TRAINING),
        ("ch6.toy.maps", "fig6.13's toy net: feature maps", p["toy"].layers[0].w_shape[0]),
        ("ch6.depth.hidden_layers", "hidden layers of the final net (conv-pool as one)", hidden),
    ]


@table("ch6.arithmetic")
def arithmetic_table(inputs, scale):
    """Chapter 6's architecture arithmetic (shared weights, parameter counts, feature-map sizes),
    computed from the engine's layer plans."""
    rows, numbers = [], {}
    for key, what, value in arithmetic():
        book = book_value(key)
        rows.append({"id": key, "quantity": what, "ours": value, "book": "" if book is None else book})
        numbers[key] = value
    notes = """\
Section 4.5's arithmetic, computed from the engine's layer plans of the book's networks (ch6.conv1,
ch6.conv2, ch6.dropout, fig6.13's toy net and a fully connected 784 -> 30 layer) and MNIST's 50,000
training images; independent of the scale.
"""
    return pd.DataFrame(rows), notes, numbers
