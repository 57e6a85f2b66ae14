"""Pooling layers: max, average and global average (no parameters)."""
from __future__ import annotations

from npdeep.functional import pool as pool_ops
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module
from npdeep.tensor import Tensor
from npdeep.validation import check_int


class _Pool2d(Module):
    """A window op of size f × f and a stride, shared by the max and average pools."""

    example_ndim = 3

    _pool = None  # the functional op, set by each subclass

    @pytorch.refuse_pytorch_names(kernel_size=pytorch.KERNEL_SIZE)
    def __init__(self, f: int, stride: int | None = None):
        super().__init__()
        name = type(self).__name__
        self.f = check_int(f, "f", name)
        self.stride = self.f if stride is None else check_int(stride, "stride", name)

    def forward(self, A_prev: Tensor) -> Tensor:
        pool_ops.check_pool_input(tuple(A_prev.shape), self.f, self.stride, repr(self))
        return type(self)._pool(A_prev, self.f, self.stride)

    def extra_repr(self) -> str:
        return f"f={self.f}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """The max of each f × f window, per channel: n_H = ⌊(n_H_prev − f)/stride⌋ + 1.

    Args:
        f: window size.
        stride: step between windows; defaults to f.

    Shape:
        input (m, n_H_prev, n_W_prev, n_C) -> output (m, n_H, n_W, n_C).
    """

    _pool = staticmethod(pool_ops.max_pool2d)


class AvgPool2d(_Pool2d):
    """The mean of each f × f window, per channel: n_H = ⌊(n_H_prev − f)/stride⌋ + 1.

    Args:
        f: window size.
        stride: step between windows; defaults to f.

    Shape:
        input (m, n_H_prev, n_W_prev, n_C) -> output (m, n_H, n_W, n_C).
    """

    _pool = staticmethod(pool_ops.avg_pool2d)


class GlobalAvgPool2d(Module):
    """The mean of each channel over all positions.

    Shape:
        input (m, n_H_prev, n_W_prev, n_C) -> output (m, n_C).
    """

    example_ndim = 3

    def forward(self, A_prev: Tensor) -> Tensor:
        if A_prev.ndim != 4:
            raise ValueError(f"GlobalAvgPool2d() expected input of shape (m, n_H, n_W, n_C) "
                             f"but got {tuple(A_prev.shape)}; images are 4-D NHWC arrays")
        return pool_ops.global_avg_pool2d(A_prev)
