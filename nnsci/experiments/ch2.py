"""Chapter 2's table: backpropagation against finite differences.

The book's claim (docs/fidelity.md, "Chapter 1's and chapter 2's arithmetic"): finite differences need one
extra forward pass per parameter (1,000,001 passes for a million weights),
while backpropagation costs about two forward passes for the whole gradient.
We measure both on MNIST images: agreement (max relative error over a random
sample of parameters, central differences in float64) and time."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from ..config import root_seed, run_seed_sequence
from ..data.mnist import load_mnist, to_float
from ..engine import Dataset, Network, OurStreams, evaluate, gradient
from ..engine import forward_only as engine_forward_only
from ..tables import table
from .ch2_minibatch import backprop_in_forward_passes, batch_time_factor, minibatch_speedup, worked_examples

NETS = {"[784, 30, 10]": [784, 30, 10], "[784, 30, 30, 30, 30, 10]": [784, 30, 30, 30, 30, 10]}


def forward_only(net, data, batch=100):
    """Forward passes only over ``data``, in batches, with the kernels the trainer uses (serial, one thread)."""
    engine_forward_only(net, data.x, batch)


def _best_time(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def compare(sizes, data: Dataset, n_checked: int, seed_sequence, h=1e-6):
    """Backprop gradient vs central differences on ``n_checked`` random parameters, and timings."""
    streams = OurStreams(seed_sequence)
    net = Network(sizes, cost="cross_entropy", dtype="float64")
    net.initialize("default", streams.normal)
    g = gradient(net, data)
    rng = np.random.default_rng(seed_sequence.spawn(1)[0])
    idx = np.sort(rng.choice(net.n_params, size=min(n_checked, net.n_params), replace=False))
    rel = []
    for i in idx:
        old = net.params[i]
        net.params[i] = old + h
        cp, _ = evaluate(net, data)
        net.params[i] = old - h
        cm, _ = evaluate(net, data)
        net.params[i] = old
        num = (cp - cm) / (2 * h)
        # Relative error, with an absolute floor: central differences of a mean cost carry
        # about 1e-10 of rounding noise, which swamps gradients much smaller than that.
        rel.append(abs(g[i] - num) / max(abs(g[i]), abs(num), 1e-5))
    # Times per example, over the whole set (compiled code, one thread).
    t_forward = _best_time(lambda: forward_only(net, data), 5) / len(data)
    t_backprop = _best_time(lambda: gradient(net, data), 5) / len(data)
    return {
        "parameters": net.n_params,
        "checked": len(idx),
        "max_rel_error": float(np.max(rel)),
        "median_rel_error": float(np.median(rel)),
        "forward_us": 1e6 * t_forward,
        "backprop_us": 1e6 * t_backprop,
        "backprop_in_forward_passes": t_backprop / t_forward,
        "finite_diff_passes": net.n_params + 1,
        "finite_diff_over_backprop": (net.n_params + 1) * t_forward / t_backprop,
    }


@table("ch2.backprop_cost")
def backprop_cost_table(inputs, scale):
    """What backpropagation saves: its gradients against finite differences (eq. 46) on chapter 1's
    networks, how closely they agree, and the time of each per example."""
    d = load_mnist(inputs["mnist"])
    n_examples, n_checked = scale.gradient_check(1000, 400)
    data = Dataset.classification(to_float(d["training_x"][:n_examples], "float64"), d["training_y"][:n_examples],
                                  10, "float64")
    root = root_seed(inputs)
    rows, numbers = [], {}
    for name, sizes in NETS.items():
        r = compare(sizes, data, n_checked, run_seed_sequence(root, f"ch2.backprop_cost.{name}"))
        rows.append({"network": name, "parameters": r["parameters"], "parameters checked": r["checked"],
                     "max relative error": f"{r['max_rel_error']:.2e}",
                     "median relative error": f"{r['median_rel_error']:.2e}",
                     "forward pass (µs/example)": f"{r['forward_us']:.2f}",
                     "backprop gradient (µs/example)": f"{r['backprop_us']:.2f}",
                     "backprop / forward": f"{r['backprop_in_forward_passes']:.2f}",
                     "finite-difference passes": r["finite_diff_passes"],
                     "finite differences / backprop (time)": f"{r['finite_diff_over_backprop']:.0f}",
                     "backprop / forward (multiply-adds)": f"{backprop_in_forward_passes(sizes):.3f}"})
        key = "784_30_10" if len(sizes) == 3 else "deep"
        numbers[f"ch2.backprop.{key}.max_rel_error"] = r["max_rel_error"]
        numbers[f"ch2.finite_diff.passes.{key}"] = r["finite_diff_passes"]
        numbers[f"ch2.flops.{key}.backprop_over_forward"] = backprop_in_forward_passes(sizes)
    numbers["ch2.finite_diff.backprop_passes"] = backprop_in_forward_passes(NETS["[784, 30, 10]"])
    numbers["ch2.finite_diff.passes"] = {"value": 10 ** 6 + 1, "of": 10 ** 6 + 1}   # a million weights, plus C(w)
    numbers.update(worked_examples())
    y = np.zeros((n_examples, 10))
    y[np.arange(n_examples), d["training_y"][:n_examples]] = 1.0
    mb = minibatch_speedup(data.x, y)
    factor = batch_time_factor(data.x, y, batch=min(100, n_examples))
    numbers["ch2.matrix_minibatch.speedup"] = round(mb["speedup"], 2)   # a timing: its bound is checked
    notes = f"""\
Gradients of the mean cross-entropy over the first {n_examples} training images, float64, default
initialisation. Finite differences are central, (C(w + h) - C(w - h)) / 2h with h = 1e-6, on a
random sample of parameters; the relative error is |backprop - numeric| / max(|backprop|, |numeric|, 1e-5)
(the floor keeps rounding noise of about 1e-10 from dominating the tiniest gradients).
Times are per example (compiled, one thread, best of 5). The book: backprop costs about two forward
passes; finite differences one forward pass per parameter (1,000,001 for a million weights), so
"finite differences / backprop" is the speed-up backprop buys (about parameters / 2).
"backprop / forward (multiply-adds)" counts the multiply-adds of the backward pass (nabla_w for every
layer, (W^l)^T delta^l for all but the first) over those of the forward pass: 1 + that, about 2 forward
passes, as the book says (`ch2.finite_diff.backprop_passes`, for [784, 30, 10]).
Timings depend on the machine and are not checked; the errors and counts are.

**P2.1, matrix-based mini-batch backprop** (network.py in numpy float64; [784, 30, 10], mini-batch
{mb['mini_batch']}, the first {mb['examples']} training images, best of 3): network.py's per-example loop
{mb['loop_s'] * 1e3:.1f} ms, the matrix form {mb['matrix_s'] * 1e3:.1f} ms per pass over them: a speed-up of
**{mb['speedup']:.1f}x** on this machine (the book: about 2x on its 2014 laptop; a timing, checked as
the bound "at least 2x", `ch2.matrix_minibatch.speedup`).
The two gradients differ by at most {mb['max_diff']:.1e} (rounding). Chapter 3's thought experiment
(a mini-batch of 100 "might take only 50x the time of one example, not 100x"): here the matrix form
takes **{factor:.1f}x** the time of one example for {min(100, n_examples)} (a timing, not checked).
"""
    return pd.DataFrame(rows), notes, numbers
