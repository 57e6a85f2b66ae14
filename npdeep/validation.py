"""The shared checks of hyperparameters, so that every message reads the same way.

Every public constructor or function that takes a hyperparameter checks it once, here, when
the object is built, and every failure reads with one template (scikit-learn's
``_param_validation``)::

    The 'stride' parameter of Conv2d must be an int >= 1. Got 0 instead.

``name`` is the argument as the user spells it, ``where`` the layer, function or class that
took it. Each check returns the value converted to a plain Python ``int``/``float``/``str``, so
NumPy scalars never leak into logs or checkpoints.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


def _fail(name: str, where: str, expected: str, value, hint: str | None = None):
    message = f"The '{name}' parameter of {where} must be {expected}. Got {value!r} instead."
    if hint:
        message += f" {hint}"
    raise ValueError(message)


def _is_int(value) -> bool:
    # bool is an int subclass, but True as a stride is always a mistake.
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _is_real(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def _fmt(bound) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    """'>= 1', '> 0', '<= 1' or 'in (0, 1]' for the bounds given."""
    if low is not None and high is not None:
        return (f"in {'(' if low_open else '['}{_fmt(low)}, "
                f"{_fmt(high)}{')' if high_open else ']'}")
    if low is not None:
        return f"{'>' if low_open else '>='} {_fmt(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_fmt(high)}"
    return ""


def _in_range(value, low, high, low_open: bool, high_open: bool) -> bool:
    if low is not None and not (value > low if low_open else value >= low):
        return False
    if high is not None and not (value < high if high_open else value <= high):
        return False
    return True


def check_int(value, name: str, where: str, low: int | None = 1,
              high: int | None = None) -> int:
    """``value`` as an int in [low, high]; NumPy integers are accepted, booleans are not.

    Args:
        value: what the user passed.
        name: the argument's name, e.g. ``"stride"``.
        where: who took it, e.g. ``"Conv2d"``.
        low, high: inclusive bounds (``None``: unbounded on that side).

    Raises:
        ValueError: "The 'stride' parameter of Conv2d must be an int >= 1. Got 0 instead."

    Example:
        >>> check_int(2, "stride", "Conv2d")
        2
    """
    if not _is_int(value) or not _in_range(value, low, high, False, False):
        rng = _range_text(low, high, False, False)
        _fail(name, where, f"an int {rng}".rstrip(), value)
    return int(value)


def check_float(value, name: str, where: str, low: float | None = None,
                high: float | None = None, low_open: bool = False,
                high_open: bool = False, hint: str | None = None) -> float:
    """``value`` as a finite float between ``low`` and ``high``.

    Bounds are closed unless ``low_open``/``high_open`` is set: ``check_float(x, "keep_prob",
    "Dropout", 0, 1, low_open=True)`` accepts (0, 1]. Ints and NumPy reals are accepted;
    booleans, NaN and ±inf are not. ``hint``, when given, is appended to the message.

    Raises:
        ValueError: "The 'keep_prob' parameter of Dropout must be a number in (0, 1].
            Got 0.0 instead."
    """
    if (not _is_real(value) or not math.isfinite(value)
            or not _in_range(value, low, high, low_open, high_open)):
        rng = _range_text(low, high, low_open, high_open)
        _fail(name, where, f"a finite number {rng}".rstrip(), value, hint)
    return float(value)


def check_positive(value, name: str, where: str, hint: str | None = None) -> float:
    """``value`` as a finite float > 0 (a learning rate, an epsilon, a clip norm)."""
    return check_float(value, name, where, low=0.0, low_open=True, hint=hint)


def check_probability(value, name: str, where: str, low_open: bool = False,
                      high_open: bool = False) -> float:
    """``value`` as a float in [0, 1] (open at either end on request)."""
    return check_float(value, name, where, 0.0, 1.0, low_open=low_open, high_open=high_open)


def check_fraction(value, name: str, where: str) -> float:
    """``value`` as a float in (0, 1]: a keep_prob, a share of the data, a decay base."""
    return check_float(value, name, where, 0.0, 1.0, low_open=True)


def check_bool(value, name: str, where: str) -> bool:
    """``value`` as a bool; TypeError naming ``where`` and ``name`` for anything else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The '{name}' parameter of {where} must be a bool. Got {value!r} "
                        "instead.")
    return bool(value)


def check_choice(value, name: str, where: str, choices) -> object:
    """``value`` if it is one of ``choices``.

    Raises:
        ValueError: "The 'padding' parameter of conv2d must be one of 'valid', 'same'.
            Got 'full' instead."
    """
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # an unhashable or uncomparable value is simply not a choice
        ok = False
    if not ok:
        _fail(name, where, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_learning_rate(value, where: str, name: str = "learning_rate",
                        hint: str | None = None) -> float:
    """``value`` as a learning rate α: a finite float > 0.

    Used for α passed to an optimizer, set on it by hand, or produced by a schedule, so that
    ``schedule=lambda epoch: -1.0`` is refused like ``Adam(params, learning_rate=-1.0)``.
    ``hint`` is appended to the message (e.g. which epoch of a schedule produced the value).

    Raises:
        ValueError: "The 'learning_rate' parameter of Adam must be a finite number > 0.
            Got -1.0 instead."
    """
    return check_positive(value, name, where, hint)


def check_images(shape: tuple, n_C: int, where: str) -> None:
    """Raise ValueError unless ``shape`` is NHWC images (m, n_H, n_W, n_C), naming ``where``.

    A 4-D shape with n_C on axis 1 instead is most likely PyTorch's NCHW: the message says so.
    """
    if len(shape) == 4 and shape[-1] == n_C:
        return
    hint = "; images are NHWC — did you pass NCHW?" if len(shape) == 4 and shape[1] == n_C else ""
    raise ValueError(f"{where} expected input of shape (m, n_H, n_W, {n_C}) but got "
                     f"{tuple(shape)}{hint}")
