"""The course's convolutional network step by step, with explicit loops (NHWC, one example at a
time), as the course's "Convolutional Model: step by step" assignment writes it.

These are slow on purpose: every index is visible. npdeep.functional.conv2d / max_pool2d /
avg_pool2d are the fast versions, and the tests check that both agree.

Shapes: A_prev (m, n_H_prev, n_W_prev, n_C_prev); W (f, f, n_C_prev, n_C); b (1, 1, 1, n_C)
(the course's shape; (n_C,) is accepted too); hparameters {"stride": s, "pad": p} for
convolution and {"stride": s, "f": f} for pooling;
n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1.
"""
from __future__ import annotations

import numpy as np


def zero_pad(X, pad):
    """Pad the height and width of every image of X with ``pad`` zeros on each side.

    Args:
        X: (m, n_H, n_W, n_C).
        pad: int.

    Returns:
        X_pad: (m, n_H + 2·pad, n_W + 2·pad, n_C).
    """
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant",
                   constant_values=(0, 0))
    return X_pad


def conv_single_step(a_slice_prev, W, b):
    """One filter applied at one position: Z = Σ (a_slice_prev ⊙ W) + b.

    Args:
        a_slice_prev: (f, f, n_C_prev) slice of the input.
        W: (f, f, n_C_prev) one filter.
        b: (1, 1, 1) its bias.

    Returns:
        Z: a scalar.
    """
    s = np.multiply(a_slice_prev, W)
    Z = np.sum(s)
    Z = Z + float(np.sum(b))
    return Z


def conv_forward(A_prev, W, b, hparameters):
    """Forward propagation of a convolution, looping over examples, positions and filters.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).
        W: (f, f, n_C_prev, n_C).
        b: (1, 1, 1, n_C) or (n_C,).
        hparameters: {"stride": s, "pad": p}.

    Returns:
        Z: (m, n_H, n_W, n_C).
        cache: (A_prev, W, b, hparameters) for conv_backward.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    b = np.reshape(b, (1, 1, 1, n_C))
    stride = hparameters["stride"]
    pad = hparameters["pad"]

    n_H = int((n_H_prev + 2 * pad - f) / stride) + 1
    n_W = int((n_W_prev + 2 * pad - f) / stride) + 1

    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    weights = W[:, :, :, c]
                    biases = b[:, :, :, c]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, weights, biases)

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_backward(dZ, cache):
    """Backward propagation of a convolution.

    Args:
        dZ: (m, n_H, n_W, n_C), dJ/dZ.
        cache: from conv_forward.

    Returns:
        dA_prev: (m, n_H_prev, n_W_prev, n_C_prev).
        dW: (f, f, n_C_prev, n_C).
        db: (1, 1, 1, n_C).
    """
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape

    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))

    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += (
                        W[:, :, :, c] * dZ[i, h, w, c])
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # Crop the padding: the gradient of the zeros is not the input's.
        dA_prev[i, :, :, :] = da_prev_pad[pad:da_prev_pad.shape[0] - pad,
                                          pad:da_prev_pad.shape[1] - pad, :]

    assert dA_prev.shape == (m, n_H_prev, n_W_prev, n_C_prev)
    return dA_prev, dW, db


def pool_forward(A_prev, hparameters, mode="max"):
    """Forward propagation of a pooling layer.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C).
        hparameters: {"f": f, "stride": s}.
        mode: "max" or "average".

    Returns:
        A: (m, n_H, n_W, n_C) with n_H = ⌊(n_H_prev − f)/stride⌋ + 1.
        cache: (A_prev, hparameters) for pool_backward.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]

    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev

    A = np.zeros((m, n_H, n_W, n_C))

    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)

    cache = (A_prev, hparameters)
    return A, cache


def create_mask_from_window(x):
    """A boolean mask of the maximal entries of x (f, f).

    NOTE: the course marks every entry equal to the max, so a tie sends the full gradient to
    each tied entry; npdeep.functional.max_pool2d sends it to the first one only (as PyTorch).
    They agree whenever the max of each window is unique.
    """
    mask = x == np.max(x)
    return mask


def distribute_value(dz, shape):
    """Spread dz evenly over a window of ``shape`` (n_H, n_W): the average pool's gradient."""
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.ones(shape) * average
    return a


def pool_backward(dA, cache, mode="max"):
    """Backward propagation of a pooling layer.

    Args:
        dA: (m, n_H, n_W, n_C), dJ/dA.
        cache: from pool_forward.
        mode: "max" or "average".

    Returns:
        dA_prev: (m, n_H_prev, n_W_prev, n_C).
    """
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape

    dA_prev = np.zeros(A_prev.shape)

    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            mask * dA[i, h, w, c])
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        shape = (f, f)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            distribute_value(da, shape))

    assert dA_prev.shape == A_prev.shape
    return dA_prev
