"""The CPU backend: numba kernels over flat parameter arrays."""
