"""The "direct" method of conv2d (npdeep.functional.conv): thin stride-1 layers computed by
compiled loops on im2col's flat grid (npdeep.kernels.conv), with no column matrix.

With 6 or 8 output channels a GEMM runs far below BLAS's speed (it reads the whole column
matrix for a handful of multiply-adds per element); the loops read the padded images in place.
Measured on a shared 2-core machine (one thread, median of interleaved rounds, ms,
forward + backward, im2col "flat" -> direct): 64x28x28x1 -> 6, 5x5 valid 1.24 -> 0.61;
16x64x64x3 -> 8, 4x4 same 2.89 -> 2.27; at two threads (the split) 2.36 -> 1.22 for the
second; LeNet-5's second layer (6 -> 16), 7.46 -> 5.20 with two output channels per pass.

Symbols as in conv.py. The blocks of images of npdeep.threads run here as in im2col: each
its own padded X, writing its own columns of the batch's Zᵀ and dX; dW and db per block.
"""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.functional.im2col import buffers, pad_channels_first

# Where conv2d takes the direct method. Measured (one thread, float32, "same", forward +
# backward, best of two interleaved rounds, ms, im2col "flat" / direct; m x n_H x n_W x n_C_prev
# -> n_C, f):
#   128x14x14x6 -> 16, 5    7.46 / 5.20      32x32x32x4 -> 24, 4    4.07 / 3.83
#   64x16x16x16 -> 4, 3     2.26 / 1.19      32x32x32x6 -> 16, 3    2.56 / 2.79
#   64x28x28x2 -> 32, 5     7.21 / 7.92      64x28x28x3 -> 32, 3    3.81 / 5.62
#   32x32x32x3 -> 16, 7     8.42 / 11.5      64x16x16x1 -> 64, 3    1.41 / 2.04
# The GEMM gains on the loops as n_C grows; f = 4 and 5 run two output channels per pass
# (npdeep/kernels/_conv_numba.py), f = 3 one; f > 5 has no unrolled loop.
DIRECT_MAX_F = 5
DIRECT_MAX_CHANNELS = 16  # n_C for f = 4 or 5 (8 for other f)
DIRECT_MAX_CHANNELS_PREV = 16


def direct_preferred(n_C_prev: int, n_C: int, f: int) -> bool:
    """Whether a stride-1 convolution takes the "direct" method (the compiled path only)."""
    most = DIRECT_MAX_CHANNELS if f in (4, 5) else DIRECT_MAX_CHANNELS // 2
    return (kernels.active() and f <= DIRECT_MAX_F and n_C <= most
            and n_C_prev <= DIRECT_MAX_CHANNELS_PREV)


class _Grid:
    """What the "direct" method keeps of a block for its backward pass: the padded images X
    (n_C_prev, images, n_H_pad, n_W_pad), as Columns keeps them for im2col."""

    method = "direct"

    def __init__(self, X, f, owned):
        self.X, self.f, self.owned = X, f, owned

    def flat(self, array):
        """(channels, images · n_H_pad · n_W_pad): a view of a (channels, images, n_H_pad,
        n_W_pad) array whose channels are each contiguous."""
        out = array.reshape(array.shape[0], -1)
        assert np.shares_memory(out, array), "the direct method reads and writes in place"
        return out


def forward_direct(A_block, W2T, f, pads, ZT, z0):
    """_forward_images for the "direct" method (compiled loops on the flat grid,
    npdeep.kernels.conv): the block's Zᵀ into columns z0.. of the whole batch's ZT."""
    X, owned = pad_channels_first(A_block, pads)  # (n_C_prev, images, n_H_pad, n_W_pad)
    if not X.flags.c_contiguous:  # a view of A_prev: the kernels take C-contiguous arrays
        X, owned = buffers.take(X.shape, X.dtype), True
        X[...] = A_block.transpose(3, 0, 1, 2)
    grid = _Grid(X, f, owned)
    K = W2T.shape[1] - 1
    W = W2T[:, :K].T.reshape(f, f, X.shape[0], -1)  # (f, f, n_C_prev, n_C), a view
    kernels.conv.forward(grid.flat(X), W, W2T[:, K], ZT, X.shape[3], z0)
    return grid


def backward_direct(grid, W2T, dZ, dX, first, need_dW):
    """_backward_images for the "direct" method: dZ placed on the flat grid (after the
    leading zeros the kernels read), then the compiled loops. dX is the whole batch's
    (n_C_prev, m, n_H_pad, n_W_pad); this block's images start at ``first``."""
    n_C_prev, m, n_H_pad, n_W_pad = grid.X.shape
    _, n_H, n_W, n_C = dZ.shape
    f, K = grid.f, W2T.shape[1] - 1
    off = kernels.conv.offset(f, n_W_pad)
    dZg = buffers.take((n_C, off + m * n_H_pad * n_W_pad), W2T.dtype)
    dZg[:, :off] = 0
    grid_dZ = dZg[:, off:].reshape(n_C, m, n_H_pad, n_W_pad)
    grid_dZ[:, :, n_H:] = 0
    grid_dZ[:, :, :n_H, n_W:] = 0
    grid_dZ[:, :, :n_H, :n_W] = dZ.transpose(3, 0, 1, 2)
    dWb = None
    if need_dW:
        dW, db = kernels.conv.backward_filter(grid.flat(grid.X), dZg, f, n_W_pad)
        dWb = np.empty((K + 1, n_C), W2T.dtype)
        dWb[:K] = dW.reshape(K, n_C)
        dWb[K] = db
    if dX is not None:  # dX is zeros: the kernel overwrites it
        W = W2T[:, :K].T.reshape(f, f, n_C_prev, n_C)
        per_image = n_H_pad * n_W_pad
        kernels.conv.backward_input(dZg, W, grid.flat(dX), n_W_pad, first * per_image,
                                    m * per_image)
    buffers.give(dZg)
    return dWb
