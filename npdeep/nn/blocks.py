"""Building blocks of deep CNNs: ResNet's residual blocks and GoogLeNet's Inception module.

Course 4, week 2. A residual block adds its input to the output of a few layers,
a[l+2] = g(z[l+2] + a[l]), so a block can learn the identity by driving its weights to zero and
very deep networks keep training (He et al. 2015). An Inception module runs 1x1, 3x3, 5x5
convolutions and a max pool side by side and stacks their outputs on the channels, letting the
network choose the filter size; 1x1 "bottleneck" convolutions shrink n_C first to keep the
cost down (Szegedy et al. 2014).
"""
from __future__ import annotations

import numpy as np

from npdeep import functional as F
from npdeep.functional.conv import zero_pad
from npdeep.functional.pool import max_pool2d
from npdeep.functional.shape import concatenate
from npdeep.nn.activation import ReLU
from npdeep.nn.container import Sequential
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.conv import Conv2d
from npdeep.nn.module import Module
from npdeep.nn.normalization import BatchNorm2d
from npdeep.tensor import Tensor
from npdeep.validation import check_images, check_int


def _conv(n_C_prev, n_C, f, stride=1, padding=0, bias=False):
    return Conv2d(n_C_prev, n_C, f, stride=stride, padding=padding, bias=bias)


def _bn(n_C):
    return BatchNorm2d(n_C)


class PaddedMaxPool2d(Module):
    """Max pooling over an input padded by ``padding`` on every side with −∞.

    The pools of GoogLeNet (3x3, stride 1, "same") and of ResNet's stem (3x3, stride 2,
    pad 1) need padding; −∞ (not 0) makes the border never win a max, so negative inputs pool
    as they would without it. Composed from zero_pad, an add and max_pool2d, so the gradient
    comes from those ops: the border gets none.

    Shape:
        (m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C),
        n_H = ⌊(n_H_prev + 2·padding − f)/stride⌋ + 1.
    """

    example_ndim = 3

    @pytorch.refuse_pytorch_names(kernel_size=pytorch.KERNEL_SIZE)
    def __init__(self, f: int, stride: int | None = None, padding: int = 0):
        super().__init__()
        where = "PaddedMaxPool2d"
        self.f = check_int(f, "f", where)
        self.stride = self.f if stride is None else check_int(stride, "stride", where)
        padding = check_int(padding, "padding", where, low=0)
        if padding > self.f // 2:
            raise ValueError(f"PaddedMaxPool2d: padding={padding} is more than half the "
                             f"{self.f}x{self.f} window; some windows would hold only padding")
        self.padding = padding

    def forward(self, A_prev):
        if not isinstance(A_prev, Tensor):
            A_prev = Tensor(A_prev)
        p = self.padding
        if p:
            if A_prev.ndim != 4:
                raise ValueError(f"{self!r} expected input of shape (m, n_H, n_W, n_C) but got "
                                 f"{tuple(A_prev.shape)}")
            m, n_H_prev, n_W_prev, n_C = A_prev.shape
            border = np.full((1, n_H_prev + 2 * p, n_W_prev + 2 * p, 1), -np.inf,
                             dtype=A_prev.dtype)
            border[:, p:p + n_H_prev, p:p + n_W_prev] = 0
            # (m, n_H_prev + 2p, n_W_prev + 2p, n_C), with −∞ on the border
            A_prev = zero_pad(A_prev, p) + Tensor(border)
        return max_pool2d(A_prev, self.f, self.stride)

    def extra_repr(self) -> str:
        return f"f={self.f}, stride={self.stride}, padding={self.padding}"


