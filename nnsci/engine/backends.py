"""Backend selection: ``cpu`` (numba) or ``cuda`` (numba.cuda); both implement
:class:`nnsci.engine.protocol.Backend`."""

from __future__ import annotations

from ..errors import NnsciError
from .protocol import CAPABILITIES, Backend, Capabilities

BACKENDS = ("cpu", "cuda")


def capabilities(engine: str) -> Capabilities:
    """What ``engine`` can run (without loading it)."""
    if engine not in CAPABILITIES:
        raise NnsciError(f"unknown engine {engine!r}; choose one of {', '.join(BACKENDS)}")
    return CAPABILITIES[engine]


def get_backend(name: str):
    """The backend module (``open_family(nets, batch)`` gives its backend object); a clear error
    when it cannot run here."""
    from ..cpu_target import require_valid

    capabilities(name)   # an unknown engine: one line
    require_valid()      # a bad NNSCI_CPU_TARGET: one line before any kernel compiles
    if name == "cpu":
        from .cpu import backend

        return backend
    try:
        from .cuda.compat import import_cuda

        cuda = import_cuda()
    except ImportError:
        raise NnsciError("engine=cuda needs numba-cuda: pip install -e '.[cuda]'") from None
    if not cuda.is_available():   # (numba's CUDA simulator counts as available: the tests use it)
        raise NnsciError("engine=cuda but no CUDA GPU is available on this machine; use engine=cpu")
    from .cuda import backend

    return backend


def open_family(engine: str, nets, batch: int) -> Backend:
    """The backend object that owns the buffers of ``nets`` (one run or a family) for mini-batches
    of ``batch``: SGD epochs, evaluation, gradients, parameters in and out."""
    return get_backend(engine).open_family(nets, batch)


def set_threads(n: int | None):
    """Set numba's thread count for this process (results do not depend on it)."""
    if not n:
        return
    import numba

    n = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
