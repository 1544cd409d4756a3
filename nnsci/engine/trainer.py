"""Mini-batch stochastic gradient descent with the book's conventions.

This is network2.py's ``SGD`` (and network.py's, with lambda = 0 and the
quadratic cost), with the book's problems as options: L1 (P3.1), momentum
(P3.6), early stopping (P3.3, P3.4), the halve-eta schedule (E3.5), and
network3.py's conventions (fixed batches, L2 as a penalty, dropout). One
epoch is one compiled call; Python runs only between epochs.

Beyond the book (CPU engine): other optimisers (Nesterov, AdaGrad, RMSProp,
Adam, AdamW: :mod:`.optim`) and learning-rate schedules (step, cosine with
restarts, warm-up, one-cycle: :mod:`.schedules`), whose per-mini-batch rates
are computed here, before each epoch, and passed to the kernels as arrays.
With the defaults (``optimizer="sgd"``, no schedule) every run keeps the bytes
it had before they existed."""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import NnsciError
from . import checkpoint as ckpt
from .backends import open_family
from .data import Dataset
from .network import Network
from .optim import Optimizer
from .schedules import make_schedule

log = logging.getLogger("nnsci.engine")

MONITORS = ("training_cost", "training_accuracy", "evaluation_cost", "evaluation_accuracy")


@dataclass
class Options:
    """How SGD runs: the book's defaults are network2.py's."""

    lmbda: float = 0.0            # L2 strength
    l2: str = "decay"             # decay: W <- (1 - eta lambda/n) W per mini-batch (network2.py)
                                  # penalty: 0.5 lambda sum W^2 / num_batches added to each step's cost (network3.py)
    l1: float = 0.0               # L1 strength: W <- W - (eta l1 / n) sgn(W) - ...
    momentum: float = 0.0         # mu of v <- mu v - eta grad C
    shuffle: bool = True          # reshuffle every epoch (network2) or fixed order (network3)
    drop_last: bool = False       # drop the short last batch (network3) or use it (network2)
    monitors: tuple = ()          # subset of MONITORS, measured after every epoch
    early_stopping: int | None = None   # stop after this many epochs without a better evaluation accuracy
    stop_rule: str = "no_improvement"   # or "windowed": see _should_stop
    halve_eta: int | None = None  # halve eta after this many epochs without improvement (E3.5)
    min_eta_factor: float = 1 / 128     # with halve_eta: stop once eta < eta0 * this
    probe: Dataset | None = None  # per-layer gradient norms on this set, before every epoch and at the end
    test: Dataset | None = None   # network3's test set: its accuracy after every epoch, and the best-validation rule
    engine: str = "cpu"
    augment: object = None        # on-the-fly augmentation: a callable, epoch -> that epoch's training inputs
                                  # (an array like training.x: same rows, labels and order); see _Feed
    # Beyond the book (nnsci.engine.optim, nnsci.engine.schedules; CPU engine only):
    optimizer: str = "sgd"        # sgd (the book's, with momentum above), nesterov, adagrad, rmsprop, adam, adamw
    beta1: float = 0.9            # adam, adamw: first-moment decay
    beta2: float = 0.999          # adam, adamw: second-moment decay
    eps: float = 1e-8             # adagrad, rmsprop, adam, adamw: added to the root of the second moment
    rho: float = 0.9              # rmsprop: decay of the mean square
    weight_decay: float = 0.0     # adamw: W <- (1 - eta wd) W, decoupled from the gradient
    schedule: object = None       # None (constant eta, the book's), a kind name or a mapping (nnsci.engine.schedules)

    def optimizer_spec(self) -> Optimizer:
        """The checked :class:`~nnsci.engine.optim.Optimizer` these options name."""
        return Optimizer(self.optimizer, self.momentum, self.beta1, self.beta2, self.eps, self.rho,
                         self.weight_decay).check()


@dataclass
class History:
    training_cost: list = field(default_factory=list)
    training_accuracy: list = field(default_factory=list)
    evaluation_cost: list = field(default_factory=list)
    evaluation_accuracy: list = field(default_factory=list)
    eta: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    grad_norms_b: list = field(default_factory=list)   # [probe][layer] ||mean dC/db^l||
    grad_norms_w: list = field(default_factory=list)   # [probe][layer] ||mean dC/dW^l||_F
    test_accuracy: list = field(default_factory=list)   # with Options.test: after every epoch
    best_epoch: int | None = None                 # network3's rule: the last epoch whose evaluation
    best_evaluation_accuracy: int | None = None   # accuracy is >= the best so far, that accuracy,
    test_accuracy_at_best: int | None = None      # and the test accuracy after that epoch
    stopped_early: bool = False
    epochs_run: int = 0

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items()}


