"""The numba loops behind npdeep.kernels.activation (imported only when the compiled path runs).

One pass over flat, contiguous arrays. ``nogil``; no ``parallel=True``.
"""
import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def relu_forward(z, a):
    # a = max(z, 0) elementwise; NaN stays NaN (z <= 0 is False for it), as np.maximum.
    zero = np.zeros(1, a.dtype)[0]
    for i in range(z.size):
        v = z[i]
        a[i] = zero if v <= zero else v


@numba.njit(nogil=True, cache=True)
def relu_backward(a, da, dz):
    # dz = da · (a > 0) elementwise: da where a > 0, else da · 0 (0 with da's sign, NaN for
    # an infinite or NaN da), the same values as NumPy's product with the mask.
    zero = np.zeros(1, dz.dtype)[0]
    for i in range(a.size):
        g = da[i]
        dz[i] = g if a[i] > zero else zero * g


@numba.njit(nogil=True, cache=True, error_model="numpy")
def sigmoid_forward(z, a):
    # a = 1 / (1 + e^(−z)) with −z capped at the dtype's limit: stable_sigmoid's passes in one
    # (NaN stays NaN: NaN > limit is False, as np.minimum passes it on).
    one = a.dtype.type(1.0)  # (a scalar of a's dtype, not a 1-element array per call)
    limit = a.dtype.type(88.7 if a.itemsize == 4 else 709.7)
    for i in range(z.size):
        e = -z[i]
        if e > limit:
            e = limit
        a[i] = one / (one + np.exp(e))
