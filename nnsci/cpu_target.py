"""One compile target for every numba CPU kernel, and kernels whose rounding no target can change.

Two rules make a seed give the same bytes on every machine:

1. The kernels use no ``fastmath`` (nnsci/engine/cpu/kernels.py): every
   floating-point operation runs in source order with IEEE semantics, so no
   vector width and no fused multiply-add can change a bit. With ``reassoc`` and
   ``contract`` (the engine's first version) an AVX2 and an AVX-512 build
   trained different weights, and even a process that compiled a kernel and one
   that loaded it from numba's cache did.
2. Every kernel is compiled for one target anyway: LLVM's ``x86-64-v3`` (AVX2,
   FMA, BMI1/2, F16C, LZCNT, MOVBE: every x86-64 server of the last decade) with
   no extra host features, and numba's Intel SVML maths off. Rule 1 already
   fixes the arithmetic; the pin makes the machine code itself the same on every
   x86-64-v3 machine, keeps libm's choice of variant (glibc picks its FMA
   variants on any such CPU) and SVML out, and is what ``nnsci check`` requires
   for exact comparisons. Measured in ``bench/bench_target.py`` against the host
   build (no cost within the noise).

A machine that cannot run x86-64-v3 code (an older x86-64, an ARM machine)
keeps numba's host target and gets a one-line warning: by rule 1 its kernels
should still agree, but its C library and numpy builds may round transcendental
functions differently, so ``nnsci check`` compares within the stated tolerances
instead of exactly.

numba reads its target from the environment when it is first imported, so
:func:`pin` runs in ``nnsci/__init__.py``, before any module of the package
imports numba. ``NNSCI_CPU_TARGET=host`` opts out (the speed comparison uses it)."""

from __future__ import annotations

import os
import platform
import sys

PINNED_CPU = "x86-64-v3"
ENV = "NNSCI_CPU_TARGET"
CHOICES = ("pinned", "host")

# LLVM's feature names of the x86-64-v3 level (x86-64-v2 plus AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT,
# MOVBE, XSAVE): a host lacking any of them cannot run code compiled for it.
X86_64_V3 = ("cx16", "sahf", "popcnt", "sse3", "sse4.1", "sse4.2", "ssse3",
             "avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave")

_state: dict = {}


def host_cpu() -> tuple[str, set]:
    """LLVM's name of this CPU and the set of features it has (llvmlite only: numba not imported)."""
    import llvmlite.binding as ll

    try:
        features = {k for k, v in ll.get_host_cpu_features().items() if v}
    except RuntimeError:  # LLVM cannot read the features on some platforms
        features = set()
    return ll.get_host_cpu_name(), features


def decide(choice: str, machine: str, features: set) -> tuple[bool, str]:
    """(pin?, why not): pin when asked and when this machine can run x86-64-v3 code."""
    if choice not in CHOICES:
        from .errors import NnsciError

        raise NnsciError(f"{ENV}={choice!r}: choose one of {', '.join(CHOICES)}")
    if choice == "host":
        return False, f"{ENV}=host"
    if machine.lower() not in ("x86_64", "amd64"):
        return False, f"this is a {machine} machine, not x86-64"
    missing = [f for f in X86_64_V3 if f not in features]
    if missing:
        return False, f"this CPU lacks {', '.join(missing)}"
    return True, ""


def pin():
    """Set numba's compile target to x86-64-v3 where the machine can run it; warn once where not.

    It runs when nnsci is imported, so it raises nothing: a bad ``NNSCI_CPU_TARGET`` is kept for
    :func:`require_valid`, which every entry point calls (the ``nnsci`` command, the Snakefile,
    the engine's backends) to report it in one line."""
    if _state:
        return
    from .errors import NnsciError

    choice = os.environ.get(ENV, "pinned").strip().lower() or "pinned"
    name, features = host_cpu()
    try:
        pinned, why = decide(choice, platform.machine(), features)
    except NnsciError as e:   # numba keeps its own defaults; nothing compiles before require_valid
        _state.update(pinned=False, why=str(e), host_cpu=name, error=str(e))
        return
    _state.update(pinned=pinned, why=why, host_cpu=name)
    if pinned:
        os.environ["NUMBA_CPU_NAME"] = PINNED_CPU
        os.environ["NUMBA_CPU_FEATURES"] = ""   # the CPU model's own features, nothing of the host's
        os.environ["NUMBA_DISABLE_INTEL_SVML"] = "1"
    else:
        for k in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"):
            os.environ.pop(k, None)
        if choice == "pinned":
            print(f"nnsci: warning: {why}, so numba compiles for this host ({name}) instead of {PINNED_CPU}; "
                  "results may not be bit-identical to the stored references (the check uses the stated "
                  "tolerances)", file=sys.stderr)
    if "numba" in sys.modules:   # imported before nnsci: make it read the environment again
        import numba.core.config

        numba.core.config.reload_config()


def require_valid():
    """A one-line NnsciError when ``NNSCI_CPU_TARGET`` names no target."""
    pin()
    if "error" in _state:
        from .errors import NnsciError

        raise NnsciError(_state["error"])


def exit_if_invalid():
    """For the Snakefile: a bad ``NNSCI_CPU_TARGET`` ends the run with one line on stderr, as the
    ``nnsci`` command reports it, before any rule runs."""
    from .errors import NnsciError

    try:
        require_valid()
    except NnsciError as e:
        sys.exit(f"nnsci: error: {e}")


def is_pinned() -> bool:
    """True when this process compiles its kernels for the pinned x86-64-v3 target."""
    require_valid()
    return _state["pinned"]


def compile_target() -> dict:
    """What numba really compiles for in this process (for provenance): CPU name, features, pinned or not.

    Read from numba's own code generator, so it also catches a numba that compiled
    something before nnsci could pin it."""
    pin()
    from numba.core.registry import cpu_target

    triple, cpu, features = cpu_target.target_context.codegen().magic_tuple()
    actual = cpu == PINNED_CPU and features == ""
    return {"cpu_name": cpu, "cpu_features": features, "triple": triple, "pinned": bool(actual),
            "host_cpu": _state["host_cpu"], "why_not_pinned": "" if actual else (_state["why"] or "numba "
                                                                               "was configured before nnsci")}


def describe() -> str:
    """One word for hashes and logs: the target kernels are compiled for."""
    return PINNED_CPU if is_pinned() else f"host:{_state['host_cpu']}"
