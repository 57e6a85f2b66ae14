"""Activation layers: thin wrappers around npdeep.functional's activations."""
from __future__ import annotations

from npdeep import functional as F
from npdeep.nn.module import Module


class ReLU(Module):
    """A = max(0, Z)."""

    def forward(self, Z):
        return F.relu(Z)


class LeakyReLU(Module):
    """A = Z for Z > 0, alpha·Z otherwise."""

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        self.alpha = alpha

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

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, Z):
        return F.softmax(Z, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
