"""im2col for conv2d: the column matrix colsᵀ built a block at a time, its adjoint (col2im),
and the scratch buffers both reuse.

Symbols as in conv.py: m examples; n_H_prev, n_W_prev, n_C_prev the input's height, width
and channels; f the filter size; stride s; n_H, n_W the output's height and width;
n_H_pad, n_W_pad the padded input's.
"""
from __future__ import annotations

import numpy as np

from npdeep.functional.buffers import pool


# ---------------------------------------------------------------------------- im2col
# Layout. The GEMMs run "channels first": the column matrix is built transposed, one row
# per (filter offset, input channel) and one column per output position, and the product is
# Zᵀ (n_C, positions) = W₂ᵀ (n_C, f·f·n_C_prev) · colsᵀ. With NumPy's BLAS this orientation
# (a short, wide result) runs about 1.5-2x faster than cols · W₂ (a tall, thin result). The
# output is returned as an NHWC view of that channel-major buffer (PyTorch's channels_last
# the other way round): no transpose is paid here, and the next layer finds its input
# already channel-major.
#
# Blocking. colsᵀ is f·f times larger than the input. It is never built whole: it is built
# a block of columns at a time into one buffer of about CHUNK_BYTES, which stays in cache
# for the GEMM that reads it, and rebuilt in the backward pass (a copy costs less than
# keeping it in memory and reading it back from there).
#
# Two ways to build colsᵀ, tested against each other and the course's loops:
#   "strided": any stride; colsᵀ[i, j] = X[:, :, i::stride, j::stride] cropped to (n_H, n_W),
#       f·f strided copies, one per filter offset (i, j); blocks of whole images.
#   "flat" (stride 1): flatten the padded images X (n_C_prev, m·n_H_pad·n_W_pad) into one long
#       row per channel. The window offset (i, j) is then a shift by i·n_W_pad + j, so
#       colsᵀ[i, j] = X[:, shift : shift + R] is a contiguous slice: the products are computed
#       for every position of the padded grid, and the positions whose window runs off the
#       image edge (the last f − 1 rows and columns) are cropped away. The waste is
#       (n_H_pad·n_W_pad)/(n_H·n_W), 10-35 % on the layers benchmarked, for copies and a
#       col2im that run as long contiguous loops.

CHUNK_BYTES = 2 * 2**20


# The scratch arrays are taken from, and go back to, the pool shared with the recurrent layers.
buffers = pool


def pad_channels_first(A_prev: np.ndarray, pads: tuple) -> tuple:
    """X (n_C_prev, m, n_H_pad, n_W_pad): the zero-padded images, channel-major.

    Each channel's images X[c] are contiguous; X itself is contiguous too unless it is a view.
    Returns (X, owned): owned is False when X is a view of A_prev (no padding, and A_prev
    already channel-major: a layer's output, or a block of images of one), which must not go
    back to the buffer pool. In a view the channel stride may exceed m·n_H_pad·n_W_pad.
    """
    (top, bottom), (left, right) = pads
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    A_t = A_prev.transpose(3, 0, 1, 2)  # (n_C_prev, m, n_H_prev, n_W_prev), a view
    if top == bottom == left == right == 0 and A_t[0].flags.c_contiguous and (
            n_C_prev == 1 or A_t.strides[0] >= A_t[0].nbytes):
        return A_t, False
    X = buffers.take((n_C_prev, m, n_H_prev + top + bottom, n_W_prev + left + right),
                     A_prev.dtype)
    # Zero only the border: the inside is overwritten.
    X[:, :, :top] = 0
    X[:, :, top + n_H_prev:] = 0
    X[:, :, top:top + n_H_prev, :left] = 0
    X[:, :, top:top + n_H_prev, left + n_W_prev:] = 0
    X[:, :, top:top + n_H_prev, left:left + n_W_prev] = A_t
    return X, True


def _window(i: int, j: int, stride: int, n_H: int, n_W: int) -> tuple:
    """The strided slice taking filter offset (i, j) of every window: X[..., i + s·h, j + s·w]."""
    return (Ellipsis, slice(i, i + stride * (n_H - 1) + 1, stride),
            slice(j, j + stride * (n_W - 1) + 1, stride))


