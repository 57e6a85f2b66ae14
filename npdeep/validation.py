"""The shared checks of hyperparameters, so that every message reads the same way."""
from __future__ import annotations

import numpy as np


def check_int(value, name: str, where: str, low: int = 1) -> int:
    """``value`` as an int >= ``low``; NumPy integers are accepted, booleans are not.

    Raises:
        ValueError: "The 'stride' parameter of Conv2d must be an int >= 1. Got 0 instead."
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"The '{name}' parameter of {where} must be an int >= {low}. "
                         f"Got {value!r} instead.")
    return int(value)
