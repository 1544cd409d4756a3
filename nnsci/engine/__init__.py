"""The nnsci training engine: layer plans, networks, the book's SGD, and CPU/CUDA backends."""

from .data import Dataset
from .network import Network, load_network, network_from_spec
from .compile_spec import compile_net
from .plan import Plan
from .rng import NielsenStreams, OurStreams
from .trainer import (History, Options, accuracy, evaluate, feedforward, forward_only, gradient, gradient_norms,
                      layer_gradients, sgd, sgd_family, total_cost)

__all__ = ["Dataset", "Network", "NielsenStreams", "OurStreams", "History", "Options", "Plan", "accuracy",
           "compile_net", "evaluate", "feedforward", "forward_only", "gradient", "gradient_norms",
           "layer_gradients", "load_network", "network_from_spec", "sgd", "sgd_family", "total_cost"]
