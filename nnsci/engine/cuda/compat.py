"""Importing numba.cuda safely, and whether it runs on a GPU or in numba's simulator.

numba-cuda fails at its first kernel compile under numpy 2.5, which removed
``np.row_stack`` (found on the GPU machines, issue 13); a guarded shim before
the import fixes it. Facts about numba.cuda that shaped the kernels:

- ``cuda.shared.array`` sizes must be literal module-level constants (a product
  of constants is refused); the kernels use no shared arrays today.
- The simulator (``NUMBA_ENABLE_CUDASIM=1``, read when numba is first imported)
  runs every thread as a Python thread and the blocks one after another, has no
  warp shuffles and no ``syncwarp``: every kernel here uses only
  ``syncthreads`` inside one block, so the same code runs in the simulator (CI)
  and on a GPU, and nothing relies on a grid-wide sync."""

from __future__ import annotations

import importlib

import numpy as np

from .nofma import install as install_nofma


def import_cuda():
    """``numba.cuda``, after the numpy 2.5 shim (ImportError when numba-cuda is missing)."""
    if not hasattr(np, "row_stack"):
        np.row_stack = np.vstack
    from numba import cuda

    install_nofma()   # every kernel compiled with libNVVM's -fma=0 (nofma.py)

    # One block per run is the design (a lone run is a grid of one block): no occupancy warnings.
    for name in ("numba.cuda.core.config", "numba.core.config"):
        try:
            setattr(importlib.import_module(name), "CUDA_LOW_OCCUPANCY_WARNINGS", 0)
        except ImportError:
            pass
    return cuda


def simulated() -> bool:
    """True when numba.cuda is numba's CUDA simulator."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)
