"""Checkpoints: the whole state of a training run after an epoch, so that a killed run continues.

A checkpoint holds the parameters, the momentum, the other optimisers' state
(first and second moments, the step count: :mod:`.optim`), the running statistics of batch
normalisation (state, not parameters), the random streams' states,
the history so far and the early-stopping and best-validation bookkeeping,
written atomically (a temporary file renamed into place) after every epoch. It
is keyed by the run (a key the caller gives, e.g. the resolved spec's hash), the
network's plan and dtype, and the engine's source hash: a checkpoint of another
run, spec or engine version, or a corrupt one, is refused with a one-line
message and the run starts from the beginning. A resumed run ends with the same
bytes as one that was never interrupted (the tests kill one to check)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from ..io import atomic_path

log = logging.getLogger("nnsci.engine")

FORMAT = "nnsci-checkpoint-2"   # 2: the optimisers' state (moment1, moment2, step)


def run_key(net, key: str, engine: str) -> str:
    from ..provenance import engine_source_hash

    h = hashlib.sha256()
    for part in (FORMAT, key, net.plan.to_json(), net.dtype.name, engine, engine_source_hash(engine)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _history_dict(hist):
    return {k: v for k, v in hist.__dict__.items()}


def save(path, key, net, hist, streams, backend, extra: dict):
    state = {"format": FORMAT, "key": key, "history": _history_dict(hist), "streams": streams.get_state(),
             **extra}
    arrays = {"params": backend.get_params(), "velocity": backend.get_velocity()}
    optim = _optimizer_state(backend)
    if optim is not None:
        arrays.update({f"optim_{k}": v for k, v in optim.items()})
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays, norm_state=backend.get_state(), state=np.array(json.dumps(state)))


def _optimizer_state(backend):
    """The backend's optimiser state beyond the velocity ({name: array}), or None where it has
    none (the CUDA backend: the book's SGD only)."""
    get = getattr(backend, "get_optimizer_state", None)
    return get() if get is not None else None


def load(path, key, net, hist, streams, backend):
    """Restore a valid checkpoint into net/hist/streams/backend and return its bookkeeping, or
    None (no checkpoint, or a refused one: one warning line)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            state = json.loads(str(z["state"]))
            params, velocity = z["params"], z["velocity"]
            optim = {k[len("optim_"):]: z[k] for k in z.files if k.startswith("optim_")}
            norm_state = z["norm_state"] if "norm_state" in z.files else np.zeros(0, dtype=params.dtype)
        if state.get("format") != FORMAT:
            raise ValueError(f"not an nnsci checkpoint ({state.get('format')!r})")
        if state.get("key") != key:
            raise ValueError("it belongs to another spec, network or engine version")
        if params.shape != net.params.shape or params.dtype != net.params.dtype or velocity.shape != params.shape:
            raise ValueError("its parameters do not fit this network")
        expected = _optimizer_state(backend)
        if expected is not None:
            if set(optim) != set(expected) or any(optim[k].shape != v.shape or optim[k].dtype != v.dtype
                                                   for k, v in expected.items()):
                raise ValueError("its optimiser state does not fit this run")
        if norm_state.shape != net.state.shape or norm_state.dtype != net.state.dtype:
            raise ValueError("its running statistics do not fit this network")
        streams.set_state(state["streams"])
    except Exception as e:   # noqa: BLE001 - anything unreadable is refused the same way
        log.warning("checkpoint %s refused (%s); starting from the beginning", path, str(e).splitlines()[0]
                    if str(e) else type(e).__name__)
        return None
    backend.set_params(params)
    backend.set_velocity(velocity)
    if expected is not None:
        backend.set_optimizer_state(optim)
    backend.set_state(norm_state)
    for k, v in state["history"].items():
        setattr(hist, k, v)
    return state


def remove(path):
    """Remove a run's checkpoint (when its outputs are written)."""
    if path is not None:
        Path(path).unlink(missing_ok=True)
