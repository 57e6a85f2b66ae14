"""Zero padding and the 2-D convolution (the course's "conv layer"), as im2col + one GEMM.

Symbols (the course's):
    m           number of examples
    n_H_prev, n_W_prev, n_C_prev   height, width and channels of the input A_prev
    f           filter size (filters are f × f)
    n_C         number of filters (output channels)
    stride      step between two windows, s
    pad         zeros added on each side of the image, p

Output size: n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1, and the same for n_W.

Like the course (and every deep-learning library) this is a cross-correlation: the filter is
not flipped. Images are NHWC: (m, n_H, n_W, n_C).
"""
from __future__ import annotations

import math

import numpy as np

from npdeep import kernels
from npdeep.autograd import Function
from npdeep.functional.conv_direct import (ROWS_F, backward_direct, backward_rows,
                                           direct_preferred, forward_direct, forward_rows)
from npdeep.functional.im2col import Columns, buffers, pad_channels_first, place_dZ
from npdeep.tensor import Tensor
from npdeep.threads import batch_blocks, map_blocks
from npdeep.validation import check_images, check_int


# ---------------------------------------------------------------------------- validation
def _padding_name(padding) -> str:
    return repr(padding) if isinstance(padding, str) else str(padding)


def check_padding(padding, where: str):
    """The shared hyperparameter check: an int >= 0, "valid" or "same"."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"The 'padding' parameter of {where} must be an int >= 0, 'valid' "
                             f"or 'same'. Got {padding!r} instead.")
        return padding
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"The 'padding' parameter of {where} must be an int >= 0, 'valid' or "
                         f"'same'. Got {padding!r} instead.")
    return int(padding)


def same_padding(n_prev: int, f: int, stride: int) -> tuple:
    """(before, after) zeros for "same" padding along one axis, as TensorFlow/Keras pad.

    The output keeps ⌈n_prev/stride⌉ positions. The total padding
    max((n−1)·stride + f − n_prev, 0) is split evenly; when it is odd (an even f at stride 1)
    the extra zero goes after the image (bottom / right). For stride 1 and odd f this is the
    course's pad = (f − 1)/2 on both sides.
    """
    n = math.ceil(n_prev / stride)
    total = max((n - 1) * stride + f - n_prev, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, n_H_prev: int, n_W_prev: int, f: int, stride: int) -> tuple:
    """((top, bottom), (left, right)) for an int, "valid" or "same"."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return same_padding(n_H_prev, f, stride), same_padding(n_W_prev, f, stride)
    return (padding, padding), (padding, padding)


def output_size(n_prev: int, f: int, stride: int, pads: tuple) -> int:
    """⌊(n_prev + pad_before + pad_after − f)/stride⌋ + 1."""
    return (n_prev + pads[0] + pads[1] - f) // stride + 1


def check_conv_input(A_shape: tuple, W_shape: tuple, b_shape, stride, padding,
                     where: str = "conv2d") -> tuple:
    """Validate the shapes of a convolution; return ((top, bottom), (left, right)) padding.

    Raises:
        ValueError: naming ``where``, the expected shape and the one received.
    """
    stride = check_int(stride, "stride", where)
    padding = check_padding(padding, where)
    if len(W_shape) != 4 or W_shape[0] != W_shape[1]:
        raise ValueError(f"{where}: W must have shape (f, f, n_C_prev, n_C); got {W_shape}")
    f, _, n_C_prev, n_C = W_shape
    if b_shape is not None and tuple(b_shape) not in ((n_C,), (1, 1, 1, n_C)):
        raise ValueError(f"{where}: b must have shape (n_C,) = ({n_C},) for W of shape "
                         f"{W_shape}; got {tuple(b_shape)}")
    if len(A_shape) != 4:
        raise ValueError(f"{where} expected input of shape (m, n_H, n_W, {n_C_prev}) but got "
                         f"{tuple(A_shape)}; images are 4-D NHWC arrays (add an axis for m = 1 "
                         "or for one channel)")
    check_images(A_shape, n_C_prev, where)
    n_H_prev, n_W_prev = A_shape[1], A_shape[2]
    pads = resolve_padding(padding, n_H_prev, n_W_prev, f, stride)
    padded = (n_H_prev + sum(pads[0]), n_W_prev + sum(pads[1]))
    if padded[0] < f or padded[1] < f:
        raise ValueError(f"{where}: the (padded) image of size {padded[0]}x{padded[1]} is "
                         f"smaller than the {f}x{f} filter (input {tuple(A_shape)}, "
                         f"padding={_padding_name(padding)}); use a smaller f or more padding")
    if A_shape[0] == 0 or n_H_prev == 0 or n_W_prev == 0:
        raise ValueError(f"{where}: the input {tuple(A_shape)} is empty")
    return pads


