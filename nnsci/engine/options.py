"""What a training run is: its options (:class:`Options`, the book's defaults are network2.py's),
the sgd call that starts it (:class:`Run`), and what it records (:class:`History`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .data import Dataset
from .network import Network
from .optim import Optimizer

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
    stop_rule: str = "no_improvement"   # or "windowed": see epochs.should_stop
    halve_eta: int | None = None  # halve eta after this many epochs without improvement (E3.5)
    min_eta_factor: float = 1 / 128     # with halve_eta: stop once eta < eta0 * this
    probe: Dataset | None = None  # per-layer gradient norms on this set, before every epoch and at the end
    test: Dataset | None = None   # network3's test set: its accuracy after every epoch, and the best-validation rule
    engine: str = "cpu"
    augment: object = None        # on-the-fly augmentation: a callable, epoch -> that epoch's training inputs
                                  # (an array like training.x: same rows, labels and order); see epochs.Feed
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


@dataclass
class Run:
    """One run: the arguments of :func:`nnsci.engine.trainer.sgd` (one entry of ``sgd_family``)."""

    net: Network
    training: Dataset
    epochs: int
    mini_batch_size: int
    eta: float
    streams: object
    evaluation: Dataset | None = None
    options: Options | None = None
    on_epoch: object = None
    checkpoint: object = None
    checkpoint_key: str = ""

    def __post_init__(self):
        self.options = self.options or Options()


def best_validation(hist: History, epoch: int, eval_acc: int, test_acc: int):
    """network3.py's bookkeeping: an epoch whose validation accuracy is >= the best so far (ties
    included) becomes the best one, and the reported test accuracy is the one after it."""
    if hist.best_evaluation_accuracy is None or eval_acc >= hist.best_evaluation_accuracy:
        hist.best_evaluation_accuracy = eval_acc
        hist.best_epoch = epoch
        hist.test_accuracy_at_best = test_acc
