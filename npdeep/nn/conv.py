"""The convolutional layer."""
from __future__ import annotations

from npdeep import init as initializers
from npdeep.functional import conv as conv_ops
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module, Parameter
from npdeep.validation import check_int
from npdeep.tensor import Tensor


class Conv2d(Module):
    """Z = conv(A_prev, W) + b: n_C filters of size f × f × n_C_prev slid over the image.

    n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1 and n_W likewise
    (see :func:`npdeep.functional.conv2d` for "same" padding).

    Args:
        n_C_prev: channels of the input.
        n_C: number of filters (channels of the output).
        f: filter size.
        stride: step between windows.
        padding: int pad >= 0, "valid" or "same".
        bias: whether to learn b.
        init: "he" (ReLU layers), "xavier", "small" or "zeros"; fan-in is f·f·n_C_prev.

    PyTorch's ``in_channels``/``out_channels``/``kernel_size`` keywords raise TypeError naming
    n_C_prev/n_C/f.

    Parameters:
        W: (f, f, n_C_prev, n_C); b: (n_C,), initialized to zeros.

    Shape:
        input (m, n_H_prev, n_W_prev, n_C_prev) -> output (m, n_H, n_W, n_C), NHWC.

    Example:
        >>> layer = Conv2d(3, 8, f=3, padding="same")
        >>> layer(X).shape  # X (16, 64, 64, 3) -> (16, 64, 64, 8)
    """

    example_ndim = 3

    @pytorch.refuse_pytorch_names(
        kernel_size=pytorch.KERNEL_SIZE,
        in_channels="npdeep uses the course's name: in_channels is n_C_prev "
                    "(Conv2d(n_C_prev, n_C, f) positional is fine; images are NHWC)",
        out_channels="npdeep uses the course's name: out_channels is n_C "
                     "(Conv2d(n_C_prev, n_C, f) positional is fine; images are NHWC)")
    def __init__(self, n_C_prev: int, n_C: int, f: int, stride: int = 1, padding=0,
                 bias: bool = True, init: str = "he"):
        super().__init__()
        self.n_C_prev = check_int(n_C_prev, "n_C_prev", "Conv2d")
        self.n_C = check_int(n_C, "n_C", "Conv2d")
        self.f = check_int(f, "f", "Conv2d")
        self.stride = check_int(stride, "stride", "Conv2d")
        self.padding = conv_ops.check_padding(padding, "Conv2d")
        self.init = init
        self.W = Parameter(initializers.initialize(init, (f, f, n_C_prev, n_C), where="Conv2d"))
        self.b = Parameter(initializers.zeros((n_C,))) if bias else None

    def forward(self, A_prev: Tensor) -> Tensor:
        conv_ops.check_conv_input(tuple(A_prev.shape), self.W.shape, None, self.stride,
                                  self.padding, where=repr(self))
        return conv_ops.conv2d(A_prev, self.W, self.b, self.stride, self.padding)

    def extra_repr(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return (f"{self.n_C_prev}, {self.n_C}, f={self.f}, stride={self.stride}, "
                f"padding={self.padding!r}{bias}")
