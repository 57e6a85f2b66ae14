"""Optional compiled kernels (numba, ``pip install npdeep[fast]``) for the loops NumPy runs slowly.

The NumPy path is complete without them and is their tested reference: every kernel here has
a NumPy twin named in its docstring, and tests/kernels/ compares the two.

Where they run: max_pool2d and avg_pool2d (kernels.pool), the tile transforms of the
Winograd convolution (kernels.winograd), the direct convolution of thin layers (kernels.conv:
6 to 16 output channels, where a GEMM runs far below BLAS's speed; 5x5 layers such as
LeNet-5's on batch-last images, one output row of every image per pass, with 2x2 pooling
and ReLU kept in that layout), ReLU on large float arrays
(kernels.activation), the whole time loops of the float32 LSTM and reset-after GRU, forward
and backward through time, one GIL-free call per batch block (kernels.recurrent), and
Word2Vec's training loop on worker threads (kernels.word2vec). The other matrix products stay
in BLAS. The first call of a kernel compiles it for its dtype and memory layout (a fraction of
a second each); numba keeps the result on disk for later processes, except the recurrent
loops, which call BLAS through ctypes and compile once per process (about 3 s).
"""
from npdeep.kernels.pool import (avg_pool_backward, avg_pool_forward, max_pool_backward,
                                 max_pool_forward, max_pool_winners, needs_zeros)
from npdeep.kernels.switch import active, available, path, use
from npdeep.kernels import winograd  # noqa: F401  (the Winograd tile transforms)
from npdeep.kernels import conv  # noqa: F401  (the direct convolution of thin layers)

__all__ = ["active", "available", "path", "use", "max_pool_winners", "max_pool_forward",
           "max_pool_backward", "avg_pool_forward", "avg_pool_backward", "needs_zeros"]