# ---------------------------------------------------------------------------- zero padding
class ZeroPad(Function):
    @staticmethod
    def forward(ctx, X, pads=None):
        (top, bottom), (left, right) = pads
        ctx.crop = (slice(None), slice(top, top + X.shape[1]), slice(left, left + X.shape[2]))
        X_pad = np.zeros((X.shape[0], X.shape[1] + top + bottom, X.shape[2] + left + right)
                         + X.shape[3:], dtype=X.dtype)
        X_pad[ctx.crop] = X
        return X_pad

    @staticmethod
    def backward(ctx, dX_pad):
        return dX_pad[ctx.crop]


def zero_pad(X, pad) -> Tensor:
    """Pad the height and width of a batch of images with zeros.

    Args:
        X: (m, n_H, n_W, n_C) images.
        pad: an int p (p zeros on every side) or ((top, bottom), (left, right)).

    Returns:
        X_pad: (m, n_H + 2p, n_W + 2p, n_C).

    Raises:
        ValueError: when X is not 4-D or pad is negative.

    Example:
        >>> zero_pad(np.ones((4, 3, 3, 2)), 2).shape
        (4, 7, 7, 2)
    """
    if not isinstance(X, Tensor):
        X = Tensor(X)
    if X.ndim != 4:
        raise ValueError(f"zero_pad expected X of shape (m, n_H, n_W, n_C) but got {X.shape}")
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool):
        pads = ((int(pad), int(pad)), (int(pad), int(pad)))
    else:
        pads = tuple(tuple(int(p) for p in side) for side in pad)
    if any(p < 0 for side in pads for p in side):
        raise ValueError(f"zero_pad: pad must be >= 0. Got {pad!r} instead.")
    return ZeroPad.apply(X, pads=pads)


# ---------------------------------------------------------------------------- convolution
# Threads (npdeep.threads). The batch is cut into blocks of whole images, one per thread, and
# each block runs its own im2col, GEMMs and col2im from start to finish, writing its own slice
# of Z and dA_prev; each block's dW and db are added in block order at the end, so a run is
# repeatable bit for bit at a given thread count. A block needs at least MIN_FLOPS_PER_THREAD
# multiply-adds to be worth a thread; smaller batches run in one block, in the caller.
MIN_FLOPS_PER_THREAD = 2_000_000

