"""Batch normalization layers: BatchNorm1d for dense (m, n), BatchNorm2d for NHWC images."""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep import functional as F
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor
from npdeep.validation import check_images, check_int, check_positive, check_probability

# BatchNorm's second and third arguments are keyword-only: PyTorch's are (eps, momentum), in
# that order and with another meaning of momentum, so a positional number would be misread.
_POSITIONAL_HINT = ("running_avg_beta and epsilon are keyword-only, because PyTorch's "
                    "positional arguments after the size are eps and momentum (momentum = "
                    "1 − running_avg_beta); write e.g. BatchNorm1d(n, running_avg_beta=0.9, "
                    "epsilon=1e-5)")
_REFUSED = dict(momentum=pytorch.BN_MOMENTUM, eps=pytorch.EPS,
                num_features="npdeep uses the course's name: BatchNorm1d(n) with n = n[l] "
                             "units, BatchNorm2d(n_C) with n_C channels (positional is fine)")


class _BatchNorm(Module):
    """Shared parameters, buffers and checks of BatchNorm1d and BatchNorm2d."""

    def __init__(self, n: int, running_avg_beta: float, epsilon: float, n_name: str):
        super().__init__()
        where = type(self).__name__
        self.n = check_int(n, n_name, where)
        self.running_avg_beta = check_probability(running_avg_beta, "running_avg_beta", where)
        self.epsilon = check_positive(epsilon, "epsilon", where)
        dtype = backend.get_default_dtype()
        self.gamma = Parameter(np.ones(n, dtype=dtype))
        self.beta = Parameter(np.zeros(n, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(n, dtype=dtype))
        self.register_buffer("running_var", np.ones(n, dtype=dtype))

    def forward(self, Z: Tensor) -> Tensor:
        self._check_input(Z)
        return F.batch_norm(Z, self.gamma, self.beta, self.running_mean, self.running_var,
                            training=self.training, momentum=self.running_avg_beta,
                            epsilon=self.epsilon)

    def extra_repr(self) -> str:
        return f"{self.n}, running_avg_beta={self.running_avg_beta}, epsilon={self.epsilon}"


class BatchNorm1d(_BatchNorm):
    """Batch norm of dense pre-activations: Z̃ = γ · (Z − μ)/√(σ² + ε) + β, per unit.

    Args:
        n: n[l], the number of units (features).
        running_avg_beta: β of the running averages of μ and σ² kept for eval mode, the
            course's exponentially weighted average running = β·running + (1 − β)·batch
            (not the shift parameter beta). Keyword-only. PyTorch's ``momentum`` weighs the
            new batch instead: momentum = 1 − running_avg_beta, so PyTorch's default 0.1 is
            0.9 here; ``momentum=`` raises TypeError saying so.
        epsilon: ε added to the variance (PyTorch's ``eps``). Keyword-only.

    Parameters:
        gamma: (n,), ones; beta: (n,), zeros.

    Buffers:
        running_mean: (n,), zeros; running_var: (n,), ones — used in eval mode.

    Shape:
        input (m, n) -> output (m, n).

    Example:
        >>> model = Sequential(Linear(784, 64, bias=False), BatchNorm1d(64), ReLU(), ...)
    """

    example_ndim = 1

    @pytorch.refuse_pytorch_names(_POSITIONAL_HINT, **_REFUSED)
    def __init__(self, n: int, *, running_avg_beta: float = 0.9, epsilon: float = 1e-5):
        super().__init__(n, running_avg_beta, epsilon, "n")

    def _check_input(self, Z) -> None:
        if Z.ndim != 2 or Z.shape[1] != self.n:
            hint = "; for images use BatchNorm2d" if Z.ndim == 4 else ""
            raise ValueError(f"{self!r} expected input of shape (m, {self.n}) but got "
                             f"{tuple(Z.shape)}{hint}")


class BatchNorm2d(_BatchNorm):
    """Batch norm of NHWC feature maps: one μ, σ², γ and β per channel, over m, n_H, n_W.

    Args:
        n_C: the number of channels.
        running_avg_beta: β of the running averages, as in :class:`BatchNorm1d`
            (PyTorch's momentum = 1 − running_avg_beta). Keyword-only.
        epsilon: ε added to the variance. Keyword-only.

    Parameters:
        gamma: (n_C,), ones; beta: (n_C,), zeros.

    Buffers:
        running_mean: (n_C,), zeros; running_var: (n_C,), ones — used in eval mode.

    Shape:
        input (m, n_H, n_W, n_C) -> output (m, n_H, n_W, n_C).
    """

    example_ndim = 3

    @pytorch.refuse_pytorch_names(_POSITIONAL_HINT, **_REFUSED)
    def __init__(self, n_C: int, *, running_avg_beta: float = 0.9, epsilon: float = 1e-5):
        super().__init__(n_C, running_avg_beta, epsilon, "n_C")

    def _check_input(self, Z) -> None:
        check_images(Z.shape, self.n, repr(self))
