"""Tests of npdeep/validation.py: the shared hyperparameter checks and their one template."""
import math

import numpy as np
import pytest

from npdeep.validation import (check_bool, check_choice, check_float, check_fraction, check_int,
                               check_learning_rate, check_positive, check_probability)


def test_check_int_accepts_ints_and_numpy_ints_and_returns_plain_int():
    assert check_int(3, "stride", "Conv2d") == 3
    value = check_int(np.int64(2), "stride", "Conv2d")
    assert value == 2 and type(value) is int


@pytest.mark.parametrize("bad", [0, -1, True, 1.0, "2", None])
def test_check_int_message_template(bad):
    with pytest.raises(ValueError, match=r"^The 'stride' parameter of Conv2d must be an int "
                                         r">= 1\. Got .* instead\.$"):
        check_int(bad, "stride", "Conv2d")


def test_check_int_bounds():
    assert check_int(0, "patience", "EarlyStopping", low=0) == 0
    with pytest.raises(ValueError, match=r"must be an int in \[1, 3\]\. Got 4 instead"):
        check_int(4, "n_layers", "replace_head", 1, 3)
    assert check_int(-5, "axis", "f", low=None) == -5


def test_check_float_range_text_and_openness():
    assert check_float(1, "keep_prob", "Dropout", 0, 1, low_open=True) == 1.0
    with pytest.raises(ValueError, match=r"The 'keep_prob' parameter of Dropout must be a "
                                         r"finite number in \(0, 1\]\. Got 0 instead\."):
        check_float(0, "keep_prob", "Dropout", 0, 1, low_open=True)
    with pytest.raises(ValueError, match=r"must be a finite number in \[0, 1\)\. Got 1\.0"):
        check_float(1.0, "beta", "Momentum", 0.0, 1.0, high_open=True)
    with pytest.raises(ValueError, match=r"must be a finite number <= 2\. Got 3"):
        check_float(3, "x", "f", high=2)
    with pytest.raises(ValueError, match=r"must be a finite number > 0\. Got 0 instead\. "
                                         r"Pass a positive norm\.$"):
        check_positive(0, "max_norm", "clip", hint="Pass a positive norm.")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "0.1", None, [0.1]])
def test_check_float_refuses_non_finite_and_non_numbers(bad):
    with pytest.raises(ValueError, match="must be a finite number"):
        check_float(bad, "x", "f")


def test_check_float_returns_plain_float_from_numpy():
    value = check_float(np.float32(0.5), "x", "f", 0, 1)
    assert value == 0.5 and type(value) is float


def test_positive_probability_fraction():
    assert check_positive(1e-8, "epsilon", "Adam") == 1e-8
    with pytest.raises(ValueError, match=r"must be a finite number > 0\. Got 0\.0 instead"):
        check_positive(0.0, "epsilon", "Adam")
    assert check_probability(0.0, "p", "f") == 0.0
    assert check_probability(1.0, "p", "f") == 1.0
    with pytest.raises(ValueError, match=r"in \[0, 1\]\. Got 1\.5"):
        check_probability(1.5, "p", "f")
    assert check_fraction(1.0, "keep_prob", "Dropout") == 1.0
    with pytest.raises(ValueError, match=r"in \(0, 1\]\. Got 0\.0"):
        check_fraction(0.0, "keep_prob", "Dropout")


def test_check_choice():
    assert check_choice("same", "padding", "conv2d", ("valid", "same")) == "same"
    with pytest.raises(ValueError, match=r"^The 'padding' parameter of conv2d must be one of "
                                         r"'valid', 'same'\. Got 'full' instead\.$"):
        check_choice("full", "padding", "conv2d", ("valid", "same"))
    with pytest.raises(ValueError, match="must be one of"):
        check_choice(["same"], "padding", "conv2d", ("valid", "same"))


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, True, "0.1"])
def test_check_learning_rate_refuses(bad):
    with pytest.raises(ValueError, match=r"The 'learning_rate' parameter of Adam must be a "
                                         r"finite number > 0\. Got .* instead\."):
        check_learning_rate(bad, "Adam")


def test_check_learning_rate_hint_and_name():
    assert check_learning_rate(np.float64(0.1), "Adam") == 0.1
    with pytest.raises(ValueError, match=r"The 'schedule' parameter of fit must be a finite "
                                         r"number > 0\. Got -1\.0 instead\. At epoch 3\.$"):
        check_learning_rate(-1.0, "fit", name="schedule", hint="At epoch 3.")


def test_check_images_names_nchw_only_when_it_looks_like_nchw():
    from npdeep.validation import check_images
    check_images((2, 8, 8, 3), 3, "Conv2d(3, 4, f=3)")
    with pytest.raises(ValueError, match=r"expected input of shape \(m, n_H, n_W, 3\) but got "
                                         r"\(2, 3, 8, 8\); images are NHWC — did you pass NCHW\?"):
        check_images((2, 3, 8, 8), 3, "Conv2d(3, 4, f=3)")
    with pytest.raises(ValueError, match=r"but got \(2, 8, 8, 5\)$"):
        check_images((2, 8, 8, 5), 3, "Conv2d(3, 4, f=3)")


@pytest.mark.parametrize("bad", [1, 0, "yes", None, 1.0])
def test_check_bool_refuses_what_is_not_a_bool(bad):
    with pytest.raises(TypeError, match=r"The 'flag' parameter of f must be a bool\. Got "):
        check_bool(bad, "flag", "f")


def test_check_bool_returns_plain_bool():
    assert check_bool(np.bool_(True), "flag", "f") is True
    assert check_bool(False, "flag", "f") is False
