"""Universality shown by learning: table ``ch4.learning`` (beyond the book).

Chapter 4 proves by construction that one hidden layer can approximate the chapter's
f(x) = 0.2 + 0.4x^2 + 0.3x sin(15x) + 0.05 cos(50x) on [0, 1]: n hidden neurons make n/2 bumps of
height f at the bin centres. Here gradient descent has to find such weights itself. We train
one-hidden-layer nets (sigmoid hidden, linear output, quadratic cost) with the nnsci engine on 1,000
evenly spaced points of [0, 1], with 2, 5, 10, 20 and 50 hidden neurons, and measure max and mean
|g - f| on those points beside the hand-built construction with the same number of neurons.

Two starts are compared. The engine's default initialiser draws w ~ N(0, 1), b ~ N(0, 1): on inputs
in [0, 1] each neuron is then almost linear, and gradient descent tends to settle on the smooth part
of f. The "spread" start keeps the drawn weights' signs and shapes but makes each neuron a step that
is steep enough to matter, placed in its own slot of [0, 1]: w = SPREAD_W * N(0, 1), and b = -w u_i
with u_i = (i + 1/2) / n, so neuron i steps at x = u_i. Everything after the start is plain
mini-batch SGD with momentum and a step schedule (eta halved STAGES - 1 times), identical for both."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .. import universality as uni
from ..config import run_seed_sequence, root_seed
from ..errors import NnsciError
from ..engine import Dataset, Network, Options, OurStreams, feedforward, sgd
from ..tables import table
from . import n_seeds

NEURONS = (2, 5, 10, 20, 50)
POINTS = 1000            # evenly spaced training points of [0, 1]
EPOCHS = 4000            # at the full scale; scales multiply this by epochs_factor
STAGES = 8               # eta is halved at the start of each of the later stages
ETA = 0.2
MOMENTUM = 0.9
MINI_BATCH = 10
SEEDS = 3
SPREAD_W = 20.0          # the spread start's scale of first-layer weights
BUMP_W = 1000.0          # the hand-built steps' weight (uni.STEEP)
STARTS = ("spread", "default")


def points(n=POINTS):
    """The 1,000 evenly spaced x of [0, 1] and f(x) there."""
    x = np.linspace(0.0, 1.0, n)
    return x, uni.goal(x)


def epochs_at(scale):
    """Epochs at a scale: the full scale's EPOCHS times epochs_factor (at least one per stage).

    The scales' epoch cap is meant for MNIST runs; an epoch here is 1,000 one-input examples and
    costs about a millisecond, so the cap is not applied."""
    from ..config import as_scale

    e = as_scale(scale).epochs(EPOCHS, capped=False)
    return max(STAGES, e - e % STAGES)


def seeds_at(scale):
    return n_seeds({"seeds": SEEDS}, scale)


def spread_start(net, n):
    """Make hidden neuron i a step at u_i = (i + 1/2)/n with steepness SPREAD_W times its drawn weight."""
    w = net.weights(1)[:, 0] * SPREAD_W
    net.weights(1)[:, 0] = w
    net.biases(1)[:] = -w * (np.arange(n) + 0.5) / n


def train_fit(n, start, seed_sequence, epochs):
    """A [1, n, 1] network trained to approximate f; returns the network."""
    x, y = points()
    data = Dataset.regression(x, y, "float64")
    net = Network([1, n, 1], "sigmoid", "linear", "quadratic", "float64")
    streams = OurStreams(seed_sequence)
    net.initialize("default", streams.normal)
    if start == "spread":
        spread_start(net, n)
    engine_log = logging.getLogger("nnsci.engine")
    level = engine_log.level
    engine_log.setLevel(logging.WARNING)   # thousands of millisecond epochs: no line per epoch
    try:
        for stage in range(STAGES):
            sgd(net, data, epochs // STAGES, MINI_BATCH, ETA / 2 ** stage, streams,
                options=Options(momentum=MOMENTUM))
    finally:
        engine_log.setLevel(level)
    return net


def learned(net, x):
    return feedforward(net, np.asarray(x, dtype=float)[:, None])[:, 0]


def bump_heights(n_bumps):
    """Heights of the hand-built bumps: f at the centres of n_bumps equal bins of [0, 1]."""
    return uni.goal((np.arange(n_bumps) + 0.5) / n_bumps)


def bump_construction(x, n_neurons, w=BUMP_W):
    """The chapter's construction with n_neurons hidden neurons: n_neurons // 2 bumps (an odd
    neuron is left over), each two steps of weight w, output weights +-f(bin centre), linear
    output, bias 0. The outermost two steps sit outside [0, 1] (at -1 and 2) so the ends of the
    interval are not cut to half height by a step placed exactly on them."""
    k = n_neurons // 2
    edges = np.linspace(0.0, 1.0, k + 1)
    edges[0], edges[-1] = -1.0, 2.0
    with np.errstate(over="ignore"):   # sigma(-1000) underflows to exactly 0, as it should
        return sum(uni.bump(x, a, b, h, w) for a, b, h in zip(edges[:-1], edges[1:], bump_heights(k)))


def errors(g, y):
    d = np.abs(np.asarray(g) - np.asarray(y))
    return float(d.max()), float(d.mean())


def fits(scale, root_seed):
    """Every fit at a scale: {(start, n): [g on the points, one per seed]}, plus the bumps by n."""
    x, _ = points()
    epochs = epochs_at(scale)
    out = {}
    for start in STARTS:
        for n in NEURONS:
            out[(start, n)] = [learned(train_fit(n, start, run_seed_sequence(root_seed, f"ch4.learning.n{n}.s{k}"),
                                                 epochs), x)
                               for k in range(seeds_at(scale))]
    bumps = {n: bump_construction(x, n) for n in NEURONS}
    return out, bumps




@table("ch4.learning")
def learning_table(inputs, scale):
    """Beyond the book: how well one hidden layer of each size learns the chapter's function f by
    gradient descent, against the hand-built bump approximations."""
    x, y = points()
    learned_fits, bumps = fits(scale, root_seed(inputs))
    rows, numbers = [], {}
    for n in NEURONS:
        row = {"hidden neurons": n}
        for start in STARTS:
            errs = np.array([errors(g, y) for g in learned_fits[(start, n)]])
            row[f"learned ({start} start): max |g-f|, mean over seeds"] = float(errs[:, 0].mean())
            row[f"learned ({start} start): mean |g-f|, mean over seeds"] = float(errs[:, 1].mean())
            row[f"learned ({start} start): best seed's mean |g-f|"] = float(errs[:, 1].min())
            numbers[f"ch4.learning.{start}.n{n}.max"] = float(errs[:, 0].mean())
            numbers[f"ch4.learning.{start}.n{n}.mean"] = float(errs[:, 1].mean())
        bmax, bmean = errors(bumps[n], y)
        row["bumps: neurons used"] = 2 * (n // 2)
        row["bumps: max |g-f|"] = bmax
        row["bumps: mean |g-f|"] = bmean
        numbers[f"ch4.learning.bumps.n{n}.max"] = bmax
        numbers[f"ch4.learning.bumps.n{n}.mean"] = bmean
        rows.append(row)
    numbers["ch4.learning.epochs"] = epochs_at(scale)
    numbers["ch4.learning.seeds"] = seeds_at(scale)
    notes = f"""\
