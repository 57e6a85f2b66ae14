"""The fully connected layer."""
from __future__ import annotations

from npdeep import functional as F
from npdeep import init as initializers
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor
from npdeep.validation import check_int


class Linear(Module):
    """Z[l] = A[l-1] · W[l]ᵀ + b[l].

    Args:
        n_in: n[l-1], the number of input features.
        n_out: n[l], the number of units.
        init: "he" (ReLU layers), "xavier" (tanh), "small" (×0.01) or "zeros".
        bias: whether to learn b.

    PyTorch's ``in_features``/``out_features`` keywords raise TypeError naming n_in/n_out.

    Parameters:
        W: (n[l], n[l-1]); b: (n[l],), initialized to zeros.

    Shape:
        input (m, n[l-1]) -> output (m, n[l]).
    """

    example_ndim = 1

    @pytorch.refuse_pytorch_names(
        in_features="npdeep uses the course's n[l-1]: in_features is n_in (Linear(3, 2) "
                    "positional is fine)",
        out_features="npdeep uses the course's n[l]: out_features is n_out (Linear(3, 2) "
                     "positional is fine)")
    def __init__(self, n_in: int, n_out: int, init: str = "he", bias: bool = True):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", "Linear")
        self.n_out = check_int(n_out, "n_out", "Linear")
        self.init = init
        self.W = Parameter(initializers.initialize(init, (n_out, n_in), where="Linear"))
        self.b = Parameter(initializers.zeros((n_out,))) if bias else None

    def forward(self, A_prev: Tensor) -> Tensor:
        if A_prev.shape[-1:] != (self.n_in,):
            raise ValueError(f"{self!r} expected input of shape (m, {self.n_in}) but got "
                             f"{tuple(A_prev.shape)}")
        return F.linear(A_prev, self.W, self.b)

    def extra_repr(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"{self.n_in}, {self.n_out}, init={self.init!r}{bias}"