def _check_data(net: Network, data: Dataset, what: str):
    if data.x.ndim != 2 or data.x.shape[1] != net.sizes[0]:
        raise NnsciError(f"{what}: inputs have shape {data.x.shape}, the network expects (N, {net.sizes[0]})")
    if data.t.shape != (data.x.shape[0], net.sizes[-1]):
        raise NnsciError(f"{what}: targets have shape {data.t.shape}, expected ({data.x.shape[0]}, {net.sizes[-1]})")
    if data.x.dtype != net.dtype:
        raise NnsciError(f"{what}: data is {data.x.dtype}, the network is {net.dtype}")


def feedforward(net: Network, x, engine="cpu", chunk=256, norm="running"):
    """The output activations a^L for every row of x (normalised layers: with the running
    statistics, or with ``norm="batch"`` each chunk of ``chunk`` rows by its own statistics)."""
    data = Dataset(np.ascontiguousarray(x, dtype=net.dtype), np.zeros((len(x), net.sizes[-1]), net.dtype),
                   np.zeros(len(x), np.int64))
    out, _, _ = _evaluate_rows(net, data, engine, chunk, norm)
    return out


def _evaluate_rows(net, data, engine, chunk=256, norm="running"):
    from .backends import get_backend

    get_backend(engine)   # a clear error for an engine that cannot run here
    return open_family(engine, [net], 1).evaluate_rows(data, chunk=chunk, norm=norm)


def evaluate(net: Network, data: Dataset, lmbda=0.0, l1=0.0, engine="cpu", norm="running", chunk=256):
    """(total cost, correct count) in one pass.

    The cost is network2.py's total_cost: mean C_x plus 0.5 (lambda / len(data))
    sum ||W||^2, the regularisation term divided by the size of the set being
    scored, as in the book's code (so the test cost carries a larger L2 term
    than the training cost). The count is of examples whose argmax output
    equals the label. Normalised layers use the running statistics (``norm="running"``), or
    with ``norm="batch"`` each chunk of ``chunk`` rows its own statistics (training mode's
    forward pass; the running statistics unchanged)."""
    _, per_cost, correct = _evaluate_rows(net, data, engine, chunk, norm)
    n = len(data)
    c = float(np.sum(per_cost)) / n   # numpy's pairwise sum: fixed order, thread-independent
    if lmbda:
        c += 0.5 * (lmbda / n) * net.sum_squared_weights()
    if l1:
        c += (l1 / n) * net.sum_abs_weights()
    return c, int(np.sum(correct))


def total_cost(net: Network, data: Dataset, lmbda=0.0, l1=0.0, engine="cpu"):
    """network2.py's total_cost (see :func:`evaluate`)."""
    return evaluate(net, data, lmbda, l1, engine)[0]


def accuracy(net: Network, data: Dataset, engine="cpu"):
    """network2.py's accuracy: a count, as in the book."""
    return evaluate(net, data, engine=engine)[1]


def gradient(net: Network, data: Dataset, engine="cpu", batch=100, norm="batch"):
    """The mean over ``data`` of dC_x/d(params) by backpropagation (no regularisation term).

    Normalised layers: ``norm="batch"`` normalises each mini-batch of ``batch`` rows by its own
    statistics, as training does (the gradient SGD follows; the running statistics do not
    move); ``"running"`` uses the running statistics (evaluation mode)."""
    g = open_family(engine, [net], batch).gradient_sum(data, norm=norm)
    return g.astype(np.float64) / len(data)


def layer_gradients(net: Network, data: Dataset, engine="cpu"):
    """Per layer l: (mean dC/dW^l, mean dC/db^l) in the layer's shapes (float64)."""
    g = gradient(net, data, engine)
    return [(net.weights(l, of=g), net.biases(l, of=g)) for l in range(1, net.L + 1)]


def gradient_norms(net: Network, data: Dataset, engine="cpu"):
    """Per layer: ||mean dC/db^l|| and ||mean dC/dW^l||_F (chapter 5's speed of learning)."""
    g = gradient(net, data, engine)
    nb, nw = [], []
    for l in range(1, net.L + 1):
        nb.append(_norm(net.biases(l, of=g)))
        nw.append(_norm(net.weights(l, of=g).ravel()))
    return nb, nw


