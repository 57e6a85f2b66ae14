"""Learning-rate decay: α as a function of the epoch number.

Each schedule is called as ``schedule(epoch) -> learning_rate`` with the epoch counted from 0,
and ``schedule.step(optimizer, epoch)`` sets ``optimizer.learning_rate`` to that value::

    schedule = InverseTimeDecay(learning_rate0=0.1, decay_rate=1.0)
    for epoch in range(num_epochs):
        schedule.step(optimizer, epoch)
        ...  # one pass over the mini-batches
"""
from __future__ import annotations

import math

from npdeep.optim.optimizer import check_number


class Schedule:
    """Base of the schedules: ``__call__(epoch)`` gives α; ``step`` applies it."""

    def __init__(self, learning_rate0: float):
        self.learning_rate0 = check_number(learning_rate0, "learning_rate0", type(self).__name__,
                                           0.0, low_open=True)

    def __call__(self, epoch: int) -> float:
        raise NotImplementedError

    def _check_epoch(self, epoch) -> int:
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"{type(self).__name__}: epoch must be an int >= 0 (counted from "
                             f"0). Got {epoch!r} instead.")
        return epoch

    def step(self, optimizer, epoch: int) -> float:
        """Set ``optimizer.learning_rate`` to this schedule's α at ``epoch``; return it."""
        optimizer.learning_rate = self(epoch)
        return optimizer.learning_rate


class InverseTimeDecay(Schedule):
    """α = α0 / (1 + decay_rate · epoch), the course's first decay formula (α0 at epoch 0)."""

    def __init__(self, learning_rate0: float, decay_rate: float):
        super().__init__(learning_rate0)
        self.decay_rate = check_number(decay_rate, "decay_rate", "InverseTimeDecay", 0.0)

    def __call__(self, epoch: int) -> float:
        epoch = self._check_epoch(epoch)
        return self.learning_rate0 / (1.0 + self.decay_rate * epoch)


class ExponentialDecay(Schedule):
    """α = base^epoch · α0 (the course's "exponential decay", e.g. base 0.95)."""

    def __init__(self, learning_rate0: float, base: float = 0.95):
        super().__init__(learning_rate0)
        self.base = check_number(base, "base", "ExponentialDecay", 0.0, 1.0, low_open=True,
                                 high_open=False)

    def __call__(self, epoch: int) -> float:
        return self.base ** self._check_epoch(epoch) * self.learning_rate0


class InverseSqrtDecay(Schedule):
    """α = k / √(epoch + 1) · α0.

    The course writes k/√(epoch_num)·α0 with epoch_num counted from 1; with npdeep's epochs
    counted from 0 that is epoch + 1, so epoch 0 gives k·α0 (never a division by zero).
    """

    def __init__(self, learning_rate0: float, k: float):
        super().__init__(learning_rate0)
        self.k = check_number(k, "k", "InverseSqrtDecay", 0.0, low_open=True)

    def __call__(self, epoch: int) -> float:
        return self.k / math.sqrt(self._check_epoch(epoch) + 1) * self.learning_rate0


class StaircaseDecay(Schedule):
    """α = α0 · factor^⌊epoch / every⌋: multiply by ``factor`` (halve) every ``every`` epochs.

    The course's discrete staircase (and its "fixed interval scheduling").
    """

    def __init__(self, learning_rate0: float, every: int, factor: float = 0.5):
        super().__init__(learning_rate0)
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"The 'every' parameter of StaircaseDecay must be an int >= 1. "
                             f"Got {every!r} instead.")
        self.every = every
        self.factor = check_number(factor, "factor", "StaircaseDecay", 0.0, 1.0,
                                   low_open=True, high_open=False)

    def __call__(self, epoch: int) -> float:
        return self.learning_rate0 * self.factor ** (self._check_epoch(epoch) // self.every)
