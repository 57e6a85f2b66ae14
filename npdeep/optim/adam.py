"""Adam: momentum and RMSprop together, with bias correction."""
from __future__ import annotations

import math

import numpy as np

from npdeep.nn import _pytorch_names as pytorch
from npdeep.optim.gd import LAMBD_DOC
from npdeep.optim.optimizer import PYTORCH_NAMES, Optimizer
from npdeep.validation import check_positive, check_probability


class Adam(Optimizer):
    """Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1).

    Update rule at step t = 1, 2, ..., with v = s = 0 at the start (squares elementwise)::

        v := β1 · v + (1 − β1) · dW            (momentum: first moment)
        s := β2 · s + (1 − β2) · dW²           (RMSprop: second moment)
        v_corrected = v / (1 − β1^t)          (bias correction: v and s start at 0)
        s_corrected = s / (1 − β2^t)
        W := W − α · v_corrected / (√s_corrected + ε)

    This is ``torch.optim.Adam(lr=α, betas=(β1, β2), eps=ε)``; ``lambd`` corresponds to its
    ``weight_decay`` for the weights (L2 added to the gradient, not AdamW's decoupled decay).

    Args:
        params: an iterable of Parameters, e.g. ``model.parameters()``.
        learning_rate: α > 0.
        beta1: β1 in [0, 1).
        beta2: β2 in [0, 1).
        epsilon: ε > 0.
        lambd: L2 weight decay (see below), >= 0.
    {lambd}
    State:
        ``v`` and ``s``: one flat array each over all parameters; ``t``: the step count.

    Example:
        >>> optimizer = Adam(model.parameters(), learning_rate=0.001)
        >>> for X, Y in batches:
        ...     optimizer.zero_grad(); F.cross_entropy(model(X), Y).backward(); optimizer.step()
    """

    _moments = ("v", "s")

    @pytorch.refuse_pytorch_names(
        betas="npdeep uses the course's names: betas=(β1, β2) is beta1=β1, beta2=β2",
        **PYTORCH_NAMES)
    def __init__(self, params, learning_rate: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-8, lambd: float = 0.0):
        super().__init__(params, learning_rate, lambd)
        self.beta1 = check_probability(beta1, "beta1", "Adam", high_open=True)
        self.beta2 = check_probability(beta2, "beta2", "Adam", high_open=True)
        self.epsilon = check_positive(epsilon, "epsilon", "Adam")

    def _direction(self, sl: slice) -> None:
        g, v, s, step = self._g[sl], self._state["v"][sl], self._state["s"][sl], self._tmp[sl]
        beta1, beta2, t = self.beta1, self.beta2, self.t
        v *= beta1
        np.multiply(g, 1.0 - beta1, out=step)
        v += step
        s *= beta2
        g *= math.sqrt(1.0 - beta2)         # then g² is (1 − β2)·dW² in one more pass
        np.multiply(g, g, out=g)
        s += g
        # α·v_corrected/(√s_corrected + ε) = c · v/(√s + ε·√(1 − β2^t)) with
        # c = α·√(1 − β2^t)/(1 − β1^t): the corrections become scalars, so no corrected copy
        # of v or s is made and each pass over the buffers does useful work.
        correction2 = math.sqrt(1.0 - beta2 ** t)
        np.sqrt(s, out=step)
        step += self.epsilon * correction2
        np.divide(v, step, out=step)
        step *= self.learning_rate * correction2 / (1.0 - beta1 ** t)


Adam.__doc__ = (Adam.__doc__ or "").format(lambd=LAMBD_DOC)