def forward_only(net: Network, x, batch=100, engine="cpu"):
    """Forward passes over the rows of x in mini-batches (serial, nothing returned): for timings."""
    open_family(engine, [net], batch).forward_only(x)


def _norm(v):
    """||v||_2 in a fixed order (numpy's pairwise sum), not BLAS, whose kernels differ between CPUs."""
    return math.sqrt(float(np.sum(v * v)))


def _progress(epoch, epochs, seconds, text):
    if sys.stderr.isatty():
        width = 30
        done = int(width * (epoch + 1) / epochs)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] epoch {epoch + 1}/{epochs} "
                         f"{seconds:.2f}s {text}\033[K")
        if epoch + 1 == epochs:
            sys.stderr.write("\n")
        sys.stderr.flush()


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
    opt = options or Options()
    _validate(net, training, evaluation, opt, epochs, mini_batch_size)
    backend = open_family(opt.engine, [net], mini_batch_size)
    feed = _Feed(training, opt.augment)
    run = _epochs(net, training, epochs, mini_batch_size, eta, streams, evaluation, opt, on_epoch, checkpoint,
                  checkpoint_key, backend, feed)
    try:
        request = next(run)
        while True:
            backend.sgd_epoch(feed.data, *request)
            request = run.send(None)
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
    first = runs[0]
    opts = [r.get("options") or Options() for r in runs]
    if any(opt.augment is not None for opt in opts):
        raise NnsciError("runs with on-the-fly augmentation train on inputs of their own: one at a time (sgd)")
    m = first["mini_batch_size"]
    for r, opt in zip(runs, opts):
        if r["mini_batch_size"] != m or opt.engine != opts[0].engine or r["net"].plan != first["net"].plan:
            raise NnsciError("the runs of a family share the plan, the mini-batch size and the engine")
        if r["training"].x.shape != first["training"].x.shape:
            raise NnsciError("the runs of a family share their training data")
        _validate(r["net"], r["training"], r.get("evaluation"), opt, r["epochs"], m)
    if len({id(r["streams"]) for r in runs}) != len(runs):
        raise NnsciError("the runs of a family need their own random streams")
    backend = open_family(opts[0].engine, [r["net"] for r in runs], m)
    gens = [_epochs(r["net"], r["training"], r["epochs"], m, r["eta"], r["streams"], r.get("evaluation"), opt,
                    r.get("on_epoch"), r.get("checkpoint"), r.get("checkpoint_key", ""), _RunOf(backend, i))
            for i, (r, opt) in enumerate(zip(runs, opts))]
    hists, pending = [None] * len(runs), {}

    def advance(i, value=None):
        try:
            pending[i] = gens[i].send(value)
        except StopIteration as done:
            hists[i] = done.value
            pending.pop(i, None)

    for i in range(len(runs)):
        advance(i)
    training = first["training"]
    while pending:
        if hasattr(backend, "sgd_epoch_family"):
            idle = (np.zeros(0, np.int64), 0, *[runs[0]["net"].dtype.type(0)] * 4, 0, 0)
            args = [pending.get(i, idle) for i in range(len(runs))]
            backend.sgd_epoch_family(training, *[list(a) for a in zip(*args)])
        else:
            for i, request in pending.items():
                backend.sgd_epoch(training, *request, run=i)
        for i in list(pending):
            advance(i)
    return hists


class _Feed:
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


class _RunOf:
    """One run's view of a family backend (what :mod:`.checkpoint` reads and writes)."""

    def __init__(self, backend, run):
        self.backend, self.run = backend, run

    def get_params(self):
        return self.backend.get_params(self.run)

    def set_params(self, params):
        self.backend.set_params(params, self.run)

    def get_velocity(self):
        return self.backend.get_velocity(self.run)

    def set_velocity(self, velocity):
        self.backend.set_velocity(velocity, self.run)

    def set_optimizer(self, optimizer, c2=0.0, c1=0.0):
        self.backend.set_optimizer(optimizer, c2, c1, self.run)

    def get_optimizer_state(self):
        return self.backend.get_optimizer_state(self.run) if hasattr(self.backend, "get_optimizer_state") else None

    def set_optimizer_state(self, state):
        self.backend.set_optimizer_state(state, self.run)

    def get_state(self):
        return self.backend.get_state(self.run)

    def set_state(self, state):
        self.backend.set_state(state, self.run)


