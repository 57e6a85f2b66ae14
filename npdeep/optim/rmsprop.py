"""RMSprop: divide each step by a running root mean square of the gradient."""
from __future__ import annotations

import numpy as np

from npdeep.nn import _pytorch_names as pytorch
from npdeep.optim.gd import LAMBD_DOC
from npdeep.optim.optimizer import PYTORCH_NAMES, Optimizer
from npdeep.validation import check_positive, check_probability


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, Coursera "Neural Networks for Machine Learning", lecture 6e).

    Update rule, with s = 0 at the start (squares are elementwise)::

        s := β · s + (1 − β) · dW²
        W := W − α · dW / (√s + ε)

    Directions with large gradients take smaller steps, and those with small gradients larger
    ones; ε keeps the division finite where s is 0. This is exactly
    ``torch.optim.RMSprop(lr=α, alpha=β, eps=ε)``.

    Args:
        params: an iterable of Parameters, e.g. ``model.parameters()``.
        learning_rate: α > 0.
        beta: β in [0, 1).
        epsilon: ε > 0.
        lambd: L2 weight decay (see below), >= 0.
    {lambd}
    State:
        ``s``: one flat array over all parameters (``state_dict()["s"]``).
    """

    _moments = ("s",)

    @pytorch.refuse_pytorch_names(
        alpha="npdeep uses the course's beta for the average of dW²: PyTorch's alpha=0.99 "
              "is beta=0.99", **PYTORCH_NAMES)
    def __init__(self, params, learning_rate: float = 0.01, beta: float = 0.999,
                 epsilon: float = 1e-8, lambd: float = 0.0):
        super().__init__(params, learning_rate, lambd)
        self.beta = check_probability(beta, "beta", "RMSprop", high_open=True)
        self.epsilon = check_positive(epsilon, "epsilon", "RMSprop")

    def _direction(self, sl: slice) -> None:
        g, s, step = self._g[sl], self._state["s"][sl], self._tmp[sl]
        s *= self.beta
        np.multiply(g, g, out=step)
        step *= 1.0 - self.beta
        s += step
        np.sqrt(s, out=step)
        step += self.epsilon
        np.divide(g, step, out=step)
        step *= self.learning_rate


RMSprop.__doc__ = (RMSprop.__doc__ or "").format(lambd=LAMBD_DOC)
