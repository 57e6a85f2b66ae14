"""Gradient descent with momentum: an exponentially weighted average of the gradients."""
from __future__ import annotations

import numpy as np

from npdeep.nn import _pytorch_names as pytorch
from npdeep.optim.gd import LAMBD_DOC, SGD_MOMENTUM
from npdeep.optim.optimizer import PYTORCH_NAMES, Optimizer
from npdeep.validation import check_probability


class Momentum(Optimizer):
    """Gradient descent with momentum (the course's form; Polyak 1964, Sutskever et al. 2013).

    Update rule, with v = 0 at the start::

        v := β · v + (1 − β) · dW
        W := W − α · v

    β = 0.9 averages over about 1/(1 − β) = 10 steps, damping the oscillations across the
    directions in which the gradient keeps changing sign.

    NOTE: PyTorch's ``SGD(momentum=β)`` uses v := β·v + dW (no (1 − β)), so its α means
    something else. PyTorch's update is v := momentum·v + (1 − dampening)·dW, so the course's
    rule with learning rate α equals ``torch.optim.SGD(lr=α, momentum=β, dampening=β)``
    started from a zero momentum buffer (PyTorch otherwise sets v := dW on the first step).

    Args:
        params: an iterable of Parameters, e.g. ``model.parameters()``.
        learning_rate: α > 0.
        beta: β in [0, 1).
        lambd: L2 weight decay (see below), >= 0.
    {lambd}
    State:
        ``v``: one flat array over all parameters (``state_dict()["v"]``).
    """

    _moments = ("v",)

    @pytorch.refuse_pytorch_names(momentum=SGD_MOMENTUM, **PYTORCH_NAMES)
    def __init__(self, params, learning_rate: float = 0.01, beta: float = 0.9,
                 lambd: float = 0.0):
        super().__init__(params, learning_rate, lambd)
        self.beta = check_probability(beta, "beta", "Momentum", high_open=True)

    def _direction(self, sl: slice) -> None:
        g, v, step = self._g[sl], self._state["v"][sl], self._tmp[sl]
        v *= self.beta
        g *= 1.0 - self.beta
        v += g
        np.multiply(v, self.learning_rate, out=step)


Momentum.__doc__ = (Momentum.__doc__ or "").format(lambd=LAMBD_DOC)
