"""nnsci: rebuild every computed figure, table and number of Nielsen's
*Neural Networks and Deep Learning* from code and seeds."""

__version__ = "0.1.0"

# Before any module of the package imports numba: one compile target on every machine (see cpu_target).
from .cpu_target import pin as _pin  # noqa: E402

_pin()
