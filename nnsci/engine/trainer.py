"""Mini-batch stochastic gradient descent with the book's conventions.

This is network2.py's ``SGD`` (and network.py's, with lambda = 0 and the
quadratic cost), with the book's problems as options: L1 (P3.1), momentum
(P3.6), early stopping (P3.3, P3.4), the halve-eta schedule (E3.5), and
network3.py's conventions (fixed batches, L2 as a penalty, dropout). One
epoch is one compiled call; Python runs only between epochs.

Beyond the book (CPU engine): other optimisers (Nesterov, AdaGrad, RMSProp,
Adam, AdamW: :mod:`.optim`) and learning-rate schedules (step, cosine with
restarts, warm-up, one-cycle: :mod:`.schedules`), whose per-mini-batch rates
are computed before each epoch (:class:`.epochs.Rates`) and passed to the kernels as arrays.
With the defaults (``optimizer="sgd"``, no schedule) every run keeps the bytes
it had before they existed.

Here: :func:`sgd` and :func:`sgd_family`, and the checks of their input. The pieces live beside
it and are importable from here: :mod:`.options` (:class:`Options`, :class:`History`),
:mod:`.epochs` (one run's loop: rates, monitors, stopping rules, checkpoint) and :mod:`.measure`
(:func:`evaluate`, :func:`gradient` and the other measurements)."""

from __future__ import annotations

import numpy as np

from ..errors import NnsciError
from .backends import capabilities, open_family
from .data import Dataset
from .epochs import Feed, epoch_loop
from .measure import (accuracy, evaluate, feedforward, forward_only, gradient, gradient_norms,  # noqa: F401
                      layer_gradients, total_cost)
from .network import Network
from .options import MONITORS, History, Options, Run, best_validation  # noqa: F401
from .schedules import make_schedule


def sgd(net: Network, training: Dataset, epochs: int, mini_batch_size: int, eta: float,
        streams, evaluation: Dataset | None = None, options: Options | None = None,
        on_epoch=None, checkpoint=None, checkpoint_key: str = "") -> History:
    """Train ``net`` in place with mini-batch SGD and return the per-epoch monitors.

    ``streams`` gives the batch order each epoch (``order(n)``) and the dropout
    seed: :class:`~nnsci.engine.rng.OurStreams` or the book's
    :class:`~nnsci.engine.rng.NielsenStreams`. Every monitor is measured
    after the epoch's training, as network2.py does.

    ``checkpoint``: a path; after every epoch the whole state of the run (parameters,
    momentum, random streams, history, early-stopping and best-validation bookkeeping) is
    written there atomically, and a run that finds a valid checkpoint of itself there (same
    ``checkpoint_key``, network and engine) continues after its last epoch. The caller removes
    it when the run's outputs are written (:func:`nnsci.engine.checkpoint.remove`)."""
    run = Run(net, training, epochs, mini_batch_size, eta, streams, evaluation, options, on_epoch, checkpoint,
              checkpoint_key)
    _validate(run)
    backend = open_family(run.options.engine, [net], mini_batch_size)
    feed = Feed(training, run.options.augment)
    loop = epoch_loop(run, backend, 0, feed)
    try:
        request = next(loop)
        while True:
            backend.sgd_epoch(feed.data, *request)
            request = loop.send(None)
    except StopIteration as done:
        return done.value


