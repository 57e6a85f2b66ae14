"""The default dtype and the one random number generator.

npdeep computes with NumPy, called directly (``import numpy as np`` in every module); there is
no array-module indirection, and a GPU backend will come in its own change. Every random draw
goes through :func:`rng`, so that ``npdeep.manual_seed(s)`` makes a whole run repeatable.
"""
from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng()


def get_default_dtype() -> np.dtype:
    """The dtype of new parameters and of tensors built from Python numbers (float32)."""
    return _default_dtype


SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype: float32 (the default) or float64 (gradient checks).

    Raises:
        TypeError: for a dtype that is not floating (int32, bool, ...).
        ValueError: for a floating dtype npdeep does not support (float16, longdouble): its
            ops, tolerances and checkpoints are written for float32 and float64 only.
    """
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in SUPPORTED_DTYPES:
        error = TypeError if dtype.kind != "f" else ValueError
        raise error(f"set_default_dtype: the default dtype must be one of the floating dtypes "
                    f"float32 or float64. Got {dtype} instead.")
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
    """Restore a state from :func:`get_rng_state` so a resumed run draws the same numbers.

    In place when the bit generator is of the same kind: code that holds ``rng()`` across the
    call (a DataLoader mid-epoch, a transform) then draws the restored numbers too.
    """
    global _rng
    if type(_rng.bit_generator).__name__ == state.get("bit_generator"):
        _rng.bit_generator.state = state
        return
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    _rng = np.random.Generator(bit_generator)