class Columns:
    """colsᵀ of one convolution, block by block.

    ``blocks`` lists (start, stop) column ranges; ``fill(block, out)`` writes those columns of
    colsᵀ (f·f·n_C_prev rows) into out; ``add_back(block, dcolsT, dX)`` adds their gradient
    into dX (X's shape), the adjoint of fill (col2im). ``n_cols`` is the number of columns:
    R grid positions for "flat", m·n_H·n_W output positions for "strided".
    """

    def __init__(self, X: np.ndarray, f: int, stride: int, n_H: int, n_W: int, method: str,
                 chunk_bytes: int | None = None):
        self.X, self.f, self.stride, self.n_H, self.n_W, self.method = X, f, stride, n_H, n_W, \
            method
        n_C_prev, m, n_H_pad, n_W_pad = X.shape
        self.K = f * f * n_C_prev
        chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
        width = max(1, chunk_bytes // ((self.K + 1) * X.itemsize))  # columns per block
        if method == "flat":
            # R: the positions of the flattened padded grid with a whole window after them.
            self.n_cols = m * n_H_pad * n_W_pad - (f - 1) * n_W_pad - (f - 1)
            size = X.itemsize
            # (f, f, n_C_prev, R) view: offset (i, j) starts i·n_W_pad + j elements into a row.
            self.shifted = np.lib.stride_tricks.as_strided(
                X, (f, f, n_C_prev, self.n_cols), (n_W_pad * size, size, X.strides[0], size),
                writeable=False)
            # Whole images per block where one fits: the backward then places dZ on the
            # padded grid a block at a time, in a buffer that stays in cache.
            self.images_per_block = width // (n_H_pad * n_W_pad) or None
            if self.images_per_block:
                width = self.images_per_block * n_H_pad * n_W_pad
        else:
            self.n_cols = m * n_H * n_W
            width = max(1, width // (n_H * n_W)) * n_H * n_W  # whole images per block
        self.blocks = [(start, min(start + width, self.n_cols))
                       for start in range(0, self.n_cols, width)]

    def fill(self, block: tuple, out: np.ndarray) -> None:
        start, stop = block
        f, n_C_prev = self.f, self.X.shape[0]
        if self.method == "flat":
            np.copyto(out.reshape(f, f, n_C_prev, stop - start), self.shifted[..., start:stop])
            return
        images = slice(start // (self.n_H * self.n_W), stop // (self.n_H * self.n_W))
        out = out.reshape(f, f, n_C_prev, images.stop - images.start, self.n_H, self.n_W)
        X = self.X[:, images]
        for i in range(f):
            for j in range(f):
                out[i, j] = X[_window(i, j, self.stride, self.n_H, self.n_W)]

    def add_back(self, block: tuple, dcolsT: np.ndarray, dX: np.ndarray) -> None:
        start, stop = block
        f, n_C_prev = self.f, self.X.shape[0]
        if self.method == "flat":
            dX_flat = dX.reshape(n_C_prev, -1)  # dX may be a block of images of a batch's:
            assert np.shares_memory(dX_flat, dX), "col2im must add into dX, not a copy"
            dcolsT = dcolsT.reshape(f, f, n_C_prev, stop - start)
            n_W_pad = dX.shape[3]
            for i in range(f):
                for j in range(f):
                    shift = start + i * n_W_pad + j
                    dX_flat[:, shift:shift + stop - start] += dcolsT[i, j]
            return
        images = slice(start // (self.n_H * self.n_W), stop // (self.n_H * self.n_W))
        dcolsT = dcolsT.reshape(f, f, n_C_prev, images.stop - images.start, self.n_H, self.n_W)
        dX = dX[:, images]
        for i in range(f):
            for j in range(f):
                dX[_window(i, j, self.stride, self.n_H, self.n_W)] += dcolsT[i, j]


def place_dZ(dZ: np.ndarray, dZT: np.ndarray, first: int, last: int, nhwc: bool) -> None:
    """Copy images first..last-1 of dZ (m, n_H, n_W, n_C) into the top-left corner of the padded
    grid dZT, from its first image on: (images, n_H_pad, n_W_pad, n_C) when nhwc, else
    channel-major (n_C, images, n_H_pad, n_W_pad)."""
    _, n_H, n_W, _ = dZ.shape
    if nhwc:
        dZT[:last - first, :n_H, :n_W] = dZ[first:last]
    else:
        dZT[:, :last - first, :n_H, :n_W] = dZ[first:last].transpose(3, 0, 1, 2)
