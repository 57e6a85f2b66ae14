"""Batch normalization layers: BatchNorm1d for dense (m, n), BatchNorm2d for NHWC images."""
from __future__ import annotations

import numbers

import numpy as np

from npdeep import backend
from npdeep import functional as F
from npdeep.validation import check_int
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor


class _BatchNorm(Module):
    """Shared parameters, buffers and checks of BatchNorm1d and BatchNorm2d."""

    def __init__(self, n: int, momentum: float, epsilon: float, n_name: str):
        super().__init__()
        where = type(self).__name__
        self.n = check_int(n, n_name, where)
        if (isinstance(momentum, bool) or not isinstance(momentum, numbers.Real)
                or not 0 <= momentum <= 1):
            raise ValueError(f"The 'momentum' parameter of {where} must be a float in [0, 1]. "
                             f"Got {momentum!r} instead.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or epsilon <= 0:
            raise ValueError(f"The 'epsilon' parameter of {where} must be a float > 0. "
                             f"Got {epsilon!r} instead.")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        dtype = backend.get_default_dtype()
        self.gamma = Parameter(np.ones(n, dtype=dtype))
        self.beta = Parameter(np.zeros(n, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(n, dtype=dtype))
        self.register_buffer("running_var", np.ones(n, dtype=dtype))

    def forward(self, Z: Tensor) -> Tensor:
        self._check_input(Z)
        return F.batch_norm(Z, self.gamma, self.beta, self.running_mean, self.running_var,
                            training=self.training, momentum=self.momentum,
                            epsilon=self.epsilon)

    def extra_repr(self) -> str:
        return f"{self.n}, momentum={self.momentum}, epsilon={self.epsilon}"


class BatchNorm1d(_BatchNorm):
    """Batch norm of dense pre-activations: Z̃ = γ · (Z − μ)/√(σ² + ε) + β, per unit.

    Args:
        n: n[l], the number of units (features).
        momentum: β of the running averages (the course's exponentially weighted average;
            PyTorch's momentum is 1 − ours).
        epsilon: ε added to the variance.

    Parameters:
        gamma: (n,), ones; beta: (n,), zeros.

    Buffers:
        running_mean: (n,), zeros; running_var: (n,), ones — used in eval mode.

    Shape:
        input (m, n) -> output (m, n).

    Example:
        >>> model = Sequential(Linear(784, 64, bias=False), BatchNorm1d(64), ReLU(), ...)
    """

    def __init__(self, n: int, momentum: float = 0.9, epsilon: float = 1e-5):
        super().__init__(n, momentum, epsilon, "n")

    def _check_input(self, Z) -> None:
        if Z.ndim != 2 or Z.shape[1] != self.n:
            hint = "; for images use BatchNorm2d" if Z.ndim == 4 else ""
            raise ValueError(f"{self!r} expected input of shape (m, {self.n}) but got "
                             f"{tuple(Z.shape)}{hint}")


class BatchNorm2d(_BatchNorm):
    """Batch norm of NHWC feature maps: one μ, σ², γ and β per channel, over m, n_H, n_W.

    Args:
        n_C: the number of channels.
        momentum: β of the running averages (PyTorch's momentum is 1 − ours).
        epsilon: ε added to the variance.

    Parameters:
        gamma: (n_C,), ones; beta: (n_C,), zeros.

    Buffers:
        running_mean: (n_C,), zeros; running_var: (n_C,), ones — used in eval mode.

    Shape:
        input (m, n_H, n_W, n_C) -> output (m, n_H, n_W, n_C).
    """

    def __init__(self, n_C: int, momentum: float = 0.9, epsilon: float = 1e-5):
        super().__init__(n_C, momentum, epsilon, "n_C")

    def _check_input(self, Z) -> None:
        if Z.ndim != 4 or Z.shape[-1] != self.n:
            hint = ""
            if Z.ndim == 4 and Z.shape[1] == self.n:
                hint = "; images are NHWC — did you pass NCHW?"
            raise ValueError(f"{self!r} expected input of shape (m, n_H, n_W, {self.n}) but "
                             f"got {tuple(Z.shape)}{hint}")
