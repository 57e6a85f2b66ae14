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

from npdeep.autograd import Function
from npdeep.tensor import Tensor


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


def check_stride(stride, where: str, name: str = "stride") -> int:
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"The '{name}' parameter of {where} must be an int >= 1. "
                         f"Got {stride!r} instead.")
    return int(stride)


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
    stride = check_stride(stride, where)
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
    if A_shape[3] != n_C_prev:
        hint = "; images are NHWC — did you pass NCHW?" if A_shape[1] == n_C_prev else ""
        raise ValueError(f"{where} expected input of shape (m, n_H, n_W, {n_C_prev}) but got "
                         f"{tuple(A_shape)}{hint}")
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


# ---------------------------------------------------------------------------- im2col
def pad_array(X: np.ndarray, pads: tuple) -> np.ndarray:
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return X
    X_pad = np.zeros((X.shape[0], X.shape[1] + top + bottom, X.shape[2] + left + right,
                      X.shape[3]), dtype=X.dtype)
    X_pad[:, top:top + X.shape[1], left:left + X.shape[2]] = X
    return X_pad


def windows(A_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """A read-only view (m, n_H, n_W, f, f, n_C_prev) of every f × f window (no copy)."""
    m, _, _, n_C_prev = A_pad.shape
    s0, s1, s2, s3 = A_pad.strides
    return np.lib.stride_tricks.as_strided(
        A_pad, (m, n_H, n_W, f, f, n_C_prev), (s0, s1 * stride, s2 * stride, s1, s2, s3),
        writeable=False)


def im2col(A_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """The column matrix (m·n_H·n_W, f·f·n_C_prev): one row per output position."""
    m, n_C_prev = A_pad.shape[0], A_pad.shape[3]
    cols = windows(A_pad, f, stride, n_H, n_W)  # (m, n_H, n_W, f, f, n_C_prev), a view
    return cols.reshape(m * n_H * n_W, f * f * n_C_prev)  # the one copy


def col2im(dcols: np.ndarray, padded_shape: tuple, f: int, stride: int, n_H: int,
           n_W: int) -> np.ndarray:
    """Adjoint of im2col: add each window's gradient back into the padded image.

    Loops over the f·f filter offsets only; each step adds a strided slice at once.
    """
    dA_pad = np.zeros(padded_shape, dtype=dcols.dtype)
    dcols = dcols.reshape(padded_shape[0], n_H, n_W, f, f, padded_shape[3])
    for i in range(f):
        for j in range(f):
            dA_pad[:, i:i + stride * n_H:stride, j:j + stride * n_W:stride] += dcols[:, :, :, i, j]
    return dA_pad


# ---------------------------------------------------------------------------- convolution
class Conv2d(Function):
    """Z = conv(A_prev, W) + b as im2col + one GEMM; backward is two GEMMs + col2im."""

    @staticmethod
    def forward(ctx, A_prev, W, b, stride=1, pads=((0, 0), (0, 0))):
        f, _, n_C_prev, n_C = W.shape
        m = A_prev.shape[0]
        n_H = output_size(A_prev.shape[1], f, stride, pads[0])
        n_W = output_size(A_prev.shape[2], f, stride, pads[1])
        A_pad = pad_array(A_prev, pads)
        cols = im2col(A_pad, f, stride, n_H, n_W)  # (m·n_H·n_W, f·f·n_C_prev)
        Z = cols @ W.reshape(f * f * n_C_prev, n_C)  # (m·n_H·n_W, n_C)
        if b is not None:
            Z += b.reshape(n_C)
        ctx.cols, ctx.W, ctx.b_shape = cols, W, None if b is None else b.shape
        ctx.stride, ctx.pads, ctx.A_shape, ctx.padded_shape = stride, pads, A_prev.shape, A_pad.shape
        return Z.reshape(m, n_H, n_W, n_C)

    @staticmethod
    def backward(ctx, dZ):
        W, cols, stride = ctx.W, ctx.cols, ctx.stride
        f, _, n_C_prev, n_C = W.shape
        _, n_H, n_W, _ = dZ.shape
        dZ2 = dZ.reshape(-1, n_C)  # (m·n_H·n_W, n_C)
        needs = ctx.needs_input_grad
        dA_prev = dW = db = None
        if needs[0]:
            dcols = dZ2 @ W.reshape(f * f * n_C_prev, n_C).T  # (m·n_H·n_W, f·f·n_C_prev)
            dA_pad = col2im(dcols, ctx.padded_shape, f, stride, n_H, n_W)
            (top, _), (left, _) = ctx.pads
            dA_prev = dA_pad[:, top:top + ctx.A_shape[1], left:left + ctx.A_shape[2]]
        if needs[1]:
            dW = (cols.T @ dZ2).reshape(W.shape)  # (f, f, n_C_prev, n_C)
        if needs[2]:
            db = dZ2.sum(axis=0).reshape(ctx.b_shape)  # (n_C,)
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
    return Conv2d.apply(A_prev, W, b, stride=int(stride), pads=pads)
