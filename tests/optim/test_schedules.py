"""Learning-rate schedules: values at given epochs and applying them to an optimizer."""
import math

import numpy as np
import pytest

from npdeep import optim
from npdeep.nn import Parameter


def test_inverse_time_decay():
    schedule = optim.InverseTimeDecay(learning_rate0=0.2, decay_rate=1.0)
    assert [schedule(e) for e in range(4)] == pytest.approx([0.2, 0.1, 0.2 / 3, 0.05])


def test_exponential_decay():
    schedule = optim.ExponentialDecay(learning_rate0=0.1, base=0.95)
    assert schedule(0) == pytest.approx(0.1)
    assert schedule(2) == pytest.approx(0.1 * 0.9025)
    assert optim.ExponentialDecay(0.1)(1) == pytest.approx(0.095)  # base 0.95 by default


def test_inverse_sqrt_decay_counts_epochs_from_one():
    schedule = optim.InverseSqrtDecay(learning_rate0=0.1, k=2.0)
    assert schedule(0) == pytest.approx(0.2)  # k/√1 · α0, no division by zero
    assert schedule(3) == pytest.approx(2.0 / math.sqrt(4) * 0.1)


def test_staircase_decay():
    schedule = optim.StaircaseDecay(learning_rate0=0.8, every=2)
    assert [schedule(e) for e in range(6)] == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2, 0.2])
    assert optim.StaircaseDecay(1.0, every=1, factor=0.1)(3) == pytest.approx(1e-3)


def test_step_sets_the_optimizers_learning_rate():
    W = Parameter(np.zeros(2))
    opt = optim.Adam([W], learning_rate=0.5)
    schedule = optim.InverseTimeDecay(learning_rate0=0.5, decay_rate=0.5)
    assert schedule.step(opt, 2) == pytest.approx(0.25)
    assert opt.learning_rate == pytest.approx(0.25)
    W.grad = np.array([1.0, -1.0])
    opt.step()  # Adam's first step has size α in every coordinate
    np.testing.assert_allclose(W.data, [-0.25, 0.25], rtol=1e-7)


def test_errors():
    with pytest.raises(ValueError, match="The 'learning_rate0' parameter of InverseTimeDecay "
                                         "must be a number > 0.0. Got 0 instead."):
        optim.InverseTimeDecay(0, 1.0)
    with pytest.raises(ValueError, match="The 'every' parameter of StaircaseDecay must be an "
                                         "int >= 1. Got 0 instead."):
        optim.StaircaseDecay(0.1, every=0)
    with pytest.raises(ValueError, match="'base' parameter of ExponentialDecay"):
        optim.ExponentialDecay(0.1, base=1.5)
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        optim.ExponentialDecay(0.1)(-1)
