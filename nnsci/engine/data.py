"""A data set in the engine's form: inputs, targets and labels as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Dataset:
    """x: (N, n_in) inputs; t: (N, n_out) targets (one-hot for classification);
    labels: (N,) int64 class labels, or -1 for regression data."""

    x: np.ndarray
    t: np.ndarray
    labels: np.ndarray

    def __len__(self):
        return self.x.shape[0]

    @classmethod
    def classification(cls, x, labels, n_classes=10, dtype="float32"):
        labels = np.asarray(labels, dtype=np.int64)
        t = np.zeros((len(labels), n_classes), dtype=dtype)
        t[np.arange(len(labels)), labels] = 1
        return cls(np.ascontiguousarray(x, dtype=dtype), t, labels)

    @classmethod
    def regression(cls, x, y, dtype="float32"):
        x = np.ascontiguousarray(np.asarray(x, dtype=dtype).reshape(len(x), -1))
        t = np.ascontiguousarray(np.asarray(y, dtype=dtype).reshape(len(y), -1))
        return cls(x, t, np.full(len(x), -1, dtype=np.int64))

    def subset(self, n):
        """The first n examples (a copy, as network2.py's training_data[:n] is)."""
        return Dataset(self.x[:n].copy(), self.t[:n].copy(), self.labels[:n].copy())

    def astype(self, dtype):
        return Dataset(np.ascontiguousarray(self.x, dtype=dtype), np.ascontiguousarray(self.t, dtype=dtype),
                       self.labels)
