"""Random streams: our own (numpy Generator from a SeedSequence) and the book's.

The book's seeded scripts (``rng: nielsen``) used numpy's legacy global
RandomState for initial weights and Python 2's ``random.shuffle`` for the
mini-batch order, both seeded with 12345678. :class:`NielsenStreams`
reproduces both: the legacy ``randn`` stream (stable across numpy versions)
and Python 2.7's shuffle algorithm, run on Python's Mersenne Twister, which
Python 3 seeds identically (docs/fidelity.md)."""

from __future__ import annotations

import random

import numpy as np
from numba import njit


class OurStreams:
    """Initial weights, batch orders and dropout masks from one SeedSequence."""

    def __init__(self, seed_sequence: np.random.SeedSequence):
        init, order, drop = seed_sequence.spawn(3)
        self._init = np.random.Generator(np.random.PCG64(init))
        self._order = np.random.Generator(np.random.PCG64(order))
        self.dropout_seed = int(drop.generate_state(1, dtype=np.uint64)[0])

    def normal(self, shape):
        return self._init.standard_normal(shape)

    def order(self, n):
        """A fresh uniformly random permutation each epoch."""
        return self._order.permutation(n).astype(np.int64)

    def get_state(self):
        """The streams' state as JSON-able data (for checkpoints)."""
        return {"kind": "ours", "init": self._init.bit_generator.state, "order": self._order.bit_generator.state,
                "dropout_seed": self.dropout_seed}

    def set_state(self, state):
        if state.get("kind") != "ours" or state.get("dropout_seed") != self.dropout_seed:
            raise ValueError("the checkpoint's random streams are not this run's")
        self._init.bit_generator.state = state["init"]
        self._order.bit_generator.state = state["order"]


class NielsenStreams:
    """The book's streams: ``np.random.seed(s)`` and ``random.seed(s)``.

    The order list is shuffled in place and the shuffles accumulate from epoch
    to epoch and across runs that share this object (as the scripts' shared
    ``training_data`` list did). Use :meth:`fresh_list` for a run on a slice,
    which in the book was a copy starting in file order."""

    def __init__(self, seed=12345678):
        self.np = np.random.RandomState(seed)
        self.py = random.Random(seed)
        self.dropout_seed = seed
        self._list = None

    def normal(self, shape):
        return self.np.randn(*shape)

    def fresh_list(self, n):
        """Start a new list in file order (training_data[:n] is a copy)."""
        self._list = np.arange(n, dtype=np.int64)

    def get_state(self):
        """The streams' state as JSON-able data (for checkpoints)."""
        name, keys, pos, has_gauss, cached = self.np.get_state()
        version, internal, gauss_next = self.py.getstate()
        return {"kind": "nielsen", "np": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
                "py": [version, list(internal), gauss_next], "dropout_seed": self.dropout_seed,
                "list": None if self._list is None else self._list.tolist()}

    def set_state(self, state):
        if state.get("kind") != "nielsen" or state.get("dropout_seed") != self.dropout_seed:
            raise ValueError("the checkpoint's random streams are not this run's")
        name, keys, pos, has_gauss, cached = state["np"]
        self.np.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
        version, internal, gauss_next = state["py"]
        self.py.setstate((version, tuple(internal), gauss_next))
        self._list = None if state["list"] is None else np.array(state["list"], dtype=np.int64)

    def order(self, n):
        if self._list is None or len(self._list) != n:
            self.fresh_list(n)
        py2_shuffle(self._list, self.py.random)
        return self._list.copy()


def py2_shuffle(x, rand):
    """Python 2.7's random.shuffle, in place: for i = n-1 .. 1, j = int(random() * (i+1)), swap."""
    n = len(x)
    draws = np.array([rand() for _ in range(n - 1)], dtype=np.float64)
    _swap_loop(x, draws)


@njit(cache=True)
def _swap_loop(x, draws):
    n = x.shape[0]
    for t in range(n - 1):
        i = n - 1 - t
        j = int(draws[t] * (i + 1))
        x[i], x[j] = x[j], x[i]
