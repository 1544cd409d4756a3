"""The numba.cuda backend: persistent kernels (one launch per epoch) over a family of runs."""
