"""Backend selection: ``cpu`` (numba) or ``cuda`` (numba.cuda)."""

from __future__ import annotations

from ..errors import NnsciError

BACKENDS = ("cpu", "cuda")


def get_backend(name: str):
    """The backend module (``open_family(nets, batch)`` gives its backend object); a clear error
    when it cannot run here."""
    if name == "cpu":
        from .cpu import backend

        return backend
    if name == "cuda":
        try:
            from .cuda.compat import import_cuda

            cuda = import_cuda()
        except ImportError:
            raise NnsciError("engine=cuda needs numba-cuda: pip install -e '.[cuda]'") from None
        if not cuda.is_available():   # (numba's CUDA simulator counts as available: the tests use it)
            raise NnsciError("engine=cuda but no CUDA GPU is available on this machine; use engine=cpu")
        from .cuda import backend

        return backend
    raise NnsciError(f"unknown engine {name!r}; choose one of {', '.join(BACKENDS)}")


def open_family(engine: str, nets, batch: int):
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
