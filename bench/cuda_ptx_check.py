"""Compile every CUDA kernel of the engine to PTX for a Hopper GPU (sm_90), without a GPU.

The simulator runs the kernels as Python, so it cannot see what only numba-cuda's compiler
checks (types, unsupported functions). This script runs that compiler on a machine with no GPU
and no driver, given CUDA's libNVVM and libdevice (``/usr/local/cuda`` or ``CUDA_HOME``), by
telling numba-cuda which GPU to compile for. Usage: ``python bench/cuda_ptx_check.py``
(exit 0: every kernel compiled, for float32 and float64)."""

from __future__ import annotations

import glob
import os
import sys
import time

os.environ["NUMBA_ENABLE_CUDASIM"] = "0"

import numpy as np  # noqa: E402

from nnsci.engine.cuda.compat import import_cuda  # noqa: E402

CC = (9, 0)


def patch_for_no_gpu():
    """numba-cuda asks the current device for its compute capability and NVRTC for the closest
    supported one, and finds libdevice through NVRTC's path: answer all three without them."""
    import numba.cuda.cudadrv.libs as libs
    import numba.cuda.cudadrv.nvrtc as nvrtc
    import numba.cuda.cudadrv.nvvm as nvvm
    import numba.cuda.dispatcher as dispatcher

    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    found = glob.glob(os.path.join(home, "nvvm", "libdevice", "libdevice*.bc"))
    if not found:
        sys.exit(f"no libdevice under {home}/nvvm/libdevice (set CUDA_HOME)")

    class Device:
        compute_capability = CC

    dispatcher.get_current_device = lambda: Device()
    nvrtc.find_closest_arch = lambda cc: cc
    libs.get_libdevice = lambda: found[0]
    nvvm.get_libdevice = lambda: found[0]


def signatures(dtype):
    from numba import typeof

    from nnsci.engine.cuda import kernels as ck

    f = np.zeros((2, 2), dtype)
    f1 = np.zeros(2, dtype)
    i1 = np.zeros(2, np.int64)
    i2 = np.zeros((2, 2), np.int64)
    d1 = np.zeros(2, np.float64)
    u1 = np.zeros(2, np.uint64)
    z = typeof(np.dtype(dtype).type(0))
    i = typeof(np.int64(0))
    b = typeof(True)
    t = typeof
    return {
        ck.sgd_epoch_kernel: (i, t(f), t(f), t(i2), t(i1), t(i1), t(i1), i, t(f), t(f), t(i2), t(i1), i,
                              t(f), t(f), t(f), t(f), t(f), t(f), t(f), t(d1), t(u1), t(i1), z),
        ck.gradient_kernel: (i, t(f), t(f1), t(i2), t(i1), t(i1), t(i1), i, t(f), t(f), t(i1), i, t(f), t(f), t(f),
                             t(f), t(f), t(f), t(d1), z),
        ck.evaluate_kernel: (i, t(f), t(i2), t(i1), t(i1), t(i1), i, t(f), t(f), t(i1), t(i1), i, t(f), t(f), t(f),
                             t(f), t(d1), t(f), t(d1), t(i1), b, z),
    }


def main():
    cuda = import_cuda()
    patch_for_no_gpu()
    failed = 0
    for dtype in ("float32", "float64"):
        for kern, sig in signatures(dtype).items():
            t0 = time.perf_counter()
            name = kern.py_func.__name__
            try:
                ptx, _ = cuda.compile_ptx(kern.py_func, sig, cc=CC)
            except Exception as e:  # noqa: BLE001 - report every kernel
                failed += 1
                print(f"FAIL {name} {dtype}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                if os.environ.get("VERBOSE"):
                    raise
                continue
            f64 = sum(1 for line in ptx.splitlines() if ".f64" in line)
            print(f"ok   {name} {dtype}: {len(ptx.splitlines())} PTX lines ({f64} with .f64), "
                  f"{time.perf_counter() - t0:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
