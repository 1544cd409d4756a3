"""The scales (config/scales/<name>.yaml): how much of the book a build trains.

A :class:`Scale` is the only place a scale is applied: every step asks it for epochs, data
sizes, seeds and the other caps."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, fields

from .. import paths
from ..errors import NnsciError
from .yamlio import read_yaml, schema_errors

SCALES = ("full", "quick", "ci")


@dataclass(frozen=True)
class Scale:
    """One scale (config/scales/<name>.yaml), validated: the only place a scale is applied.

    Every step asks it (epochs, data sizes, seeds, SVM sizes, animation frames, chapter 2's
    gradient check); ``None`` for a cap means none."""

    name: str
    description: str = ""
    epochs_factor: float = 1.0
    epochs_min: int = 1
    epochs_max: int | None = None
    train_size_max: int | None = None
    eval_size_max: int | None = None
    seeds_max: int | None = None
    svm_train_size_max: int | None = None
    gif_frames_max: int | None = None
    gradient_check_examples_max: int | None = None
    gradient_check_params_max: int | None = None
    convnet_train_size_max: int | None = None
    convnet_eval_size_max: int | None = None
    convnet_epochs_max: int | None = None
    expanded_epochs_max: int | None = None
    sweep_points_max: int | None = None
    sweep_seeds_max: int | None = None
    beyond_train_size_max: int | None = None
    beyond_eval_size_max: int | None = None
    beyond_epochs_max: int | None = None
    beyond_seeds_max: int | None = None
    grid_points_max: int | None = None

    @classmethod
    def from_mapping(cls, data: dict, name: str | None = None, source="scale") -> "Scale":
        data = dict(data or {})
        name = data.pop("name", name) or "custom"
        data.setdefault("description", name)
        schema_errors(data, "scale.schema.yaml", source)
        return cls(name=name, **data)

    def epochs(self, n: int, capped: bool = True) -> int:
        """A run's epochs: ``n`` times epochs_factor, at least epochs_min, at most epochs_max and n.

        ``capped=False`` (chapter 4's one-input fits, milliseconds an epoch): only the factor."""
        if not capped:
            return int(round(n * float(self.epochs_factor)))
        if float(self.epochs_factor) == 1.0 and not self.epochs_max:
            return n
        e = max(int(self.epochs_min), int(round(n * float(self.epochs_factor))))
        if self.epochs_max:
            e = min(e, int(self.epochs_max))
        return min(e, n) if n > 0 else 0

    @staticmethod
    def _cap(n, cap):
        return min(int(n), int(cap)) if cap else int(n)

    def size(self, size: int | None, kind: str = "train", convnet: bool = False) -> int | None:
        """A data set's size: ``size`` (None: all of it) capped by train_/eval_size_max, or for a
        run declared ``kind: convnet`` (chapter 6's, ``convnet``) by convnet_train_/eval_size_max where
        set. ``kind="expanded"``: chapter 6's expanded training set, capped at five times the
        training cap, so that expansion still means more data."""
        train_cap = (self.convnet_train_size_max if convnet and self.convnet_train_size_max
                     else self.train_size_max)
        if kind == "train":
            cap = train_cap
        elif kind == "expanded":
            cap = 5 * int(train_cap) if train_cap else None
        else:
            cap = (self.convnet_eval_size_max if convnet and self.convnet_eval_size_max
                   else self.eval_size_max)
        if not cap:
            return size
        return min(int(size), int(cap)) if size else int(cap)

    def net_epochs(self, n: int, convnet: bool = False, expanded: bool = False) -> int:
        """:meth:`epochs`, then for a run declared ``kind: convnet`` at most convnet_epochs_max, and
        for one trained on the expanded set at most expanded_epochs_max (quick: each of its
        five-times-larger set's images seen once, so that the expanded runs fit the time)."""
        e = self.epochs(n)
        if convnet and self.convnet_epochs_max:
            e = min(e, int(self.convnet_epochs_max))
        if expanded and self.expanded_epochs_max:
            e = min(e, int(self.expanded_epochs_max))
        return e

    def sweep_seeds(self, n: int) -> int:
        """Seeds of one point of a hyper-parameter sweep (chapter 6's lambda sweeps)."""
        return self._cap(self.seeds(n), self.sweep_seeds_max)

    def sweep_points(self, values) -> list:
        """The points of a sweep this scale trains: all, or sweep_points_max of them spread
        evenly, the first and the last kept (ci: two lambda values, the ends)."""
        return self._spread(values, self.sweep_points_max)

    @staticmethod
    def _spread(values, k):
        values = list(values)
        if not k or k >= len(values):
            return values
        if k == 1:
            return values[:1]
        idx = sorted({round(i * (len(values) - 1) / (k - 1)) for i in range(k)})
        return [values[i] for i in idx]

    def seeds(self, n: int) -> int:
        return self._cap(n, self.seeds_max)

    def beyond_seeds(self, n: int) -> int:
        """Seeds of a run marked ``beyond: true`` (chapter 7's, beyond the book)."""
        return self._cap(self.seeds(n), self.beyond_seeds_max)

    def beyond_size(self, size: int | None, kind: str = "train") -> int | None:
        """A further cap on a ``beyond: true`` run's data (after :meth:`size`)."""
        cap = self.beyond_train_size_max if kind in ("train", "expanded") else self.beyond_eval_size_max
        if kind == "expanded" and cap:
            cap = 5 * int(cap)
        if not cap:
            return size
        return min(int(size), int(cap)) if size else int(cap)

    def beyond_epochs(self, n: int) -> int:
        return self._cap(n, self.beyond_epochs_max)

    def grid_points(self, values) -> list:
        """The points of a learning-rate grid (the run-spec key ``grid``, chapter 7) this scale
        trains: all, or grid_points_max spread evenly, the ends kept (as :meth:`sweep_points`)."""
        return self._spread(values, self.grid_points_max)

    def svm_size(self, n: int) -> int:
        """An SVM's training-set size."""
        return self._cap(n, self.svm_train_size_max)

    def capped_sizes(self, sizes, cap=...):
        """The training-set sizes this scale tells apart: ``[(requested, effective)]``, each size
        capped (by ``cap``, default train_size_max), the first requested size kept for each
        effective one: at ci (cap 2,000) the sizes 5,000 to 50,000 all train on 2,000 images."""
        cap = self.train_size_max if cap is ... else cap
        out, seen = [], set()
        for s in sizes:
            eff = self._cap(s, cap)
            if eff not in seen:
                seen.add(eff)
                out.append((int(s), eff))
        return out

    def svm_sizes(self, sizes):
        """The distinct SVM training-set sizes of ``sizes`` at this scale."""
        return [eff for _, eff in self.capped_sizes(sizes, self.svm_train_size_max)]

    def gif_frames(self, n: int) -> int:
        return self._cap(n, self.gif_frames_max)

    def gradient_check(self, examples: int, params: int) -> tuple[int, int]:
        """Chapter 2's backprop check: (images, parameters compared by finite differences)."""
        return self._cap(examples, self.gradient_check_examples_max), self._cap(params, self.gradient_check_params_max)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def as_scale(scale) -> Scale:
    """A Scale from a Scale, a scale name or a mapping of scale keys (tests)."""
    if isinstance(scale, Scale):
        return scale
    if isinstance(scale, str):
        return load_scale(scale)
    return Scale.from_mapping(scale or {})


@functools.lru_cache(maxsize=None)
def _load_scale(name, mtime_ns):
    path = paths.SCALES_DIR / f"{name}.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise NnsciError(f"{path}: expected a mapping of scale keys to values")
    return Scale.from_mapping(data, name=name, source=str(path))


def load_scale(name: str) -> Scale:
    """The validated scale ``name`` (config/scales/<name>.yaml), read once per process."""
    if name not in SCALES:
        raise NnsciError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}")
    path = paths.SCALES_DIR / f"{name}.yaml"
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    return _load_scale(name, mtime)


