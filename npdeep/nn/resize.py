"""Layers that change n_H and n_W without weights: zero padding and nearest upsampling.

They adapt an image size to a network's input, e.g. MNIST's 28x28 to LeNet-5's 32x32
(ZeroPad2d(2)) or the 8x8 scikit-learn digits to 32x32 (Upsample2d(4)), inside the model so
that the model takes the data as it comes.
"""
from __future__ import annotations

import numpy as np

from npdeep.functional.conv import zero_pad
from npdeep.validation import check_int
from npdeep.nn.module import Module
from npdeep.tensor import Tensor


def _check_images(layer: Module, X) -> Tensor:
    if not isinstance(X, Tensor):
        X = Tensor(X)
    if X.ndim != 4:
        raise ValueError(f"{layer!r} expected input of shape (m, n_H, n_W, n_C) but got "
                         f"{tuple(X.shape)}")
    return X


class ZeroPad2d(Module):
    """Add ``padding`` zeros around each image (the course's zero_pad, as a layer).

    Args:
        padding: an int p for every side, or ((top, bottom), (left, right)).

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H + top + bottom, n_W + left + right, n_C).
    """

    example_ndim = 3

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
            pads = ((int(padding),) * 2,) * 2
        else:
            try:
                pads = tuple(tuple(int(p) for p in side) for side in padding)
            except TypeError:
                pads = ()
        if (len(pads) != 2 or any(len(side) != 2 for side in pads)
                or any(p < 0 for side in pads for p in side)):
            raise ValueError("The 'padding' parameter of ZeroPad2d must be an int >= 0 or "
                             f"((top, bottom), (left, right)). Got {padding!r} instead.")
        self.padding = pads

    def forward(self, X):
        return zero_pad(_check_images(self, X), self.padding)

    def extra_repr(self) -> str:
        return f"padding={self.padding}"


class Upsample2d(Module):
    """Repeat every pixel ``factor`` times down and across (nearest-neighbour enlargement).

    A[i, h, w, c] = X[i, ⌊h/factor⌋, ⌊w/factor⌋, c]. Built from a reshape and a broadcast
    multiply, so the gradient (the sum over each factor x factor block) comes from those ops.

    Shape:
        (m, n_H, n_W, n_C) -> (m, factor·n_H, factor·n_W, n_C).
    """

    example_ndim = 3

    def __init__(self, factor: int):
        super().__init__()
        self.factor = check_int(factor, "factor", "Upsample2d")

    def forward(self, X):
        X = _check_images(self, X)
        m, n_H, n_W, n_C = X.shape
        k = self.factor
        ones = Tensor(np.ones((1, 1, k, 1, k, 1), dtype=X.dtype))
        blocks = X.reshape(m, n_H, 1, n_W, 1, n_C) * ones  # (m, n_H, k, n_W, k, n_C)
        return blocks.reshape(m, n_H * k, n_W * k, n_C)

    def extra_repr(self) -> str:
        return f"factor={self.factor}"
