"""Inverted dropout: drop each unit with probability 1 − keep_prob and scale the rest up."""
from __future__ import annotations

from npdeep import backend
from npdeep.autograd import Function
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_fraction


def check_keep_prob(keep_prob, where: str) -> float:
    """The shared hyperparameter check for dropout: a finite number in (0, 1]."""
    return check_fraction(keep_prob, "keep_prob", where)


class Dropout(Function):
    @staticmethod
    def forward(ctx, A, keep_prob=1.0):
        D = backend.rng().random(A.shape) < keep_prob  # the course's mask D[l]
        ctx.D, ctx.keep_prob = D, keep_prob
        # A * D then an in-place divide: D / keep_prob would be a float64 array and would turn
        # a float32 A into float64.
        out = A * D
        out /= keep_prob
        return out

    @staticmethod
    def backward(ctx, dA_out):
        # The same units are dropped and the same factor applied: dA = dA_out · D / keep_prob.
        dA = dA_out * ctx.D
        dA /= ctx.keep_prob
        return dA


def dropout(A: Tensor, keep_prob: float, training: bool = True) -> Tensor:
    """Inverted dropout: A · D / keep_prob with D[i] = 1 with probability keep_prob.

    Dividing by keep_prob keeps the expected value of every activation unchanged, so nothing
    needs rescaling at test time, where dropout is the identity (the course's "inverted"
    dropout). The mask comes from npdeep's generator, so ``npdeep.manual_seed`` repeats it.

    Args:
        A: activations of any shape, e.g. (m, n[l]) or (m, n_H, n_W, n_C).
        keep_prob: probability of keeping each unit, in (0, 1].
        training: False (inference) or keep_prob == 1 returns A unchanged.

    Returns:
        A tensor of A's shape.

    Raises:
        ValueError: when keep_prob is not in (0, 1].

    Example:
        >>> A1 = F.dropout(F.relu(Z1), keep_prob=0.8, training=model.training)
    """
    keep_prob = check_keep_prob(keep_prob, "dropout")
    if not training or keep_prob == 1.0:
        return A
    return Dropout.apply(as_tensor(A), keep_prob=keep_prob)
