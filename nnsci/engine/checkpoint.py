"""Checkpoints: the whole state of a training run after an epoch, so that a killed run continues.

A checkpoint holds the parameters, the momentum, the other optimisers' state
(first and second moments, the step count: :mod:`.optim`), the running statistics of batch
normalisation (state, not parameters), the random streams' states,
the history so far and the early-stopping and best-validation bookkeeping,
written atomically (a temporary file renamed into place) after every epoch. It
records its format, the engine and the engine's version (its source hash,
:func:`nnsci.provenance.engine_source_hash`), and is keyed by the run (a key the
caller gives, e.g. the resolved spec's hash), the network's plan and dtype and the
engine: a foreign or corrupt file, a checkpoint of another format or engine version,
or one of another run is refused with a one-line message naming the problem, and the
run starts from the beginning. A resumed run ends with the same bytes as one that was
never interrupted (the tests kill one to check)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from ..io import atomic_path

log = logging.getLogger("nnsci.engine")

FORMAT = "nnsci-checkpoint-3"   # 2: the optimisers' state (moment1, moment2, step); 3: the engine's version


class Refused(ValueError):
    """Why a checkpoint cannot resume this run (one line)."""


@functools.lru_cache(maxsize=None)
def engine_version(engine: str) -> str:
    """The engine and the hash of its sources when this process first asked (the code it runs)."""
    from ..provenance import engine_source_hash

    return f"{engine} {engine_source_hash(engine)}"


def run_key(net, key: str, engine: str) -> str:
    h = hashlib.sha256()
    for part in (FORMAT, key, net.plan.to_json(), net.dtype.name, engine_version(engine)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def save(path, key, net, hist, streams, backend, extra: dict, run: int = 0):
    """Write run ``run`` of ``backend`` (:class:`nnsci.engine.protocol.Backend`) to ``path``."""
    state = {"format": FORMAT, "engine": engine_version(backend.name), "key": key,
             "history": dict(hist.__dict__), "streams": streams.get_state(), **extra}
    arrays = {"params": backend.get_params(run), "velocity": backend.get_velocity(run)}
    arrays.update({f"optim_{k}": v for k, v in backend.get_optimizer_state(run).items()})
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays, norm_state=backend.get_state(run), state=np.array(json.dumps(state)))


def _read(path):
    """(state, params, velocity, optimiser state, running statistics) of a checkpoint file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if "state" not in z.files:
                raise Refused("not an nnsci checkpoint (no state record)")
            state = json.loads(str(z["state"]))
            if not isinstance(state, dict):
                raise Refused("not an nnsci checkpoint (its state record is not a mapping)")
            if state.get("format") != FORMAT:
                raise Refused(f"its format is {state.get('format')!r}, this engine reads {FORMAT!r}")
            params, velocity = z["params"], z["velocity"]
            optim = {k[len("optim_"):]: z[k] for k in z.files if k.startswith("optim_")}
            return state, params, velocity, optim, z["norm_state"]
    except Refused:
        raise
    except Exception as e:   # noqa: BLE001 - anything unreadable is refused the same way
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise Refused(f"not a readable nnsci checkpoint ({why})") from None


def _check(state, params, velocity, optim, norm_state, key, net, backend, run):
    """Refused when the checkpoint is of another engine version, run, network or optimiser."""
    version = engine_version(backend.name)
    if state.get("engine") != version:
        raise Refused(f"written by engine version {state.get('engine')!r}, this is {version!r}")
    if state.get("key") != key:
        raise Refused("it belongs to another spec, network or training rule")
    if params.shape != net.params.shape or params.dtype != net.params.dtype or velocity.shape != params.shape:
        raise Refused("its parameters do not fit this network")
    expected = backend.get_optimizer_state(run)
    if set(optim) != set(expected) or any(optim[k].shape != v.shape or optim[k].dtype != v.dtype
                                           for k, v in expected.items()):
        raise Refused("its optimiser state does not fit this run")
    if norm_state.shape != net.state.shape or norm_state.dtype != net.state.dtype:
        raise Refused("its running statistics do not fit this network")


def load(path, key, net, hist, streams, backend, run: int = 0):
    """Restore a valid checkpoint into net/hist/streams and run ``run`` of ``backend``, and return
    its bookkeeping, or None (no checkpoint, or a refused one: one warning line naming why)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state, params, velocity, optim, norm_state = _read(path)
        _check(state, params, velocity, optim, norm_state, key, net, backend, run)
        streams.set_state(state["streams"])
    except Exception as e:   # noqa: BLE001 - anything that does not fit is refused the same way
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        log.warning("checkpoint %s refused (%s); starting from the beginning", path, why)
        return None
    backend.set_params(params, run)
    backend.set_velocity(velocity, run)
    backend.set_optimizer_state(optim, run)
    backend.set_state(norm_state, run)
    for k, v in state["history"].items():
        setattr(hist, k, v)
    return state


def remove(path):
    """Remove a run's checkpoint (when its outputs are written)."""
    if path is not None:
        Path(path).unlink(missing_ok=True)