Beyond the book: one-hidden-layer networks (sigmoid hidden, linear output, quadratic cost) trained by the
nnsci engine on {POINTS} evenly spaced points of [0, 1] to approximate f(x) = 0.2 + 0.4x^2 + 0.3x sin(15x)
+ 0.05 cos(50x); errors are on the same points. Training: mini-batch SGD, batches of {MINI_BATCH}
reshuffled every epoch, momentum {MOMENTUM}, eta {ETA} halved at each of {STAGES} equal stages,
{epochs_at(scale)} epochs in all at this scale, {seeds_at(scale)} seeds (ids ch4.learning.nN.sK).
"default start": the engine's initialiser (w, b ~ N(0, 1)), under which every neuron is nearly linear
on [0, 1]; "spread start": the same draws with w scaled by {SPREAD_W:g} and b = -w u_i, so that neuron i is
a step at u_i = (i + 1/2)/n. "bumps": the chapter's construction with the same neuron count, n/2
bumps of height f(bin centre) made of steps of weight {BUMP_W:g} (an odd neuron unused, the outermost
steps outside [0, 1]); its error is that of a piecewise-constant f, about |f'| x bin width / 2 at worst.
The 0.05 cos(50x) ripple alone has mean |.| = 0.1/pi = 0.032: a mean error near 0.03 means a fit that
got the smooth part and not the ripple.
"""
    return pd.DataFrame(rows), notes, numbers
