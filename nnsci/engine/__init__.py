"""The nnsci training engine: networks, the book's SGD, and CPU/CUDA kernels."""

from .data import Dataset
from .network import Network
from .rng import NielsenStreams, OurStreams
from .trainer import (History, Options, accuracy, evaluate, feedforward, gradient, gradient_norms, sgd,
                      total_cost)

__all__ = ["Dataset", "Network", "NielsenStreams", "OurStreams", "History", "Options", "accuracy",
           "evaluate", "feedforward", "gradient", "gradient_norms", "sgd", "total_cost"]
