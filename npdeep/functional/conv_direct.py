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

The "rows" method (below; conv2d's default for these layers where numba runs) computes the
same on batch-last images instead: no grid positions wasted, aligned loads, two output
channels and one filter row per pass. Measured on one thread (float32, ms, kernels alone):
LeNet-5's conv1 (128x32x32x1 -> 6) forward 0.17, dW 0.18; conv2 (128x14x14x6 -> 16)
forward 0.32, dW 0.31, dX 0.42 (180-190 GFLOP/s counting only the positions kept; the grid
kernels above: conv2's forward + backward 2.06 ms on two threads, 90 GFLOP/s).
"""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.functional.buffers import ALIGN, empty_aligned, take_aligned
from npdeep.functional.im2col import buffers, pad_channels_first
from npdeep.threads import batch_blocks, map_blocks

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


# ---------------------------------------------------------------------------- the "rows" method
# Batch-last images (n_C, n_H, n_W, m) C-contiguous ("CHWN"): the compiled kernels run along
# whole output rows of all the images at once (npdeep.kernels._conv_rows_numba), with no grid
# position wasted and aligned vector loads. The output Z is returned as an NHWC view of its
# batch-last memory; the ops after it (ReLU, pooling) keep that layout, so the next
# convolution finds its input batch-last and copies nothing.
#
# Threads split the output rows (forward and dX: each thread writes its own rows, the same
# bits for any split) and the output rows again for dW (a partial dW per block, added in
# block order).
ROWS_MIN_FLOPS_PER_THREAD = 2_000_000
# The filter sizes conv2d takes the rows method for (the others stay on the grid), measured
# with the fair harness (ms, npdeep's forward + backward, NHWC input and dZ; grid -> rows):
# LeNet-5 step 5.08 -> 3.78; conv 5x5 valid 64x28x28x1 -> 6 0.53 -> 0.58 (alone, it pays the
# transposing copies of its input and dZ that LeNet-5's layers hand on batch-last); conv 4x4
# same 16x64x64x3 -> 8 1.31 -> 2.12 (padded, 16 images a run, dW's f = 4 not unrolled).
ROWS_F = (5,)


def _row_blocks(n_rows: int, flops_per_row: int) -> list:
    return batch_blocks(n_rows, min_per_thread=-(-ROWS_MIN_FLOPS_PER_THREAD
                                                  // max(1, flops_per_row)))


def _batch_last(A: np.ndarray, left: int, right: int) -> tuple:
    """X (n_C, n_H, left + n_W + right, m), C-contiguous and aligned where it is made, the
    columns padded with zeros; (X, owned): owned is False when X is A's own memory."""
    A_t = A.transpose(3, 1, 2, 0)  # (n_C, n_H, n_W, m), a view
    if left == right == 0 and A_t.flags.c_contiguous:
        return A_t, False
    n_C, n_H, n_W, m = A_t.shape
    X = take_aligned((n_C, n_H, left + n_W + right, m), A.dtype)
    X[:, :, :left] = 0
    X[:, :, left + n_W:] = 0
    copy_to_batch_last(A, X[:, :, left:left + n_W])
    return X, True


def copy_to_batch_last(A: np.ndarray, out: np.ndarray) -> None:
    """out[...] = A.transpose(3, 1, 2, 0): images A (m, n_H, n_W, n_C) into batch-last out
    (n_C, n_H, n_W, m).

    NOTE: from NHWC memory the copy reads A at a stride of one image; when that stride is a
    multiple of 4 KiB (LeNet-5's 32x32x1 inputs) every read of a run falls in one set of the
    L1 cache, and NumPy's transposing copy took 0.28 ms for 128 images. Through a staging
    copy whose images are 16 values further apart it takes 0.05 (0.015 + the transpose).
    """
    m = A.shape[0]
    per_image = A[0].size
    if A.flags.c_contiguous and (per_image * A.itemsize) % 4096 == 0 and m > 1:
        staged = buffers.take((m, per_image + 16), A.dtype)
        staged[:, :per_image] = A.reshape(m, per_image)
        out[...] = staged[:, :per_image].reshape(A.shape).transpose(3, 1, 2, 0)
        buffers.give(staged)
    else:
        out[...] = A.transpose(3, 1, 2, 0)


class _Rows:
    """What the "rows" method keeps for its backward pass: the batch-last input X (n_C_prev,
    n_H_prev, n_W_pad, m) and the padding. Its ``method`` names the algorithm, "direct"
    (compiled loops, no GEMM), as the graph node's ``cols`` says it for the grid kernels."""

    method = "direct"
    layout = "batch_last"

    def __init__(self, X, top, left, owned):
        self.X, self.top, self.left, self.owned = X, top, left, owned


def forward_rows(A_prev, W, b, pads, n_H, n_W):
    """Z (m, n_H, n_W, n_C), an NHWC view of batch-last memory, and what backward_rows needs
    (its X, when owned, goes back to the pool where no backward pass will come)."""
    (top, _), (left, right) = pads
    f, _, n_C_prev, n_C = W.shape
    m = A_prev.shape[0]
    X, owned = _batch_last(A_prev, left, right)  # kept for the backward pass
    Z = empty_aligned((n_C, n_H, n_W, m), X.dtype)
    b = np.zeros(n_C, X.dtype) if b is None else b.reshape(n_C)
    rows = _row_blocks(n_H, m * n_W * n_C * f * f * n_C_prev)
    map_blocks(lambda block: kernels.conv.rows_forward(X, W, b, Z, top, *block), rows)
    return Z.transpose(3, 1, 2, 0), _Rows(X, top, left, owned)


def backward_rows(state, W, dZ, need_dX, need_dW, n_W_prev):
    """(dA_prev or None, dW or None, db or None) of forward_rows from dZ (m, n_H, n_W, n_C)."""
    X, top, left = state.X, state.top, state.left
    f, _, n_C_prev, n_C = W.shape
    m, n_H, n_W, _ = dZ.shape
    dZ_t = dZ.transpose(3, 1, 2, 0)  # (n_C, n_H, n_W, m)
    copied = not dZ_t.flags.c_contiguous or dZ_t.ctypes.data % ALIGN != 0
    if copied:  # (dZ from the layers after this one arrives batch-last already)
        dZ_t = take_aligned(dZ_t.shape, dZ.dtype)
        copy_to_batch_last(dZ, dZ_t)
    flops_per_row = m * n_W * n_C * f * f * n_C_prev
    dA_prev = dW = db = None
    if need_dW:
        rows = _row_blocks(n_H, flops_per_row)
        dWs = map_blocks(lambda block: kernels.conv.rows_backward_filter(
            X, dZ_t, f, top, *block), rows)
        dW = dWs[0]
        for block_dW in dWs[1:]:  # in block order: the same sum every run
            dW += block_dW
        db = dZ_t.reshape(n_C, -1).sum(axis=1)
    if need_dX:
        # dX is a forward pass over dZ padded with f − 1 zero columns on each side.
        dZw = take_aligned((n_C, n_H, n_W + 2 * (f - 1), m), X.dtype)
        dZw[:, :, :f - 1] = 0
        dZw[:, :, f - 1 + n_W:] = 0
        dZw[:, :, f - 1:f - 1 + n_W] = dZ_t
        dX = empty_aligned(X.shape, X.dtype)  # (n_C_prev, n_H_prev, n_W_pad, m)
        rows = _row_blocks(X.shape[1], flops_per_row * n_H // max(1, X.shape[1]))
        map_blocks(lambda block: kernels.conv.rows_backward_input(dZw, W, dX, top, *block),
                   rows)
        buffers.give(dZw)
        dA_prev = dX[:, :, left:left + n_W_prev].transpose(3, 1, 2, 0)
    if copied:
        buffers.give(dZ_t)
    return dA_prev, dW, db
