"""The dropout layer."""
from __future__ import annotations

from npdeep import functional as F
from npdeep.functional.dropout import check_keep_prob
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module
from npdeep.tensor import Tensor


class Dropout(Module):
    """Inverted dropout: keeps each unit with probability keep_prob while training.

    In training mode A · D / keep_prob with a fresh random mask D per call; in eval mode (and
    for keep_prob = 1) the identity.

    Args:
        keep_prob: probability of KEEPING each unit, in (0, 1]; keyword-only, because
            PyTorch's positional ``p`` is the probability of dropping one
            (``keep_prob = 1 − p``). ``Dropout(0.8)`` and ``Dropout(p=0.2)`` raise TypeError.

    Shape:
        any input shape -> the same shape.

    Example:
        >>> model = Sequential(Linear(784, 128), ReLU(), Dropout(keep_prob=0.8), Linear(128, 10))
    """

    @pytorch.refuse_pytorch_names(
        positional_hint="keep_prob is keyword-only, because a bare number is ambiguous: "
                        "PyTorch's Dropout(p) DROPS a fraction p of the units, npdeep's "
                        "keep_prob KEEPS that fraction. Write Dropout(keep_prob=...), with "
                        "keep_prob = 1 − p for PyTorch's p",
        p=pytorch.DROPOUT_P)
    def __init__(self, *, keep_prob: float = 0.5):
        super().__init__()
        self.keep_prob = check_keep_prob(keep_prob, "Dropout")

    def forward(self, A: Tensor) -> Tensor:
        return F.dropout(A, self.keep_prob, training=self.training)

    def extra_repr(self) -> str:
        return f"keep_prob={self.keep_prob}"