def _validate(net, training, evaluation, opt, epochs, mini_batch_size):
    _check_data(net, training, "training data")
    if evaluation is not None:
        _check_data(net, evaluation, "evaluation data")
    if opt.test is not None:
        _check_data(net, opt.test, "test data")
    bad = set(opt.monitors) - set(MONITORS)
    if bad:
        raise NnsciError(f"unknown monitor(s) {sorted(bad)}; choose from {', '.join(MONITORS)}")
    needs_eval = {"evaluation_cost", "evaluation_accuracy"} & set(opt.monitors)
    if (needs_eval or opt.early_stopping or opt.halve_eta or opt.test is not None) and evaluation is None:
        raise NnsciError("evaluation monitors, early stopping, the eta schedule and the test set's "
                         "best-validation rule need evaluation data")
    if mini_batch_size < 1 or epochs < 0:
        raise NnsciError("mini_batch_size must be >= 1 and epochs >= 0")
    if opt.l2 not in ("decay", "penalty"):
        raise NnsciError(f"l2 must be 'decay' or 'penalty', not {opt.l2!r}")
    check_training_rule(opt)


def check_training_rule(opt: Options):
    """One-line errors for a bad optimiser or schedule, or one the engine cannot run (the CUDA
    backend runs the book's SGD at a constant eta only)."""
    optimizer, schedule = opt.optimizer_spec(), make_schedule(opt.schedule)
    if opt.engine != "cpu" and (not optimizer.is_book_sgd or schedule is not None):
        what = f"optimizer {optimizer.name}" if not optimizer.is_book_sgd else f"schedule {schedule.kind}"
        raise NnsciError(f"engine={opt.engine} runs the book's SGD at a constant eta only; {what} needs engine=cpu")


