"""Gradient descent: W := W − α·dW."""
from __future__ import annotations

import numpy as np

from npdeep.nn import _pytorch_names as pytorch
from npdeep.optim.optimizer import PYTORCH_NAMES, Optimizer

# PyTorch's SGD(momentum=β) keeps v := β·v + dW, which is the course's v divided by (1 − β).
SGD_MOMENTUM = ("npdeep's momentum is its own optimizer, optim.Momentum(params, beta=β), in "
                "the course's form v := β·v + (1 − β)·dW; PyTorch's SGD(lr=α, momentum=β) "
                "omits the (1 − β), so it equals Momentum(learning_rate=α/(1 − β), beta=β)")

LAMBD_DOC = """
    L2 regularization (``lambd``): ``lambd·W`` is added to the gradient of every weight
    parameter (ndim >= 2; not biases, gamma or beta) before the update, i.e. the gradient of
    (lambd/2)·‖W‖². The course's cost term λ/(2m)·Σ‖W[l]‖² therefore corresponds to
    ``lambd = λ/m``. This is exactly PyTorch's ``weight_decay`` (L2 added to the gradient, not
    AdamW's decoupled decay): ``weight_decay=wd`` is ``lambd=wd``; PyTorch's ``lr`` is
    ``learning_rate``. Those PyTorch keywords raise TypeError saying so. To put the term in
    the cost itself instead (so that it shows in J), use :func:`npdeep.functional.l2_penalty`
    and leave ``lambd=0``.
"""


class GD(Optimizer):
    """(Mini-batch) gradient descent, the course's ``update_parameters``.

    Update rule, for each parameter W with gradient dW::

        W := W − α · dW

    Args:
        params: an iterable of Parameters, e.g. ``model.parameters()``.
        learning_rate: α > 0.
        lambd: L2 weight decay (see below), >= 0.
    {lambd}
    Example:
        >>> optimizer = GD(model.parameters(), learning_rate=0.0075)
        >>> optimizer.zero_grad(); cost.backward(); optimizer.step()
    """

    @pytorch.refuse_pytorch_names(momentum=SGD_MOMENTUM, **PYTORCH_NAMES)
    def __init__(self, params, learning_rate: float = 0.01, lambd: float = 0.0):
        super().__init__(params, learning_rate, lambd)

    def _direction(self, sl: slice) -> None:
        np.multiply(self._g[sl], self.learning_rate, out=self._tmp[sl])


GD.__doc__ = (GD.__doc__ or "").format(lambd=LAMBD_DOC)