def sgd_family(runs: list[dict]) -> list[History]:
    """Train several runs side by side, each epoch of all of them in ONE backend call (on the CUDA
    backend one launch, a thread block per run); each run gives the same bytes as :func:`sgd`.

    ``runs``: one dict of :func:`sgd`'s keyword arguments per run. The runs share the network
    plan and dtype, the mini-batch size, the engine and the training data (the first run's
    ``training`` is the one trained on; each run keeps its own for its monitors), and must have
    independent random streams (a replica script's runs, which share the book's streams, must
    train one after another)."""
    runs = [Run(**r) for r in runs]
    first, m, engine = runs[0], runs[0].mini_batch_size, runs[0].options.engine
    if any(r.options.augment is not None for r in runs):
        raise NnsciError("runs with on-the-fly augmentation train on inputs of their own: one at a time (sgd)")
    for r in runs:
        if r.mini_batch_size != m or r.options.engine != engine or r.net.plan != first.net.plan:
            raise NnsciError("the runs of a family share the plan, the mini-batch size and the engine")
        if r.training.x.shape != first.training.x.shape:
            raise NnsciError("the runs of a family share their training data")
        _validate(r)
    if len({id(r.streams) for r in runs}) != len(runs):
        raise NnsciError("the runs of a family need their own random streams")
    backend = open_family(engine, [r.net for r in runs], m)
    loops = [epoch_loop(r, backend, i) for i, r in enumerate(runs)]
    hists, pending = [None] * len(runs), {}

    def advance(i):
        try:
            pending[i] = loops[i].send(None)
        except StopIteration as done:
            hists[i] = done.value
            pending.pop(i, None)

    for i in range(len(runs)):
        advance(i)
    while pending:
        if backend.capabilities.one_launch_family:
            idle = (np.zeros(0, np.int64), 0, *[first.net.dtype.type(0)] * 4, 0, 0)
            args = [pending.get(i, idle) for i in range(len(runs))]
            backend.sgd_epoch_family(first.training, *[list(a) for a in zip(*args)])
        else:
            for i, request in pending.items():
                backend.sgd_epoch(first.training, *request, run=i)
        for i in list(pending):
            advance(i)
    return hists


def _check_data(net: Network, data: Dataset, what: str):
    if data.x.ndim != 2 or data.x.shape[1] != net.sizes[0]:
        raise NnsciError(f"{what}: inputs have shape {data.x.shape}, the network expects (N, {net.sizes[0]})")
    if data.t.shape != (data.x.shape[0], net.sizes[-1]):
        raise NnsciError(f"{what}: targets have shape {data.t.shape}, expected ({data.x.shape[0]}, {net.sizes[-1]})")
    if data.x.dtype != net.dtype:
        raise NnsciError(f"{what}: data is {data.x.dtype}, the network is {net.dtype}")


def _validate(run: Run):
    net, opt = run.net, run.options
    _check_data(net, run.training, "training data")
    if run.evaluation is not None:
        _check_data(net, run.evaluation, "evaluation data")
    if opt.test is not None:
        _check_data(net, opt.test, "test data")
    bad = set(opt.monitors) - set(MONITORS)
    if bad:
        raise NnsciError(f"unknown monitor(s) {sorted(bad)}; choose from {', '.join(MONITORS)}")
    needs_eval = {"evaluation_cost", "evaluation_accuracy"} & set(opt.monitors)
    if (needs_eval or opt.early_stopping or opt.halve_eta or opt.test is not None) and run.evaluation is None:
        raise NnsciError("evaluation monitors, early stopping, the eta schedule and the test set's "
                         "best-validation rule need evaluation data")
    if run.mini_batch_size < 1 or run.epochs < 0:
        raise NnsciError("mini_batch_size must be >= 1 and epochs >= 0")
    if opt.l2 not in ("decay", "penalty"):
        raise NnsciError(f"l2 must be 'decay' or 'penalty', not {opt.l2!r}")
    check_training_rule(opt)


def check_training_rule(opt: Options):
    """One-line errors for a bad optimiser or schedule, or one the engine cannot run (the CUDA
    backend runs the book's SGD at a constant eta only: :data:`nnsci.engine.protocol.CAPABILITIES`)."""
    optimizer, schedule, can = opt.optimizer_spec(), make_schedule(opt.schedule), capabilities(opt.engine)
    if not optimizer.is_book_sgd and not can.optimizers:
        what = f"optimizer {optimizer.name}"
    elif schedule is not None and not can.schedules:
        what = f"schedule {schedule.kind}"
    else:
        return
    raise NnsciError(f"engine={opt.engine} runs the book's SGD at a constant eta only; {what} needs engine=cpu")
