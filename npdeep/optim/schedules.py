"""Learning-rate decay: α as a function of the epoch number.

Each schedule is called as ``schedule(epoch) -> learning_rate`` with the epoch counted from 0,
and ``schedule.step(optimizer, epoch)`` sets ``optimizer.learning_rate`` to that value::

    schedule = InverseTimeDecay(learning_rate0=0.1, decay_rate=1.0)
    for epoch in range(num_epochs):
        schedule.step(optimizer, epoch)
        ...  # one pass over the mini-batches

Hyperparameters are checked when the schedule is built, and every α a schedule gives is
checked like one passed to an optimizer (finite and > 0): a schedule that has decayed α to
0.0 (an underflow after many epochs) raises instead of silently stopping training.
"""
from __future__ import annotations

import math

from npdeep.validation import (check_float, check_fraction, check_int, check_learning_rate,
                               check_positive)


class Schedule:
    """Base of the schedules: ``__call__(epoch)`` gives α; ``step`` applies it.

    Subclasses write ``_value(epoch)`` (epoch already checked); the base checks the epoch and
    the α that comes out.
    """

    def __init__(self, learning_rate0: float):
        self.learning_rate0 = check_positive(learning_rate0, "learning_rate0",
                                             type(self).__name__)

    def _value(self, epoch: int) -> float:
        raise NotImplementedError

    def __call__(self, epoch: int) -> float:
        where = type(self).__name__
        epoch = check_int(epoch, "epoch", where, low=0)
        # NOTE: with valid hyperparameters only an underflow (0.95**15000 == 0.0) fails here.
        return check_learning_rate(
            self._value(epoch), f"{where} at epoch {epoch}",
            hint="The schedule has decayed α to nothing by this epoch; decay more slowly or "
                 "train for fewer epochs.")

    def step(self, optimizer, epoch: int) -> float:
        """Set ``optimizer.learning_rate`` to this schedule's α at ``epoch``; return it."""
        optimizer.learning_rate = self(epoch)
        return optimizer.learning_rate

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class InverseTimeDecay(Schedule):
    """α = α0 / (1 + decay_rate · ⌊epoch / interval⌋), the course's first decay formula.

    With ``interval=1`` (the default) this is the lectures' α = α0 / (1 + decay_rate · epoch),
    decayed every epoch. A larger ``interval`` is the course's "fixed interval scheduling"
    (``schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval)`` in the
    optimization assignment): α stays constant for ``interval`` epochs, then drops. α0 at
    epoch 0 either way.

    Args:
        learning_rate0: α0 > 0.
        decay_rate: >= 0 (0 keeps α constant).
        interval: the number of epochs between decays (the course's ``time_interval``), >= 1.

    Example:
        >>> [InverseTimeDecay(0.5, decay_rate=1.0, interval=2)(e) for e in range(5)]
        [0.5, 0.5, 0.25, 0.25, 0.1666...]
    """

    def __init__(self, learning_rate0: float, decay_rate: float, interval: int = 1):
        super().__init__(learning_rate0)
        self.decay_rate = check_float(decay_rate, "decay_rate", "InverseTimeDecay", low=0.0)
        self.interval = check_int(interval, "interval", "InverseTimeDecay")

    def _value(self, epoch: int) -> float:
        return self.learning_rate0 / (1.0 + self.decay_rate * (epoch // self.interval))


class ExponentialDecay(Schedule):
    """α = base^epoch · α0 (the course's "exponential decay", e.g. base 0.95).

    Args:
        learning_rate0: α0 > 0.
        base: in (0, 1]; 1 keeps α constant.
    """

    def __init__(self, learning_rate0: float, base: float = 0.95):
        super().__init__(learning_rate0)
        self.base = check_fraction(base, "base", "ExponentialDecay")

    def _value(self, epoch: int) -> float:
        return self.base ** epoch * self.learning_rate0


class InverseSqrtDecay(Schedule):
    """α = k / √(epoch + 1) · α0.

    The course writes k/√(epoch_num)·α0 with epoch_num counted from 1; with npdeep's epochs
    counted from 0 that is epoch + 1, so epoch 0 gives k·α0 (never a division by zero).

    Args:
        learning_rate0: α0 > 0.
        k: > 0.
    """

    def __init__(self, learning_rate0: float, k: float):
        super().__init__(learning_rate0)
        self.k = check_positive(k, "k", "InverseSqrtDecay")

    def _value(self, epoch: int) -> float:
        return self.k / math.sqrt(epoch + 1) * self.learning_rate0


class StaircaseDecay(Schedule):
    """α = α0 · factor^⌊epoch / every⌋: multiply α by ``factor`` (halve it) every ``every`` epochs.

    The course's "discrete staircase". (Not its "fixed interval scheduling", which divides
    α0 by 1 + decay_rate·⌊epoch / time_interval⌋: that is
    ``InverseTimeDecay(learning_rate0, decay_rate, interval=time_interval)``.)

    Args:
        learning_rate0: α0 > 0.
        every: the number of epochs per step of the staircase, >= 1.
        factor: in (0, 1]; 0.5 halves α at each step.
    """

    def __init__(self, learning_rate0: float, every: int, factor: float = 0.5):
        super().__init__(learning_rate0)
        self.every = check_int(every, "every", "StaircaseDecay")
        self.factor = check_fraction(factor, "factor", "StaircaseDecay")

    def _value(self, epoch: int) -> float:
        return self.learning_rate0 * self.factor ** (epoch // self.every)
