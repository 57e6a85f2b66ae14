"""The array module, the default dtype and the one random number generator.

Everything numeric in npdeep goes through ``xp`` (NumPy today; the code only uses the part of
the NumPy API that CuPy also has) and every random draw goes through :func:`rng`, so that
``npdeep.manual_seed(s)`` makes a whole run repeatable.
"""
from __future__ import annotations

import numpy as np

xp = np

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng()


def get_default_dtype() -> np.dtype:
    """The dtype of new parameters and of tensors built from Python numbers (float32)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype (float32 or float64, e.g. float64 for gradient checks)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype expects a floating dtype. Got {dtype} instead.")
    _default_dtype = dtype


def manual_seed(seed: int) -> None:
    """Seed npdeep's generator: initialization, dropout masks, shuffling and augmentation."""
    global _rng
    _rng = np.random.default_rng(seed)


def rng() -> np.random.Generator:
    """The generator every random draw in npdeep uses."""
    return _rng


def get_rng_state() -> dict:
    """The generator's state as plain Python data (JSON-serializable), for checkpoints."""
    return _rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from :func:`get_rng_state` so a resumed run draws the same numbers."""
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    global _rng
    _rng = np.random.Generator(bit_generator)