def _epochs(net, training, epochs, mini_batch_size, eta, streams, evaluation, opt, on_epoch, checkpoint,
            checkpoint_key, backend, feed=None):
    """The SGD loop of one run as a generator: it yields each epoch's arguments of the backend's
    ``sgd_epoch`` (the caller runs that epoch, alone or with other runs) and returns the History."""
    needs_eval = {"evaluation_cost", "evaluation_accuracy"} & set(opt.monitors)
    n = len(training)
    m = mini_batch_size
    n_used = (n // m) * m if opt.drop_last else n
    if n_used == 0:
        raise NnsciError(f"no full mini-batch of {m} in {n} training examples")
    num_batches = max(1, n // m)
    hist = History()
    eta0 = eta
    best, since_best = -1, 0
    dt = net.dtype.type
    fixed_order = np.arange(n, dtype=np.int64)
    first_epoch = 0
    optimizer, schedule = opt.optimizer_spec(), make_schedule(opt.schedule)
    per_epoch = -(-n_used // m)                # mini-batches (steps) per epoch, the last one maybe short
    c2 = opt.lmbda / n if opt.l2 == "decay" else opt.lmbda / num_batches   # the adaptive optimisers'
    if not optimizer.is_book_sgd:                                          # coupled L2 and L1
        backend.set_optimizer(optimizer, c2, opt.l1 / n)
    key = ""
    if checkpoint is not None:
        training_rule = "" if optimizer.is_book_sgd and schedule is None else \
            f"{optimizer.describe()} {schedule.describe() if schedule else ''}"
        key = ckpt.run_key(net, checkpoint_key + training_rule, opt.engine)
    if checkpoint is not None:
        state = ckpt.load(checkpoint, key, net, hist, streams, backend)
        if state is not None:
            first_epoch, eta, best, since_best = state["next_epoch"], state["eta"], state["best"], state["since_best"]
            log.info("resumed from checkpoint %s: epochs 0-%d were done, continuing at epoch %d",
                     checkpoint, first_epoch - 1, first_epoch)
            if state["finished"]:
                first_epoch = epochs

    def probe():
        if opt.probe is not None:
            nb, nw = gradient_norms(net, opt.probe, opt.engine)
            hist.grad_norms_b.append(nb)
            hist.grad_norms_w.append(nw)

    for epoch in range(first_epoch, epochs):
        probe()
        t0 = time.perf_counter()
        order = streams.order(n) if opt.shuffle else fixed_order
        # This epoch's learning rates: eta, or one per mini-batch from the schedule (steps counted
        # from the run's first mini-batch: epoch * per_epoch + b).
        rate = eta if schedule is None else \
            schedule.rates(eta, epoch * per_epoch + np.arange(per_epoch), epochs * per_epoch, per_epoch)
        if optimizer.name == "adamw":     # decoupled: W <- (1 - eta wd) W beside Adam's step
            decay, l1 = 1 - rate * optimizer.weight_decay, 0.0 * rate
        elif optimizer.name not in ("sgd", "nesterov"):   # L2 and L1 enter their gradient (c2, c1)
            decay, l1 = 1.0 + 0.0 * rate, 0.0 * rate
        elif opt.l2 == "decay":
            decay = 1 - rate * (opt.lmbda / n)
            l1 = rate * opt.l1 / n
        else:  # d/dW of 0.5 lambda ||W||^2 / num_batches, applied by each step
            decay = 1 - rate * opt.lmbda / num_batches
            l1 = rate * opt.l1 / n
        if feed is not None:
            feed.begin(epoch)   # with Options.augment: this epoch's training inputs
        cast = dt if schedule is None else (lambda v: np.asarray(v, dtype=net.dtype))
        yield (order, n_used, cast(rate), cast(decay), cast(l1), dt(opt.momentum), streams.dropout_seed, epoch)
        train_seconds = time.perf_counter() - t0
        hist.eta.append(eta)
        parts = []
        if "training_cost" in opt.monitors or "training_accuracy" in opt.monitors:
            c, a = evaluate(net, training, opt.lmbda, opt.l1, opt.engine)
            if "training_cost" in opt.monitors:
                hist.training_cost.append(c)
                parts.append(f"train cost {c:.6g}")
            if "training_accuracy" in opt.monitors:
                hist.training_accuracy.append(a)
                parts.append(f"train acc {a}/{n}")
        eval_acc = None
        if evaluation is not None and (needs_eval or opt.early_stopping or opt.halve_eta or opt.test is not None):
            c, eval_acc = evaluate(net, evaluation, opt.lmbda, opt.l1, opt.engine)
            if "evaluation_cost" in opt.monitors:
                hist.evaluation_cost.append(c)
                parts.append(f"eval cost {c:.6g}")
            if "evaluation_accuracy" in opt.monitors or opt.early_stopping or opt.halve_eta or opt.test is not None:
                hist.evaluation_accuracy.append(eval_acc)
                parts.append(f"eval acc {eval_acc}/{len(evaluation)}")
        if opt.test is not None:
            test_acc = evaluate(net, opt.test, engine=opt.engine)[1]
            hist.test_accuracy.append(test_acc)
            parts.append(f"test acc {test_acc}/{len(opt.test)}")
            best_validation(hist, epoch, eval_acc, test_acc)
        seconds = time.perf_counter() - t0
        hist.seconds.append(seconds)
        hist.epochs_run = epoch + 1
        text = ", ".join(parts)
        log.info("epoch %d: %.3fs (train %.3fs) %s", epoch, seconds, train_seconds, text)
        _progress(epoch, epochs, seconds, text)
        if on_epoch is not None:
            on_epoch(epoch, hist)
        if not np.all(np.isfinite(net.params)):
            log.warning("epoch %d: parameters are no longer finite (eta %g too large?)", epoch, eta)
        # Early stopping and the eta schedule both watch the evaluation accuracy.
        stop = False
        if eval_acc is not None and (opt.early_stopping or opt.halve_eta):
            if eval_acc > best:
                best, since_best = eval_acc, 0
            else:
                since_best += 1
            if opt.halve_eta and since_best >= opt.halve_eta:
                eta, since_best = eta / 2, 0
                log.info("no improvement in %d epochs: eta halved to %g", opt.halve_eta, eta)
                if eta < eta0 * opt.min_eta_factor:
                    hist.stopped_early = True
                    stop = True
            elif opt.early_stopping and _should_stop(opt, hist, since_best):
                hist.stopped_early = True
                stop = True
        if checkpoint is not None:
            ckpt.save(checkpoint, key, net, hist, streams, backend,
                      {"next_epoch": epoch + 1, "eta": eta, "best": best, "since_best": since_best,
                       "finished": stop})
        if stop:
            break
    probe()
    return hist


def best_validation(hist: History, epoch: int, eval_acc: int, test_acc: int):
    """network3.py's bookkeeping: an epoch whose validation accuracy is >= the best so far (ties
    included) becomes the best one, and the reported test accuracy is the one after it."""
    if hist.best_evaluation_accuracy is None or eval_acc >= hist.best_evaluation_accuracy:
        hist.best_evaluation_accuracy = eval_acc
        hist.best_epoch = epoch
        hist.test_accuracy_at_best = test_acc


def _should_stop(opt: Options, hist: History, since_best: int) -> bool:
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
