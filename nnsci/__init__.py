"""nnsci: rebuild every computed figure, table and number of Nielsen's
*Neural Networks and Deep Learning* from code and seeds."""

__version__ = "0.1.0"
