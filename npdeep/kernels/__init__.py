"""Optional compiled kernels (numba, ``pip install npdeep[fast]``) for the loops NumPy runs slowly.

The NumPy path is complete without them and is their tested reference: every kernel here has
a NumPy twin named in its docstring, and tests/kernels/ compares the two.
"""
from npdeep.kernels.pool import (avg_pool_backward, avg_pool_forward, max_pool_backward,
                                 max_pool_forward, max_pool_winners, needs_zeros)
from npdeep.kernels.switch import active, available, path, use
from npdeep.kernels import winograd  # noqa: F401  (the Winograd tile transforms)

__all__ = ["active", "available", "path", "use", "max_pool_winners", "max_pool_forward",
           "max_pool_backward", "avg_pool_forward", "avg_pool_backward", "needs_zeros"]