def _shortcut(where: str, n_C_prev: int, n_C: int, stride: int, projection):
    """The projection shortcut (1x1 conv, stride s, + BatchNorm), or None for the identity."""
    needed = stride != 1 or n_C_prev != n_C
    if projection is None:
        projection = needed
    elif not isinstance(projection, bool):
        # Not check_choice: 1 == True, so `1 in (None, True, False)` would pass.
        raise ValueError(f"The 'projection' parameter of {where} must be None, True or False. "
                         f"Got {projection!r} instead.")
    elif needed and not projection:
        raise ValueError(f"{where}: an identity shortcut needs stride 1 and n_C_prev == "
                         f"{n_C} output channels, but stride={stride} and n_C_prev={n_C_prev}; "
                         "use projection=True (or None)")
    if not projection:
        return None
    return Sequential(_conv(n_C_prev, n_C, 1, stride=stride), _bn(n_C))


class _Residual(Module):
    """ReLU(main(X) + shortcut(X)): what both residual blocks compute once built.

    Subclasses set ``n_C_prev``, ``main`` (a Sequential) and ``shortcut`` (None for the
    identity).
    """

    def forward(self, X):
        check_images(X.shape, self.n_C_prev, f"{type(self).__name__}({self.extra_repr()})")
        Z_main = self.main(X)
        shortcut = X if self.shortcut is None else self.shortcut(X)
        return F.relu(Z_main + shortcut)

    def _shortcut_kind(self) -> str:
        return "identity" if self.shortcut is None else "projection"


class ResidualBlock(_Residual):
    """ResNet-50's bottleneck block: the course's identity block and convolutional block.

    Main path: CONV 1x1 (F1, stride s) -> BN -> ReLU -> CONV fxf (F2, same) -> BN -> ReLU ->
    CONV 1x1 (F3) -> BN. Shortcut: the input itself (identity block) or CONV 1x1 (F3, stride s)
    -> BN (convolutional block), needed when the shapes differ. Output: ReLU(main + shortcut).
    As in the course, the stride sits on the first 1x1 convolution.

    The convolutions have no bias: the BatchNorm after each subtracts the mean, which would
    cancel b, and β plays its role.

    Args:
        n_C_prev: channels of the input.
        filters: (F1, F2, F3), the channels of the three convolutions.
        f: the middle convolution's window.
        stride: s, the downsampling of the block (1 for an identity block).
        projection: None picks the identity shortcut where the shapes allow it (stride 1 and
            n_C_prev == F3) and the 1x1 projection otherwise; True/False force it.

    Shape:
        (m, n_H, n_W, n_C_prev) -> (m, ⌊(n_H − 1)/s⌋ + 1, ⌊(n_W − 1)/s⌋ + 1, F3).
    """

    def __init__(self, n_C_prev: int, filters=(64, 64, 256), f: int = 3, stride: int = 1,
                 projection=None):
        super().__init__()
        self.n_C_prev = check_int(n_C_prev, "n_C_prev", "ResidualBlock")
        filters = tuple(filters)
        if len(filters) != 3:
            raise ValueError("The 'filters' parameter of ResidualBlock must be 3 ints "
                             f"(F1, F2, F3). Got {filters!r} instead.")
        F1, F2, F3 = (check_int(n, "filters", "ResidualBlock") for n in filters)
        self.filters, self.f = (F1, F2, F3), check_int(f, "f", "ResidualBlock")
        self.stride = check_int(stride, "stride", "ResidualBlock")
        self.main = Sequential(
            _conv(n_C_prev, F1, 1, stride=stride), _bn(F1), ReLU(),
            _conv(F1, F2, f, padding="same"), _bn(F2), ReLU(),
            _conv(F2, F3, 1), _bn(F3))
        self.shortcut = _shortcut("ResidualBlock", n_C_prev, F3, stride, projection)


    def extra_repr(self) -> str:
        return (f"{self.n_C_prev}, filters={self.filters}, f={self.f}, stride={self.stride}, "
                f"shortcut={self._shortcut_kind()!r}")


