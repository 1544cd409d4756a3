"""The epochs of one training run, in small pieces: the rates of each epoch, the monitors after
it, the stopping rules, and the checkpoint.

:func:`epoch_loop` is the loop: a generator that yields each epoch's arguments of the backend's
``sgd_epoch`` (the caller runs that epoch, alone or beside other runs) and returns the run's
:class:`~nnsci.engine.options.History`. Python runs only between epochs."""

from __future__ import annotations

import logging
import sys
import time

import numpy as np

from ..errors import NnsciError
from . import checkpoint as ckpt
from .protocol import Backend
from .data import Dataset
from .measure import evaluate, gradient_norms
from .optim import Penalties
from .options import History, Options, Run, best_validation
from .schedules import make_schedule

log = logging.getLogger("nnsci.engine")


class Rates:
    """Each epoch's learning rate and the L2 and L1 factors of its steps: eta, or with a schedule
    one rate per mini-batch (steps counted from the run's first mini-batch: epoch * per_epoch + b),
    and the factors the optimiser gives each rate (:meth:`nnsci.engine.optim.Optimizer.step_factors`)."""

    def __init__(self, opt: Options, dtype, n: int, m: int, epochs: int):
        self.optimizer, self.schedule = opt.optimizer_spec(), make_schedule(opt.schedule)
        self.n_used = (n // m) * m if opt.drop_last else n
        if self.n_used == 0:
            raise NnsciError(f"no full mini-batch of {m} in {n} training examples")
        self.per_epoch = -(-self.n_used // m)   # mini-batches (steps) per epoch, the last one maybe short
        self.penalties = Penalties(opt.lmbda, opt.l1, opt.l2, n, max(1, n // m))
        self.dtype, self.momentum, self.epochs = dtype, opt.momentum, epochs

    def of_epoch(self, epoch: int, eta: float):
        """(rate, decay, l1, momentum) of epoch ``epoch`` at the run's current eta, in the network's dtype."""
        rate = eta if self.schedule is None else \
            self.schedule.rates(eta, epoch * self.per_epoch + np.arange(self.per_epoch),
                                self.epochs * self.per_epoch, self.per_epoch)
        decay, l1 = self.optimizer.step_factors(rate, self.penalties)
        dt = self.dtype.type
        cast = dt if self.schedule is None else (lambda v: np.asarray(v, dtype=self.dtype))
        return cast(rate), cast(decay), cast(l1), dt(self.momentum)

    def training_rule(self) -> str:
        """The optimiser and schedule, for the checkpoint's key ("" for the book's SGD at a constant eta)."""
        if self.optimizer.is_book_sgd and self.schedule is None:
            return ""
        return f"{self.optimizer.describe()} {self.schedule.describe() if self.schedule else ''}"


class Monitors:
    """What is measured around the epochs: network2.py's monitors after each, network3.py's test
    accuracy and best-validation rule, and the per-layer gradient norms on the probe set before
    each epoch and at the end."""

    def __init__(self, run: Run, hist: History):
        self.run, self.opt, self.hist = run, run.options, hist
        opt = run.options
        watched = bool(opt.early_stopping or opt.halve_eta or opt.test is not None)   # need the eval accuracy
        self.evaluate = run.evaluation is not None and (
            watched or bool({"evaluation_cost", "evaluation_accuracy"} & set(opt.monitors)))
        self.keep_eval_accuracy = watched or "evaluation_accuracy" in opt.monitors

    def probe(self):
        if self.opt.probe is not None:
            nb, nw = gradient_norms(self.run.net, self.opt.probe, self.opt.engine)
            self.hist.grad_norms_b.append(nb)
            self.hist.grad_norms_w.append(nw)

    def after_epoch(self, epoch: int):
        """Measure and record the monitors; (the evaluation accuracy or None, a line for the log)."""
        opt, hist, net, parts = self.opt, self.hist, self.run.net, []
        if "training_cost" in opt.monitors or "training_accuracy" in opt.monitors:
            c, a = evaluate(net, self.run.training, opt.lmbda, opt.l1, opt.engine)
            if "training_cost" in opt.monitors:
                hist.training_cost.append(c)
                parts.append(f"train cost {c:.6g}")
            if "training_accuracy" in opt.monitors:
                hist.training_accuracy.append(a)
                parts.append(f"train acc {a}/{len(self.run.training)}")
        eval_acc = None
        if self.evaluate:
            c, eval_acc = evaluate(net, self.run.evaluation, opt.lmbda, opt.l1, opt.engine)
            if "evaluation_cost" in opt.monitors:
                hist.evaluation_cost.append(c)
                parts.append(f"eval cost {c:.6g}")
            if self.keep_eval_accuracy:
                hist.evaluation_accuracy.append(eval_acc)
                parts.append(f"eval acc {eval_acc}/{len(self.run.evaluation)}")
        if opt.test is not None:
            test_acc = evaluate(net, opt.test, engine=opt.engine)[1]
            hist.test_accuracy.append(test_acc)
            parts.append(f"test acc {test_acc}/{len(opt.test)}")
            best_validation(hist, epoch, eval_acc, test_acc)
        return eval_acc, ", ".join(parts)


class Stopping:
    """Early stopping (P3.3, P3.4) and the halve-eta schedule (E3.5): both watch the evaluation
    accuracy. Holds the run's current eta."""

    def __init__(self, opt: Options, eta: float):
        self.opt, self.eta0, self.eta, self.best, self.since_best = opt, eta, eta, -1, 0

    def after_epoch(self, eval_acc, hist: History) -> bool:
        """Count the epoch; True when the run stops here."""
        opt = self.opt
        if eval_acc is None or not (opt.early_stopping or opt.halve_eta):
            return False
        if eval_acc > self.best:
            self.best, self.since_best = eval_acc, 0
        else:
            self.since_best += 1
        if opt.halve_eta and self.since_best >= opt.halve_eta:
            self.eta, self.since_best = self.eta / 2, 0
            log.info("no improvement in %d epochs: eta halved to %g", opt.halve_eta, self.eta)
            stop = self.eta < self.eta0 * opt.min_eta_factor
        else:
            stop = bool(opt.early_stopping) and bool(should_stop(opt, hist, self.since_best))
        if stop:
            hist.stopped_early = True
        return stop

    def state(self) -> dict:
        return {"eta": self.eta, "best": self.best, "since_best": self.since_best}

    def restore(self, state: dict):
        self.eta, self.best, self.since_best = state["eta"], state["best"], state["since_best"]


def should_stop(opt: Options, hist: History, since_best: int) -> bool:
    """The stopping rules.

    ``no_improvement`` (the book's P3.3): stop after ``early_stopping`` epochs
    without a new best evaluation accuracy. ``windowed`` (ours, P3.4): stop when
    the mean accuracy of the last ``early_stopping`` epochs is no better than the
    mean of the ``early_stopping`` epochs before them, a rule less sensitive to
    one lucky epoch."""
    n = opt.early_stopping
    if opt.stop_rule == "no_improvement":
        return since_best >= n
    if opt.stop_rule == "windowed":
        acc = hist.evaluation_accuracy
        if len(acc) < 2 * n:
            return False
        return np.mean(acc[-n:]) <= np.mean(acc[-2 * n:-n])
    raise NnsciError(f"unknown stop_rule {opt.stop_rule!r}; choose no_improvement or windowed")


class RunCheckpoint:
    """The run's checkpoint (:mod:`.checkpoint`): its state after every epoch, and a resume."""

    def __init__(self, run: Run, rates: Rates, backend: Backend, index: int):
        self.run, self.backend, self.index = run, backend, index
        self.key = ckpt.run_key(run.net, run.checkpoint_key + rates.training_rule(), run.options.engine)

    def resume(self, hist: History, stopping: Stopping) -> int:
        """The first epoch to train: after the checkpoint's last one, or 0 without a valid checkpoint."""
        run = self.run
        state = ckpt.load(run.checkpoint, self.key, run.net, hist, run.streams, self.backend, self.index)
        if state is None:
            return 0
        stopping.restore(state)
        log.info("resumed from checkpoint %s: epochs 0-%d were done, continuing at epoch %d",
                 run.checkpoint, state["next_epoch"] - 1, state["next_epoch"])
        return run.epochs if state["finished"] else state["next_epoch"]

    def save(self, epoch: int, hist: History, stopping: Stopping, finished: bool):
        ckpt.save(self.run.checkpoint, self.key, self.run.net, hist, self.run.streams, self.backend,
                  {"next_epoch": epoch + 1, **stopping.state(), "finished": finished}, self.index)


class Feed:
    """What an epoch trains on: ``training``, or with ``Options.augment`` the training set with
    that epoch's inputs (the targets and labels are the training set's). Monitors and the
    gradient probe always use ``training`` itself."""

    def __init__(self, training: Dataset, augment=None):
        self.training, self.augment, self.data = training, augment, training

    def begin(self, epoch: int) -> None:
        if self.augment is None:
            return
        x = self.augment(epoch)
        if not isinstance(x, np.ndarray) or x.shape != self.training.x.shape or x.dtype != self.training.x.dtype:
            raise NnsciError(f"augment: epoch {epoch}'s inputs must be an array of shape {self.training.x.shape} "
                             f"and dtype {self.training.x.dtype}, got {getattr(x, 'shape', type(x).__name__)}")
        self.data = Dataset(np.ascontiguousarray(x), self.training.t, self.training.labels)


def epoch_loop(run: Run, backend: Backend, index: int = 0, feed: Feed | None = None):
    """The SGD loop of run ``index`` of ``backend`` as a generator: it yields each epoch's
    arguments of the backend's ``sgd_epoch`` and returns the History."""
    net, opt, n = run.net, run.options, len(run.training)
    rates = Rates(opt, net.dtype, n, run.mini_batch_size, run.epochs)
    hist, stopping = History(), Stopping(opt, run.eta)
    monitors = Monitors(run, hist)
    if not rates.optimizer.is_book_sgd:   # the backends' default
        backend.set_optimizer(rates.optimizer, *rates.optimizer.gradient_terms(rates.penalties), run=index)
    saver = RunCheckpoint(run, rates, backend, index) if run.checkpoint is not None else None
    first = saver.resume(hist, stopping) if saver is not None else 0
    fixed_order = np.arange(n, dtype=np.int64)
    for epoch in range(first, run.epochs):
        monitors.probe()
        t0 = time.perf_counter()
        order = run.streams.order(n) if opt.shuffle else fixed_order
        rate, decay, l1, momentum = rates.of_epoch(epoch, stopping.eta)
        if feed is not None:
            feed.begin(epoch)   # with Options.augment: this epoch's training inputs
        yield (order, rates.n_used, rate, decay, l1, momentum, run.streams.dropout_seed, epoch)
        train_seconds = time.perf_counter() - t0
        hist.eta.append(stopping.eta)
        eval_acc, text = monitors.after_epoch(epoch)
        _report(run, hist, epoch, t0, train_seconds, text, stopping.eta)
        stop = stopping.after_epoch(eval_acc, hist)
        if saver is not None:
            saver.save(epoch, hist, stopping, stop)
        if stop:
            break
    monitors.probe()
    return hist


def _report(run: Run, hist: History, epoch: int, t0: float, train_seconds: float, text: str, eta: float):
    """The epoch's time in the History, a log line, the progress bar, the caller's ``on_epoch``,
    and a warning when the parameters are no longer finite."""
    seconds = time.perf_counter() - t0
    hist.seconds.append(seconds)
    hist.epochs_run = epoch + 1
    log.info("epoch %d: %.3fs (train %.3fs) %s", epoch, seconds, train_seconds, text)
    _progress(epoch, run.epochs, seconds, text)
    if run.on_epoch is not None:
        run.on_epoch(epoch, hist)
    if not np.all(np.isfinite(run.net.params)):
        log.warning("epoch %d: parameters are no longer finite (eta %g too large?)", epoch, eta)


def _progress(epoch, epochs, seconds, text):
    if sys.stderr.isatty():
        width = 30
        done = int(width * (epoch + 1) / epochs)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] epoch {epoch + 1}/{epochs} "
                         f"{seconds:.2f}s {text}\033[K")
        if epoch + 1 == epochs:
            sys.stderr.write("\n")
        sys.stderr.flush()
