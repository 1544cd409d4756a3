"""Chapter 5's trained results: depth, the speed of learning, and what cures the vanishing gradient.

Tables (docs/fidelity.md, "Chapter 5: the speed of learning"):

- ``ch5.depth``: validation accuracy of sigmoid nets with 1 to 4 hidden layers;
- ``ch5.gradients``: the per-layer speed of learning ||delta^l|| (the norm of the mean dC/db^l over
  the first 1,000 training images) at initialisation over 10 seeds, and during 500 epochs of
  full-batch gradient descent (and, beyond the book, of mini-batch SGD);
- ``ch5.cures`` (beyond the book): tanh, ReLU with He's initialiser, and deeper nets.

The speed of hidden layer l is the book's ||delta^l||: delta^l = dC/db^l averaged over the 1,000
images, *then* its norm (a norm of the mean, not a mean of norms); cross-entropy cost, network2's
default initialiser. The output layer is not a hidden layer and is left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims
from ..config import load_experiments, root_seed, run_seed_sequence
from ..data.mnist import to_float
from ..engine import Dataset, Network, OurStreams, gradient, gradient_norms
from ..errors import NnsciError
from ..tables import table
from . import run_ids
from .summary import book_value, load_runs, seed_statistics

DEPTHS = ("ch5.depth1", "ch5.depth2", "ch5.depth3", "ch5.depth4")
SPEEDS = ("ch5.speed2", "ch5.speed3", "ch5.speed4", "ch5.speed4_sgd")
INITIAL = {2: [784, 30, 30, 10], 3: [784, 30, 30, 30, 10], 4: [784, 30, 30, 30, 30, 10]}
INITIAL_SEEDS = 10      # draws of each network at initialisation (the book had one)
PROBE_SIZE = 1000       # generate_gradient.py's training_data[:1000]
BOOK_EPOCHS = (0, 50, 499)   # the epochs of the book's stored norms that book.yaml quotes


# -- the quantity ------------------------------------------------------------------------------


def probe_data(mnist, size=PROBE_SIZE, dtype="float32"):
    """The first ``size`` training images, pixels / 256, as the runs see them."""
    return Dataset.classification(to_float(mnist["training_x"][:size], dtype), mnist["training_y"][:size], 10,
                                  dtype)


def initial_network(sizes, seed_sequence, dtype="float32"):
    """network2.Network(sizes): sigmoid, cross-entropy, default initialiser, drawn from our streams.

    The draw is the one a training run with this seed sequence starts from (its init stream)."""
    net = Network(sizes, "sigmoid", "sigmoid", "cross_entropy", dtype)
    net.initialize("default", OurStreams(seed_sequence).normal)
    return net


def hidden_speeds(net, data):
    """||delta^l|| of every hidden layer l = 1 .. L-1 (the output layer is left out)."""
    norms_b, _ = gradient_norms(net, data)
    return norms_b[:-1]


def mean_bias_gradient(net, data, layer):
    """delta^layer itself: the mean over ``data`` of dC/db^layer (signed; fig5.05's bars)."""
    return net.biases(layer, of=gradient(net, data))


def initial_speeds(mnist, n_hidden, root_seed, seeds=INITIAL_SEEDS):
    """(seeds, n_hidden) array: ||delta^l|| at initialisation of ``seeds`` fresh draws.

    Draw k of the n-hidden-layer net has the seed of id ``ch5.grad0.<n>.s<k>``."""
    data = probe_data(mnist)
    return np.array([hidden_speeds(initial_network(INITIAL[n_hidden],
                                                   run_seed_sequence(root_seed, f"ch5.grad0.{n_hidden}.s{k}")),
                                   data)
                     for k in range(seeds)])


def speed_curves(metrics):
    """(epochs, hidden layers) array of a run's probe: the norms logged before each epoch's update.

    The trainer probes once more after the last epoch; the book's 500 points are epochs 0 .. 499,
    so that last probe is dropped."""
    nb = np.asarray(metrics["grad_norms_b"], dtype=float)
    if nb.ndim != 2 or len(nb) < 1:
        raise NnsciError(f"run {metrics.get('run')}: no gradient probe in its metrics (spec needs probe:)")
    epochs = int(metrics["epochs_run"])
    return nb[:epochs, :-1]


def speed_ratio(curves):
    """Per epoch: speed of the last hidden layer over that of the first (the book's "~100 times")."""
    curves = np.asarray(curves, dtype=float)
    return curves[:, -1] / curves[:, 0]


def _mean_sd(values):
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def _g(v, digits=3):
    return "" if v is None else f"{v:.{digits}g}"




# -- 3.1: depth ----------------------------------------------------------------------------------


@table("ch5.depth")
def depth_table(inputs, scale):
    """Accuracy against the number of hidden layers (network2.py, chapter 5's first experiment):
    the book's numbers beside ours, every seed."""
    results = inputs.get("results", "results")
    specs = load_experiments("ch5")
    rows, numbers = [], {}
    for exp in DEPTHS:
        st = seed_statistics(load_runs(results, run_ids(exp, scale)))
        book = book_value(exp)
        rows.append({
            "run": exp,
            "net": str(specs[exp]["net"]),
            "epochs": st["epochs"],
            "seeds": st["seeds"],
            "book validation %": "" if book is None else f"{book:.2f}",
            "ours: best of first 3, best epoch %": f"{st['book_statistic']:.2f}",
            "at epoch": st["book_statistic_epoch"],
            "its final epoch %": f"{st['final_of_book_seed']:.2f}",
            "best epoch % over seeds": f"{st['best_mean']:.2f} ± {st['best_sd']:.2f}",
            "final epoch % over seeds": f"{st['final_mean']:.2f} ± {st['final_sd']:.2f}",
        })
        numbers[exp] = round(st["book_statistic"], 2)
        numbers[f"{exp}.best_epoch"] = st["book_statistic_epoch"]
        numbers[f"{exp}.final"] = round(st["final_of_book_seed"], 2)
        numbers[f"{exp}.best_mean"] = round(st["best_mean"], 4)
        numbers[f"{exp}.best_sd"] = round(st["best_sd"], 4)
        numbers[f"{exp}.final_mean"] = round(st["final_mean"], 4)
        numbers[f"{exp}.final_sd"] = round(st["final_sd"], 4)
    notes = """\
network2.py's `SGD(training_data, 30, 10, 0.1, lmbda=5.0)` on sigmoid nets with cross-entropy cost and
the default initialiser; accuracy on the 10,000 validation images after each epoch. The text does not
say whether it printed the best or the last epoch, and its runs were unseeded, so we give both: "best
of first 3" is the best epoch of the best of our first three seeds (the statistic of chapter 1's
best-of-three), then its final epoch, then mean ± sd over all seeds of the best and of the final epoch.
The book's own caveat applies: the differences between depths are about the size of the seed spread.
"""
    return pd.DataFrame(rows), notes, numbers


# -- 3.2: the speed of learning ------------------------------------------------------------------


def _initial_rows(mnist, root_seed):
    rows, numbers = [], {}
    for n_hidden in sorted(INITIAL):
        speeds = initial_speeds(mnist, n_hidden, root_seed)
        ratio = speeds[:, -1] / speeds[:, 0]
        for l in range(n_hidden):
            key = f"ch5.grad0.{n_hidden}.layer{l + 1}"
            mean, sd = _mean_sd(speeds[:, l])
            rows.append({
                "quantity": f"{n_hidden} hidden layers, at initialisation",
                "hidden layer": l + 1,
                "epoch": 0,
                "book": _g(book_value(key), 4),
                "ours, seed 0": _g(speeds[0, l], 4),
                "seeds": len(speeds), "mean ± sd": f"{mean:.3g} ± {sd:.2g}",
                "range": f"{speeds[:, l].min():.3g} – {speeds[:, l].max():.3g}",
            })
            numbers[key] = mean
            numbers[f"{key}.sd"] = sd
            numbers[f"{key}.s0"] = float(speeds[0, l])
        mean, sd = _mean_sd(ratio)
        numbers[f"ch5.grad0.{n_hidden}.ratio"] = mean
        numbers[f"ch5.grad0.{n_hidden}.ratio.sd"] = sd
        rows.append({
            "quantity": f"{n_hidden} hidden layers, at initialisation: last / first hidden",
            "hidden layer": f"{n_hidden}/1", "epoch": 0,
            "book": _g(_book_ratio(n_hidden), 3),
            "ours, seed 0": _g(ratio[0], 3),
            "seeds": len(speeds), "mean ± sd": f"{mean:.3g} ± {sd:.2g}",
            "range": f"{ratio.min():.3g} – {ratio.max():.3g}",
        })
    return rows, numbers


def _book_ratio(n_hidden):
    first, last = book_value(f"ch5.grad0.{n_hidden}.layer1"), book_value(f"ch5.grad0.{n_hidden}.layer{n_hidden}")
    return None if first is None or last is None else last / first


def _speed_rows(results, scale):
    rows, numbers = [], {}
    for exp in SPEEDS:
        runs = load_runs(results, run_ids(exp, scale))
        curves = np.array([speed_curves(m) for m in runs])          # (seeds, epochs, hidden)
        n_seeds, n_epochs, n_hidden = curves.shape
        tag = exp.replace("ch5.", "")
        book_id = exp if exp != "ch5.speed4_sgd" else None
        epochs = sorted({e for e in BOOK_EPOCHS if e < n_epochs} | {n_epochs - 1})
        for e in epochs:
            for l in range(n_hidden):
                key = f"{exp}.epoch{e}.layer{l + 1}"
                mean, sd = _mean_sd(curves[:, e, l])
                book = book_value(key) if book_id else None
                if book is None and book_id and e == 0:
                    book = book_value(f"ch5.grad0.{n_hidden}.layer{l + 1}")
                rows.append({
                    "quantity": f"{tag}: {n_hidden} hidden layers, "
                                f"{'full-batch GD' if book_id else 'mini-batch SGD (mb 10)'}",
                    "hidden layer": l + 1, "epoch": e, "book": _g(book, 3),
                    "ours, seed 0": _g(curves[0, e, l], 3),
                    "seeds": n_seeds, "mean ± sd": f"{mean:.3g} ± {sd:.2g}",
                    "range": f"{curves[:, e, l].min():.3g} – {curves[:, e, l].max():.3g}",
                })
                numbers[key] = mean
        if exp == "ch5.speed2":
            # The dip and the rebound: where each layer's speed is smallest.
            for l in range(n_hidden):
                mins = curves[:, :, l].min(axis=1)
                at = curves[:, :, l].argmin(axis=1)
                numbers[f"{exp}.min.layer{l + 1}"] = float(mins.mean())
                numbers[f"{exp}.min_epoch.layer{l + 1}"] = float(at.mean())
                rows.append({
                    "quantity": f"{tag}: minimum speed (the dip before the rebound)",
                    "hidden layer": l + 1, "epoch": " ".join(str(int(a)) for a in at),
                    "book": f"{book_value(f'{exp}.min.layer{l + 1}')} at "
                            f"{book_value(f'{exp}.min_epoch.layer{l + 1}')}",
                    "ours, seed 0": _g(mins[0], 3),
                    "seeds": n_seeds, "mean ± sd": "{:.3g} ± {:.2g}".format(*_mean_sd(mins)),
                    "range": f"{mins.min():.3g} – {mins.max():.3g}",
                })
        if n_hidden == 4:
            ratios = np.array([speed_ratio(c) for c in curves])     # (seeds, epochs)
            pre = exp
            for e, name in ((0, "epoch0"), (n_epochs - 1, f"epoch{n_epochs - 1}")):
                mean, sd = _mean_sd(ratios[:, e])
                numbers[f"{pre}.ratio.{name}"] = mean
                numbers[f"{pre}.ratio.{name}.sd"] = sd
                rows.append({
                    "quantity": f"{tag}: last / first hidden layer speed", "hidden layer": "4/1", "epoch": e,
                    "book": _g(book_value(f"{pre}.ratio.{name}") if book_id else None, 3),
                    "ours, seed 0": _g(ratios[0, e], 3),
                    "seeds": n_seeds, "mean ± sd": f"{mean:.3g} ± {sd:.2g}",
                    "range": f"{ratios[:, e].min():.3g} – {ratios[:, e].max():.3g}",
                })
            median = float(np.median(ratios))
            numbers[f"{pre}.ratio"] = median
            rows.append({
                "quantity": f"{tag}: last / first hidden layer speed, median over all epochs and seeds",
                "hidden layer": "4/1", "epoch": f"0–{n_epochs - 1}",
                "book": _g(book_value(f"{pre}.ratio") if book_id else None, 3),
                "ours, seed 0": _g(float(np.median(ratios[0])), 3),
                "seeds": n_seeds, "mean ± sd": "", "range": f"{ratios.min():.3g} – {ratios.max():.3g}",
            })
    return rows, numbers


@table("ch5.gradients")
def gradients_table(inputs, scale):
    """The per-layer gradient norms ||delta^l|| of chapter 5's untrained and trained networks (the
    vanishing gradient), the book's numbers beside ours."""
    if "mnist" not in inputs:
        raise NnsciError("ch5.gradients needs --input mnist=PATH")
    from ..data.mnist import load_mnist

    mnist = load_mnist(inputs["mnist"])
    rows, numbers = _initial_rows(mnist, root_seed(inputs))
    more_rows, more_numbers = _speed_rows(inputs.get("results", "results"), scale)
    df = pd.DataFrame(rows + more_rows)
    numbers.update(more_numbers)
    bars, claim = bars_claim(mnist, root_seed(inputs))
    numbers["ch5.grad0.2.bars_ratio"] = bars
    notes = f"""\
The speed of learning of hidden layer l is ||delta^l||, the Euclidean norm of dC/db^l averaged over the
first {PROBE_SIZE} training images (generate_gradient.py: the norm of the mean, not the mean of the
norms), for network2's sigmoid nets with cross-entropy cost and the default initialiser; the output
layer is left out. At initialisation no training is needed: we draw {INITIAL_SEEDS} networks of each
depth (seed ids ch5.grad0.N.sK); the book printed one unseeded draw, so compare the pattern (each
earlier layer about 4-6 times slower) and the order of magnitude, not the digits. The speed runs
(ch5.speedN) are full-batch gradient descent on those {PROBE_SIZE} images (eta 0.1, lambda 5.0, L2 n =
{PROBE_SIZE}), the norms logged before each epoch's update; with one batch per epoch the book's
shuffle only reorders a sum, so we do not shuffle. ch5.speed4_sgd (beyond the book) is the same with
mini-batches of 10. The book's "roughly 100 times slower" is the last over the first hidden layer of
the 4-layer net; its own stored curves give 96 at epoch 0 and 113 at epoch 499. At a scale with fewer
epochs the last row of each run is its last epoch, not epoch 499.
"""
    return df, notes, numbers, [claim]


BARS_SHOWN, BARS_MUCH_LARGER = 6, 2.0   # fig5.05's six neurons per layer; "much larger": over twice


def bars_ratio(layer1, layer2):
    """mean |dC/db| of layer 2's bars over layer 1's."""
    return float(np.mean(np.abs(layer2)) / np.mean(np.abs(layer1)))


def bars_claim(mnist, root_seed):
    """fig5.05's claim, "the layer-2 bars are mostly much larger than the layer-1 bars", on our draw
    (ch5.grad0.2.s0, the figure's) and on the author's stored bars: (our ratio, the claim)."""
    from .ch3_runs import book_series

    net = initial_network(INITIAL[2], run_seed_sequence(root_seed, "ch5.grad0.2.s0"))
    data = probe_data(mnist)
    ours = bars_ratio(*(mean_bias_gradient(net, data, l)[:BARS_SHOWN] for l in (1, 2)))
    book = book_series()["ch5.grad0.2"]
    theirs = bars_ratio(book["bars_layer1"], book["bars_layer2"])
    verdict = claims.HOLDS if min(ours, theirs) > BARS_MUCH_LARGER else claims.FAILS
    return round(ours, 6), claims.claim(
        "ch5.grad0.2.bars", "the layer-2 bars are mostly much larger than the layer-1 bars (fig5.05)",
        "mean |dC/db| of the six layer-2 bars over the six layer-1 bars",
        f"ours (ch5.grad0.2.s0) {ours:.2f}, the author's stored bars {theirs:.2f}",
        f"both > {BARS_MUCH_LARGER:g}", verdict)


# -- beyond the book: what cures it ----------------------------------------------------------------


def cure_experiments():
    """The beyond-the-book runs: activation x depth, in the order of config/experiments/ch5.yaml."""
    return [e for e in load_experiments("ch5") if e.startswith("ch5.deep.")]


@table("ch5.cures")
def cures_table(inputs, scale):
    """Beyond the book: what cures the vanishing gradient (better initialisation, ReLU, tanh and
    others), per-layer speed of learning and validation accuracy of each run."""
    results = inputs.get("results", "results")
    specs = load_experiments("ch5")
    rows, numbers = [], {}
    for exp in cure_experiments():
        spec = specs[exp]
        runs = load_runs(results, run_ids(exp, scale))
        st = seed_statistics(runs)
        curves = np.array([speed_curves(m) for m in runs])
        ratios = np.array([speed_ratio(c) for c in curves])
        last = curves.shape[1] - 1
        init = spec.get("init", "default")
        rows.append({
            "run": exp,
            "hidden layers": len(spec["net"]) - 2,
            "activation": spec.get("hidden", "sigmoid"),
            "init": init if isinstance(init, str) else "+".join(init),
            "seeds": st["seeds"],
            "epochs": st["epochs"],
            "best validation % (mean ± sd)": f"{st['best_mean']:.2f} ± {st['best_sd']:.2f}",
            "final validation % (mean ± sd)": f"{st['final_mean']:.2f} ± {st['final_sd']:.2f}",
            "first hidden speed, epoch 0": _g(curves[:, 0, 0].mean()),
            f"first hidden speed, epoch {last}": _g(curves[:, last, 0].mean()),
            "last / first, epoch 0": _g(ratios[:, 0].mean()),
            f"last / first, epoch {last}": _g(ratios[:, last].mean()),
        })
        numbers[f"{exp}.best_mean"] = round(st["best_mean"], 4)
        numbers[f"{exp}.final_mean"] = round(st["final_mean"], 4)
        numbers[f"{exp}.ratio.epoch0"] = float(ratios[:, 0].mean())
        numbers[f"{exp}.ratio.last"] = float(ratios[:, last].mean())
    notes = """\
Beyond the book: the depth runs' settings (50,000 images, mini-batch 10, eta 0.1, lambda 5.0, sigmoid
output with cross-entropy, validation accuracy), changing only the hidden activation, its initialiser
and the depth. Speeds are ||delta^l|| on the first 1,000 training images before each epoch, averaged
over seeds; "last / first" is the last hidden layer's speed over the first's (the book's "~100" for
four sigmoid layers). Sigmoid layers shrink the gradient by about 4-6 per layer (sigma' <= 1/4), so the
ratio grows geometrically with depth; tanh (slope 1 at 0, default 1/sqrt(n_in) weights) and ReLU with
He's sqrt(2/n_in) weights (slope 1 where active) keep it near 1.
"""
    return pd.DataFrame(rows), notes, numbers
