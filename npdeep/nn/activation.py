"""Activation layers: thin wrappers around npdeep.functional's activations."""
from __future__ import annotations

from npdeep import functional as F
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module
from npdeep.validation import check_float, check_int


class ReLU(Module):
    """A = max(0, Z)."""

    def forward(self, Z):
        return F.relu(Z)


class LeakyReLU(Module):
    """A = Z for Z > 0, alpha·Z otherwise.

    Args:
        alpha: the slope for Z < 0, a finite number >= 0 (PyTorch's ``negative_slope``).
    """

    @pytorch.refuse_pytorch_names(
        negative_slope="npdeep uses the course's name: negative_slope=0.01 is alpha=0.01")
    def __init__(self, alpha: float = 0.01):
        super().__init__()
        self.alpha = check_float(alpha, "alpha", "LeakyReLU", low=0.0)

    def forward(self, Z):
        return F.leaky_relu(Z, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Tanh(Module):
    """A = tanh(Z)."""

    def forward(self, Z):
        return F.tanh(Z)


class Sigmoid(Module):
    """A = σ(Z)."""

    def forward(self, Z):
        return F.sigmoid(Z)


class Softmax(Module):
    """A = softmax(Z) along ``axis`` (last by default)."""

    @pytorch.refuse_pytorch_names(dim="npdeep uses NumPy's name: dim=-1 is axis=-1")
    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = check_int(axis, "axis", "Softmax", low=None)

    def forward(self, Z):
        return F.softmax(Z, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