def _image_blocks(m: int, K: int, n_C: int, n_H: int, n_W: int) -> list:
    """The blocks of images the threads take: [(first, last), ...]."""
    per_image = K * n_C * n_H * n_W  # multiply-adds of one image's forward GEMM
    return batch_blocks(m, min_per_thread=-(-MIN_FLOPS_PER_THREAD // per_image))


def _forward_images(A_block, W2T, f, stride, pads, n_H, n_W, method, chunk_bytes, ZT):
    """Zᵀ of a block of images into ZT (n_C, the block's columns); returns its Columns.

    ZT has one column per grid position of the padded images ("flat", "direct") or per output
    position ("strided"); the columns "flat" leaves unwritten are cropped away by the caller.
    """
    X, owned = pad_channels_first(A_block, pads)  # (n_C_prev, images, n_H_pad, n_W_pad)
    cols = Columns(X, f, stride, n_H, n_W, method, chunk_bytes)
    cols.owned = owned
    K = cols.K
    block_T = np.empty((K + 1, cols.blocks[0][1]), W2T.dtype)  # one block of colsᵀ
    block_T[K] = 1.0
    for start, stop in cols.blocks:
        out = block_T[:, :stop - start]
        cols.fill((start, stop), out[:K])
        np.matmul(W2T, out, out=ZT[:, start:stop])
    return cols


def _backward_images(cols, W2T, dZ, dX, need_dW):
    """dX += col2im(W₂ · dZᵀ) for one block of images; returns its dW and db stacked,
    (f·f·n_C_prev + 1, n_C), or None.

    Args:
        cols: the block's Columns (its padded images X, (n_C_prev, images, n_H_pad, n_W_pad)).
        dZ: (images, n_H, n_W, n_C), the block's output gradient, in any memory order.
        dX: (n_C_prev, images, n_H_pad, n_W_pad) to add into (a slice of the whole batch's),
            or None when dA_prev is not needed.
    """
    n_C_prev, m, n_H_pad, n_W_pad = cols.X.shape
    _, n_H, n_W, n_C = dZ.shape
    K = cols.K
    dtype = W2T.dtype
    # dZT2 (n_C, columns): dZ with one column per column of colsᵀ. Both GEMMs below take
    # it in either memory order (BLAS reads a transposed operand at the same speed), so
    # dZ keeps the order it came in: channel-major (as our own layers pass it on) or
    # NHWC. Transposing a whole NHWC dZ into channel-major memory would cost more than
    # either GEMM's share of the work.
    nhwc = dZ.flags.c_contiguous
    dZT = None  # a scratch buffer to give back
    per_block = None  # flat path, whole images per block: dZ is placed block by block
    if cols.method == "flat":
        # dZ placed on the padded grid, zeros where a window ran off the edge: the whole
        # of it, or (whole images per block) one block's images at a time, into one buffer
        # whose borders are zeroed once.
        per_block = cols.images_per_block
        n_images = per_block or m
        if nhwc:
            dZT = buffers.take((n_images, n_H_pad, n_W_pad, n_C), dtype)
            dZT[:, n_H:] = 0
            dZT[:, :n_H, n_W:] = 0
            dZT2 = dZT.reshape(-1, n_C).T  # (n_C, columns), a view
        else:
            dZT = buffers.take((n_C, n_images, n_H_pad, n_W_pad), dtype)
            dZT[:, :, n_H:] = 0
            dZT[:, :, :n_H, n_W:] = 0
            dZT2 = dZT.reshape(n_C, -1)
        if per_block is None:
            place_dZ(dZ, dZT, 0, m, nhwc)
    elif nhwc:
        dZT2 = dZ.reshape(-1, n_C).T  # no copy at all
    elif dZ.transpose(3, 0, 1, 2).flags.c_contiguous:
        dZT2 = dZ.transpose(3, 0, 1, 2).reshape(n_C, -1)
    else:
        dZT = buffers.take((n_C, m, n_H, n_W), dtype)
        dZT[...] = dZ.transpose(3, 0, 1, 2)
        dZT2 = dZT.reshape(n_C, -1)
    dWb = np.zeros((K + 1, n_C), dtype) if need_dW else None
    W2 = W2T[:, :K].T  # (f·f·n_C_prev, n_C)
    block_T = np.empty((K + 1, cols.blocks[0][1]), dtype)
    block_T[K] = 1.0
    for start, stop in cols.blocks:
        if per_block is None:
            dZ_block = dZT2[:, start:stop]
        else:  # the block's images, from the first
            first = start // (n_H_pad * n_W_pad)
            place_dZ(dZ, dZT, first, min(first + per_block, m), nhwc)
            dZ_block = dZT2[:, :stop - start]
        if need_dW:
            out = block_T[:, :stop - start]
            cols.fill((start, stop), out[:K])
            dWb += out @ dZ_block.T  # (f·f·n_C_prev + 1, n_C): dW, and db in the last row
        if dX is not None:
            dcols = np.matmul(W2, dZ_block, out=block_T[:K, :stop - start])
            cols.add_back((start, stop), dcols, dX)
    if dZT is not None:
        buffers.give(dZT)
    return dWb


class Conv2d(Function):
    """Z = conv(A_prev, W) + b as im2col + GEMM; backward is two GEMMs + col2im.

    One GEMM per block of columns rather than one for the whole batch: with blocks of about
    im2col.CHUNK_BYTES the column block is still in cache when the GEMM reads it, which
    measured 20-40 % faster than one product over a column matrix built whole. Blocks of whole
    images run in parallel threads (see "Threads" above).

    ``method`` picks how the column matrix is built: "flat" (stride 1 only) or "strided";
    or "direct" (stride 1, the compiled path only): no column matrix, compiled loops on the
    flat grid (npdeep.kernels.conv), which beat a GEMM with a handful of output channels;
    or "rows" (stride 1, compiled): the same loops on batch-last images, one output row of
    every image at a time, with no grid position wasted (conv_direct.forward_rows). None
    picks "rows" (f = 5) or "direct" (other f) for thin layers (direct_preferred) where the
    compiled path runs, else "flat" at stride 1. ``chunk_bytes`` sets the block size (tests
    make it small to cross block edges). All methods give the same result up to float rounding (tested).
    """

    @staticmethod
    def forward(ctx, A_prev, W, b, stride=1, pads=((0, 0), (0, 0)), method=None,
                chunk_bytes=None):
        dtype = np.result_type(A_prev, W)
        A_prev, W = A_prev.astype(dtype, copy=False), W.astype(dtype, copy=False)
        f, _, n_C_prev, n_C = W.shape
        K = f * f * n_C_prev
        m, n_H_prev, n_W_prev, _ = A_prev.shape
        n_H = output_size(n_H_prev, f, stride, pads[0])
        n_W = output_size(n_W_prev, f, stride, pads[1])
        n_H_pad, n_W_pad = n_H_prev + sum(pads[0]), n_W_prev + sum(pads[1])
        if method is None:
            method = "flat" if stride == 1 else "strided"
            if stride == 1 and direct_preferred(n_C_prev, n_C, f):
                method = "rows" if f in ROWS_F else "direct"
        elif method in ("direct", "rows") and (stride != 1 or not kernels.active()):
            raise ValueError(f"Conv2d: the {method!r} method needs stride 1 and the compiled "
                             f"path (npdeep.kernels.active() is {kernels.active()}, "
                             f"stride={stride}); use method='flat' or 'strided'")
        if method == "rows":
            Z, state = forward_rows(A_prev, W, b, pads, n_H, n_W)
            if any(ctx.needs_input_grad):
                ctx.rows, ctx.W, ctx.cols = state, W, [state]
                ctx.A_shape, ctx.b_shape = A_prev.shape, None if b is None else b.shape
            elif state.owned:  # no backward will come (as for the grid methods below)
                buffers.give(state.X)
            return Z
        # The bias rides in the GEMM: a row of ones under colsᵀ and b as one more column of
        # W₂ᵀ. The same row later gives db inside the dW product.
        W2T = np.empty((n_C, K + 1), dtype)  # (n_C, f·f·n_C_prev + 1)
        W2T[:, :K] = W.reshape(K, n_C).T
        W2T[:, K] = 0.0 if b is None else b.reshape(n_C)
        per_image = n_H * n_W if method == "strided" else n_H_pad * n_W_pad  # columns of Zᵀ
        ZT = np.empty((n_C, m * per_image), dtype)
        images = _image_blocks(m, K, n_C, n_H, n_W)

        def forward_block(block):
            first, last = block
            if method == "direct":
                return forward_direct(A_prev[first:last], W2T, f, pads, ZT, first * per_image)
            return _forward_images(A_prev[first:last], W2T, f, stride, pads, n_H, n_W, method,
                                   chunk_bytes, ZT[:, first * per_image:last * per_image])

        cols = map_blocks(forward_block, images)
        if method != "strided":
            ZT = ZT.reshape(n_C, m, n_H_pad, n_W_pad)[:, :, :n_H, :n_W]
        else:
            ZT = ZT.reshape(n_C, m, n_H, n_W)
        if any(ctx.needs_input_grad):
            # Each block's X stays with its Columns (backward rebuilds colsᵀ from it).
            ctx.images, ctx.cols, ctx.W2T, ctx.pads = images, cols, W2T, pads
            ctx.A_shape, ctx.b_shape = A_prev.shape, None if b is None else b.shape
            ctx.X_shape = (n_C_prev, m, n_H_pad, n_W_pad)
        else:  # no backward will come
            for block_cols in cols:
                if block_cols.owned:
                    buffers.give(block_cols.X)
        return ZT.transpose(1, 2, 3, 0)  # (m, n_H, n_W, n_C), a view of channel-major memory

    @staticmethod
    def backward(ctx, dZ):
        needs = ctx.needs_input_grad
        if hasattr(ctx, "rows"):
            dA_prev, dW, db = backward_rows(ctx.rows, ctx.W, dZ.astype(ctx.W.dtype, copy=False),
                                            needs[0], needs[1] or needs[2], ctx.A_shape[2])
            if db is not None:
                db = None if ctx.b_shape is None else db.reshape(ctx.b_shape)
            return dA_prev, dW, db
        W2T = ctx.W2T
        dZ = dZ.astype(W2T.dtype, copy=False)
        need_dW = needs[1] or needs[2]
        # One dX for the batch, each block adding into its own images.
        dX = np.zeros(ctx.X_shape, W2T.dtype) if needs[0] else None

        def backward_block(k):
            first, last = ctx.images[k]
            if ctx.cols[k].method == "direct":
                return backward_direct(ctx.cols[k], W2T, dZ[first:last], dX, first, need_dW)
            return _backward_images(ctx.cols[k], W2T, dZ[first:last],
                                    None if dX is None else dX[:, first:last], need_dW)

        dWbs = map_blocks(backward_block, range(len(ctx.images)))
        dA_prev = dW = db = None
        if need_dW:
            dWb = dWbs[0]
            for block_dWb in dWbs[1:]:  # in block order: the same sum every run
                dWb += block_dWb
            f, n_C_prev, n_C = ctx.cols[0].f, ctx.X_shape[0], W2T.shape[0]
            dW = dWb[:-1].reshape(f, f, n_C_prev, n_C)
            db = None if ctx.b_shape is None else dWb[-1].reshape(ctx.b_shape)  # (n_C,)
        if needs[0]:
            (top, _), (left, _) = ctx.pads
            _, n_H_prev, n_W_prev, _ = ctx.A_shape
            dX = dX[:, :, top:top + n_H_prev, left:left + n_W_prev]
            dA_prev = dX.transpose(1, 2, 3, 0)  # (m, n_H_prev, n_W_prev, n_C_prev), a view
        return dA_prev, dW, db


def conv2d(A_prev, W, b=None, stride: int = 1, padding=0) -> Tensor:
    """The convolution of the course: Z = A_prev ∗ W + b over every f × f window.

    Z[i, h, w, c] = Σ_{di, dj, c'} A_pad[i, h·s + di, w·s + dj, c'] · W[di, dj, c', c] + b[c],
    with n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1 (and the same for n_W).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input images (NHWC).
        W: (f, f, n_C_prev, n_C) filters.
        b: (n_C,) biases (the course's (1, 1, 1, n_C) is accepted too), or None.
        stride: s, an int >= 1.
        padding: an int pad >= 0 (zeros on every side), "valid" (no padding) or "same"
            (n_H = ⌈n_H_prev/stride⌉; for stride 1 and odd f, pad = (f − 1)/2 on each side;
            when the total padding is odd, as for an even f, the extra zero goes at the
            bottom/right, as TensorFlow/Keras do).

    Returns:
        Z: (m, n_H, n_W, n_C).

    Raises:
        ValueError: when A_prev is not 4-D, its channel count is not n_C_prev (with a hint when
            it looks like NCHW), the padded image is smaller than the filter, or a
            hyperparameter is out of range.

    Example:
        >>> Z = conv2d(A_prev, W, b, stride=1, padding="same")  # (m, 28, 28, 1) -> (m, 28, 28, 6)
    """
    if not isinstance(A_prev, Tensor):
        A_prev = Tensor(A_prev, dtype=W.dtype)
    pads = check_conv_input(A_prev.shape, tuple(W.shape), None if b is None else b.shape,
                            stride, padding)
    # 3 × 3, stride 1, many channels: Winograd F(2 × 2, 3 × 3) is faster (functional/winograd.py
    # has the measurements). Imported here: winograd.py builds on this module.
    from npdeep.functional import winograd
    n_H, n_W = (output_size(n, W.shape[0], stride, p) for n, p in zip(A_prev.shape[1:3], pads))
    if winograd.preferred(W.shape, stride, n_H, n_W):
        return winograd.Conv2dWinograd.apply(A_prev, W, b, pads=pads)
    return Conv2d.apply(A_prev, W, b, stride=int(stride), pads=pads)
