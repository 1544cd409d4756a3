"""Compile every CUDA kernel of the engine to PTX for a Hopper GPU (sm_90), without a GPU.

The simulator runs the kernels as Python, so it cannot see what only numba-cuda's compiler
checks (types, unsupported functions). This script runs that compiler on a machine with no GPU
and no driver, given CUDA's libNVVM and libdevice (``/usr/local/cuda`` or ``CUDA_HOME``), by
telling numba-cuda which GPU to compile for. Usage: ``python bench/cuda_ptx_check.py``
(exit 0: every kernel compiled, for float32 and float64).

It also counts the fused multiply-adds in each kernel's PTX: the instructions ``fma.rn``/``mad.rn``
(any rounding, ``.ftz``/``.sat``, on .f16/.f32/.f64; not the integer ``mad.lo``), compiled with
libNVVM's default (``-fma=1``, which contracts ``a * b + c``) and with ``-fma=0``, the engine's
setting (nnsci/engine/cuda/nofma.py). ``-fma=0`` cannot remove the explicit fma that libdevice's
functions (``__nv_expf``, ``__nv_log``, ``__nv_erf``, ``__nv_tanh``...) compute with, inlined into
the kernel; so each is also compiled with every libdevice call made opaque (renamed to an external
function that is not linked: its body is not in the PTX), and the fma left there are the
contracted ones of the engine's own arithmetic ("outside libdevice"; 0 under ``-fma=0``). The
libdevice functions each kernel calls are listed, with their fma per call (one probe kernel per
function that calls it once)."""

from __future__ import annotations

import collections
import contextlib
import glob
import math
import os
import re
import sys
import time

os.environ["NUMBA_ENABLE_CUDASIM"] = "0"

import numpy as np  # noqa: E402

from nnsci.engine.cuda.compat import import_cuda  # noqa: E402

CC = (9, 0)
FMA = re.compile(r"^\s*(@!?%\w+\s+)?(fma|mad)\.r[nzmp](\.ftz)?(\.sat)?\.f(16|32|64)\s", re.M)
LIBDEVICE_CALL = re.compile(r'call [^@\n]*@"?(__nv_\w+)"?\(')
LIBDEVICE_NAME = re.compile(r'@"?__nv_(\w+)"?')
PROBES = (math.exp, math.log, math.tanh, math.erf, math.sqrt, max)   # max: libdevice's fmax


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


def count_fma(ptx):
    """The fused multiply-add instructions of a PTX text (see the module's docstring)."""
    return len(FMA.findall(ptx))


@contextlib.contextmanager
def compiling(fma_off, opaque=False):
    """Compile with ``-fma=0`` (the engine's patch) or libNVVM's default, and record the LLVM IR
    that numba-cuda hands to libNVVM (libdevice is linked in later, inside ``compile_ir``); with
    ``opaque``, every call of a libdevice function ``__nv_f`` calls ``nnsci_opaque_f`` instead."""
    from numba.cuda.cudadrv import nvvm

    from nnsci.engine.cuda import nofma

    if not nofma.installed():
        sys.exit("the fma=0 compile patch is not installed (nnsci/engine/cuda/nofma.py)")
    patched = nvvm.compile_ir
    inner = patched if fma_off else patched.__wrapped__
    seen = []

    def recording(llvmir, **options):
        llvmir = [llvmir] if isinstance(llvmir, str) else llvmir
        seen.extend(llvmir)
        if opaque:
            llvmir = [LIBDEVICE_NAME.sub(r'@"nnsci_opaque_\1"', ir) for ir in llvmir]
        return inner(llvmir, **options)

    nvvm.compile_ir = recording
    try:
        yield seen
    finally:
        nvvm.compile_ir = patched


def compile_counted(cuda, pyfunc, sig, fma_off, opaque=False):
    """(PTX, calls of each libdevice function in the LLVM IR) of one kernel."""
    with compiling(fma_off, opaque) as seen:
        ptx, _ = cuda.compile_ptx(pyfunc, sig, cc=CC)
    return ptx, collections.Counter(LIBDEVICE_CALL.findall("\n".join(seen)))


def probe_kernel(f):
    if f is max:
        def probe(out, x):
            out[0] = f(x[0], x[1])
    else:
        def probe(out, x):
            out[0] = f(x[0])
    return probe


def libdevice_fma(cuda):
    """fma per call of each libdevice function the probes reach, under ``-fma=0``: one kernel per
    function and dtype that calls it once (``out[0] = f(x[0])``, ``max(x[0], x[1])``)."""
    from numba import typeof

    per_call = {}
    for f in PROBES:
        for dtype in ("float32", "float64"):
            a = typeof(np.zeros(1, dtype))
            ptx, calls = compile_counted(cuda, probe_kernel(f), (a, a), fma_off=True)
            (name, n), = calls.items()
            assert n == 1, calls
            per_call[name] = count_fma(ptx)
    return per_call


def fma_counts(cuda, pyfunc, sig):
    """The fma of one kernel: {(fma_off, opaque): count}, and its calls of libdevice functions."""
    counts = {}
    for fma_off in (False, True):
        for opaque in (False, True):
            ptx, calls = compile_counted(cuda, pyfunc, sig, fma_off, opaque)
            counts[fma_off, opaque] = count_fma(ptx)
    return counts, calls


def main():
    cuda = import_cuda()
    patch_for_no_gpu()
    per_call = libdevice_fma(cuda)
    print("libdevice fma per call under -fma=0:", ", ".join(f"{k} {v}" for k, v in sorted(per_call.items())))
    failed = 0
    for dtype in ("float32", "float64"):
        for kern, sig in signatures(dtype).items():
            t0 = time.perf_counter()
            name = kern.py_func.__name__
            try:
                n, calls = fma_counts(cuda, kern.py_func, sig)
            except Exception as e:  # noqa: BLE001 - report every kernel
                failed += 1
                print(f"FAIL {name} {dtype}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                if os.environ.get("VERBOSE"):
                    raise
                continue
            lib = ", ".join(f"{f} {k}x{per_call.get(f, '?')}" for f, k in sorted(calls.items()) if per_call.get(f, 1))
            print(f"ok   {name} {dtype}: fma default {n[False, False]}, fma=0 {n[True, False]}; "
                  f"outside libdevice: default {n[False, True]}, fma=0 {n[True, True]}; "
                  f"libdevice calls x fma per call: {lib}; {time.perf_counter() - t0:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
