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


def test_inverse_time_decay_with_interval_is_the_courses_fixed_interval_scheduling():
    # The optimization assignment's schedule_lr_decay: α0 / (1 + decay_rate·⌊epoch / interval⌋).
    def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval):
        return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))

    schedule = optim.InverseTimeDecay(learning_rate0=0.5, decay_rate=1.0, interval=2)
    assert [schedule(e) for e in range(5)] == pytest.approx([0.5, 0.5, 0.25, 0.25, 0.5 / 3])
    course = optim.InverseTimeDecay(0.5, decay_rate=0.3, interval=1000)
    for epoch in (0, 999, 1000, 1999, 2000, 5432):
        assert course(epoch) == pytest.approx(schedule_lr_decay(0.5, epoch, 0.3, 1000))
    # interval=1 (the default) is the per-epoch form.
    plain = optim.InverseTimeDecay(0.5, decay_rate=0.3)
    assert [plain(e) for e in range(4)] == pytest.approx([0.5 / (1 + 0.3 * e) for e in range(4)])


def test_staircase_docstring_points_to_the_fixed_interval_form():
    doc = optim.StaircaseDecay.__doc__
    assert "Not its \"fixed interval scheduling\"" in doc and "interval=" in doc


def test_a_schedule_that_decays_to_zero_is_refused():
    schedule = optim.ExponentialDecay(0.1, base=0.5)
    assert schedule(10) > 0
    with pytest.raises(ValueError, match=r"The 'learning_rate' parameter of ExponentialDecay "
                                         r"at epoch 2000 must be a finite number > 0\. Got 0\.0 "
                                         r"instead\. The schedule has decayed"):
        schedule(2000)
    W = Parameter(np.zeros(2))
    opt = optim.GD([W], learning_rate=0.1)
    with pytest.raises(ValueError, match="StaircaseDecay at epoch 5000"):
        optim.StaircaseDecay(0.1, every=1, factor=0.5).step(opt, 5000)
    assert opt.learning_rate == 0.1  # refused before it was set


def test_errors():
    with pytest.raises(ValueError, match="The 'learning_rate0' parameter of InverseTimeDecay "
                                         "must be a finite number > 0. Got 0 instead."):
        optim.InverseTimeDecay(0, 1.0)
    with pytest.raises(ValueError, match="The 'learning_rate0' parameter of ExponentialDecay "
                                         "must be a finite number > 0. Got inf instead."):
        optim.ExponentialDecay(math.inf)
    with pytest.raises(ValueError, match="The 'decay_rate' parameter of InverseTimeDecay "
                                         "must be a finite number >= 0. Got nan instead."):
        optim.InverseTimeDecay(0.1, math.nan)
    with pytest.raises(ValueError, match="The 'interval' parameter of InverseTimeDecay must be "
                                         "an int >= 1. Got 0 instead."):
        optim.InverseTimeDecay(0.1, 1.0, interval=0)
    with pytest.raises(ValueError, match="The 'every' parameter of StaircaseDecay must be an "
                                         "int >= 1. Got 0 instead."):
        optim.StaircaseDecay(0.1, every=0)
    with pytest.raises(ValueError, match="The 'every' parameter of StaircaseDecay must be an "
                                         "int >= 1. Got True instead."):
        optim.StaircaseDecay(0.1, every=True)
    with pytest.raises(ValueError, match=r"The 'base' parameter of ExponentialDecay must be a "
                                         r"finite number in \(0, 1\]\. Got 1\.5 instead\."):
        optim.ExponentialDecay(0.1, base=1.5)
    with pytest.raises(ValueError, match=r"'factor' parameter of StaircaseDecay must be a finite "
                                         r"number in \(0, 1\]\. Got 0 instead"):
        optim.StaircaseDecay(0.1, every=2, factor=0)
    with pytest.raises(ValueError, match="The 'k' parameter of InverseSqrtDecay must be a "
                                         "finite number > 0"):
        optim.InverseSqrtDecay(0.1, k=-1)
    with pytest.raises(ValueError, match="The 'epoch' parameter of ExponentialDecay must be an "
                                         "int >= 0. Got -1 instead."):
        optim.ExponentialDecay(0.1)(-1)
    assert optim.ExponentialDecay(0.1)(np.int64(1)) == pytest.approx(0.095)
