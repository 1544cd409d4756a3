"""nnsci: rebuild every computed figure, table and number of Nielsen's
*Neural Networks and Deep Learning* from code and seeds."""

__version__ = "0.1.0"

# Before any module of the package imports numba: a compile cache per version of the compiled
# sources (numba_cache), and one compile target on every machine (cpu_target).
from .numba_cache import use_versioned_cache as _use_versioned_cache  # noqa: E402

_use_versioned_cache()

from .cpu_target import pin as _pin  # noqa: E402

_pin()
