"""The "direct" method of conv2d (npdeep.functional.conv): thin stride-1 layers computed by
compiled loops on im2col's flat grid (npdeep.kernels.conv), with no column matrix.

With 6 or 8 output channels a GEMM runs far below BLAS's speed (it reads the whole column
matrix for a handful of multiply-adds per element); the loops read the padded images in place.
Measured on a shared 2-core machine (one thread, median of interleaved rounds, ms,
forward + backward, im2col "flat" -> direct): 64x28x28x1 -> 6, 5x5 valid 1.24 -> 0.61;
16x64x64x3 -> 8, 4x4 same 2.89 -> 2.27; at two threads (the split) 2.36 -> 1.22 for the
second. LeNet-5's second layer (6 -> 16, 96 channel pairs) runs no faster either way, and
stays on im2col.

Symbols as in conv.py. The blocks of images of npdeep.threads run here as in im2col: each
its own padded X, writing its own columns of the batch's Zᵀ and dX; dW and db per block.
"""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.functional.im2col import buffers, pad_channels_first

# The "direct" method (compiled loops, npdeep.kernels.conv) where the layer is thin: at most
# DIRECT_MAX_CHANNELS input·output channel pairs and f <= DIRECT_MAX_F.
DIRECT_MAX_CHANNELS = 32
DIRECT_MAX_F = 7


def direct_preferred(n_C_prev: int, n_C: int, f: int) -> bool:
    """Whether a stride-1 convolution takes the "direct" method (the compiled path only)."""
    return kernels.active() and n_C_prev * n_C <= DIRECT_MAX_CHANNELS and f <= DIRECT_MAX_F


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
