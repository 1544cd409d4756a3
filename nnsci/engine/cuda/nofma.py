"""Every CUDA kernel compiled with libNVVM's ``-fma=0``: no multiply-add contracted into an FMA.

libNVVM's default is ``-fma=1``: it fuses ``a * b + c`` into one ``fma.rn`` instruction, rounded
once instead of twice, so a GPU would compute other bytes than the CPU engine (whose numba CPU
target does not contract). numba-cuda passes ``fma`` only with ``fastmath=True`` (which turns it
on) and has no public option for it yet (numba-cuda issue #118, PR #839). Its codegen calls
``numba.cuda.cudadrv.nvvm.compile_ir(ir, **options)`` through the module attribute, and
``CompilationUnit`` writes each option as ``-name=value`` (``fma=False`` -> ``-fma=0``), so
:func:`install` wraps that one function to add ``fma=False`` unless the caller set ``fma`` itself
(``fastmath=True`` still sets it on, inside ``compile_ir``).

The kernels are cached on disk (``cache=True``), keyed by numba-cuda's codegen ``magic_tuple``:
:func:`install` adds ``"fma=0"`` to it, so a cache written before this module existed is not
reused. Checked on numba-cuda 0.30 (:data:`CHECKED`); another version fails in one line rather
than compiling with FMA silently. Nothing is done in numba's simulator (it compiles nothing).

libdevice's ``exp`` and ``log`` call ``fma`` explicitly (``__nv_fma``): ``-fma=0`` cannot remove
those; ``bench/cuda_ptx_check.py`` counts them apart."""

from __future__ import annotations

import functools

from nnsci.errors import NnsciError

CHECKED = ("0.30.",)   # numba-cuda versions whose compile_ir and codegen this patch was read against
MARK = "fma=0"


def numba_cuda_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba-cuda")
    except PackageNotFoundError:
        return "none"


def check_version(found: str) -> None:
    """Refuse, in one line, a numba-cuda this patch was not read against."""
    if not found.startswith(CHECKED):
        raise NnsciError(f"numba-cuda {found}: the fma=0 compile patch (nnsci/engine/cuda/nofma.py) was checked "
                         f"only on {', '.join(v + 'x' for v in CHECKED)}; check it and add the version")


def install() -> None:
    """Make every libNVVM compile of this process default to ``-fma=0`` (idempotent)."""
    from numba.core import config

    if config.ENABLE_CUDASIM:
        return
    from numba.cuda import codegen
    from numba.cuda.cudadrv import nvvm

    if getattr(nvvm.compile_ir, "nnsci_nofma", False):
        return
    check_version(numba_cuda_version())
    compile_ir = nvvm.compile_ir
    magic_tuple = codegen.JITCUDACodegen.magic_tuple

    @functools.wraps(compile_ir)   # the unpatched function stays as __wrapped__ (bench/cuda_ptx_check.py)
    def compile_ir_nofma(llvmir, **options):
        options.setdefault("fma", False)
        return compile_ir(llvmir, **options)

    compile_ir_nofma.nnsci_nofma = True
    nvvm.compile_ir = compile_ir_nofma
    codegen.JITCUDACodegen.magic_tuple = lambda self: (*magic_tuple(self), MARK)


def installed() -> bool:
    """True when :func:`install` has patched this process's numba-cuda."""
    from numba.cuda.cudadrv import nvvm

    return bool(getattr(nvvm.compile_ir, "nnsci_nofma", False))