class BasicBlock(_Residual):
    """The two-layer residual block of small ResNets (ResNet-18/34).

    Main path: CONV 3x3 (n_C, stride s, pad 1) -> BN -> ReLU -> CONV 3x3 (n_C, pad 1) -> BN.
    Shortcut: identity, or CONV 1x1 (n_C, stride s) -> BN when the shapes differ.
    Output: ReLU(main + shortcut).

    Args:
        n_C_prev: channels of the input.
        n_C: channels of both convolutions and of the output.
        stride: s, the downsampling of the block.
        projection: as in :class:`ResidualBlock`.

    Shape:
        (m, n_H, n_W, n_C_prev) -> (m, ⌊(n_H − 1)/s⌋ + 1, ⌊(n_W − 1)/s⌋ + 1, n_C).
    """

    def __init__(self, n_C_prev: int, n_C: int, stride: int = 1, projection=None):
        super().__init__()
        self.n_C_prev = check_int(n_C_prev, "n_C_prev", "BasicBlock")
        self.n_C = check_int(n_C, "n_C", "BasicBlock")
        self.stride = check_int(stride, "stride", "BasicBlock")
        self.main = Sequential(
            _conv(n_C_prev, n_C, 3, stride=stride, padding=1), _bn(n_C), ReLU(),
            _conv(n_C, n_C, 3, padding=1), _bn(n_C))
        self.shortcut = _shortcut("BasicBlock", n_C_prev, n_C, stride, projection)


    def extra_repr(self) -> str:
        return (f"{self.n_C_prev}, {self.n_C}, stride={self.stride}, "
                f"shortcut={self._shortcut_kind()!r}")


class InceptionModule(Module):
    """GoogLeNet's Inception module: four branches side by side, stacked on the channels.

    Branches (each convolution followed by ReLU, all keeping n_H x n_W):
        1. CONV 1x1 (n1x1)
        2. CONV 1x1 (n3x3_reduce) -> CONV 3x3 same (n3x3)
        3. CONV 1x1 (n5x5_reduce) -> CONV 5x5 same (n5x5)
        4. MAX POOL 3x3 (stride 1, same) -> CONV 1x1 (pool_proj)

    The 1x1 "reduce" convolutions are the course's bottleneck layer: they shrink n_C before the
    costly 3x3 and 5x5 convolutions (e.g. 192 -> 16 channels cuts the 5x5 cost about tenfold).

    Shape:
        (m, n_H, n_W, n_C_prev) -> (m, n_H, n_W, n1x1 + n3x3 + n5x5 + pool_proj).
    """

    def __init__(self, n_C_prev: int, n1x1: int, n3x3_reduce: int, n3x3: int,
                 n5x5_reduce: int, n5x5: int, pool_proj: int):
        super().__init__()
        sizes = dict(n_C_prev=n_C_prev, n1x1=n1x1, n3x3_reduce=n3x3_reduce, n3x3=n3x3,
                     n5x5_reduce=n5x5_reduce, n5x5=n5x5, pool_proj=pool_proj)
        for name, value in sizes.items():
            check_int(value, name, "InceptionModule")
        self.sizes = sizes
        self.n_C_prev = n_C_prev
        self.n_C = n1x1 + n3x3 + n5x5 + pool_proj
        self.branch1 = Sequential(_conv(n_C_prev, n1x1, 1, bias=True), ReLU())
        self.branch2 = Sequential(_conv(n_C_prev, n3x3_reduce, 1, bias=True), ReLU(),
                                  _conv(n3x3_reduce, n3x3, 3, padding="same", bias=True),
                                  ReLU())
        self.branch3 = Sequential(_conv(n_C_prev, n5x5_reduce, 1, bias=True), ReLU(),
                                  _conv(n5x5_reduce, n5x5, 5, padding="same", bias=True),
                                  ReLU())
        self.branch4 = Sequential(PaddedMaxPool2d(3, stride=1, padding=1),
                                  _conv(n_C_prev, pool_proj, 1, bias=True), ReLU())

    def forward(self, X):
        check_images(X.shape, self.n_C_prev, f"{type(self).__name__}({self.extra_repr()})")
        return concatenate([self.branch1(X), self.branch2(X), self.branch3(X),
                            self.branch4(X)], axis=-1)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.sizes.items())

