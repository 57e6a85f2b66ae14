"""recipes: the learning-rate schedule a run's settings ask for."""
import pytest

from npdeep.cli.recipes import make_schedule


def test_make_schedule_decays_as_the_course_formula_or_is_constant():
    schedule = make_schedule({"learning_rate": 0.1, "decay_rate": 0.5})
    # α = α0 / (1 + decay_rate · epoch)
    assert [schedule(epoch) for epoch in (0, 1, 2)] == pytest.approx([0.1, 0.1 / 1.5, 0.05])
    assert make_schedule({"learning_rate": 0.1, "decay_rate": 0.0}) is None
