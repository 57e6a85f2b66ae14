"""Weight initializers: zeros, small random (×0.01), He and Xavier.

The course's lesson: zeros leave every unit of a layer computing the same function (symmetry is
never broken); large random values saturate tanh/sigmoid; scaling the variance by the fan-in
n[l-1] keeps activations from exploding or vanishing with depth (He for ReLU, Xavier for tanh).
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.validation import check_choice

INITS = ("zeros", "small", "he", "xavier")


def fan_in(shape: tuple) -> int:
    """n[l-1], the number of inputs of each unit.

    Dense W (n[l], n[l-1]) -> n[l-1]; conv W (f, f, n_C_prev, n_C) -> f·f·n_C_prev.
    """
    if len(shape) == 2:
        return shape[1]
    if len(shape) == 4:
        return shape[0] * shape[1] * shape[2]
    return int(np.prod(shape[:-1])) if len(shape) > 1 else shape[0]


def zeros(shape, dtype=None) -> np.ndarray:
    return np.zeros(shape, dtype=dtype or backend.get_default_dtype())


def small(shape, dtype=None, scale: float = 0.01) -> np.ndarray:
    """N(0, 1) · 0.01, the course's first initialization."""
    dtype = dtype or backend.get_default_dtype()
    return (backend.rng().standard_normal(shape) * scale).astype(dtype)


def he(shape, dtype=None, n_prev: int | None = None) -> np.ndarray:
    """N(0, 1) · √(2 / n[l-1]) (He et al. 2015), for ReLU layers."""
    dtype = dtype or backend.get_default_dtype()
    n_prev = n_prev or fan_in(tuple(shape))
    return (backend.rng().standard_normal(shape) * np.sqrt(2.0 / n_prev)).astype(dtype)


def xavier(shape, dtype=None, n_prev: int | None = None) -> np.ndarray:
    """N(0, 1) · √(1 / n[l-1]) (the course's Xavier), for tanh layers."""
    dtype = dtype or backend.get_default_dtype()
    n_prev = n_prev or fan_in(tuple(shape))
    return (backend.rng().standard_normal(shape) * np.sqrt(1.0 / n_prev)).astype(dtype)


def initialize(kind: str, shape, dtype=None, where: str = "init") -> np.ndarray:
    """Dispatch on the name of an initializer ("zeros", "small", "he", "xavier")."""
    check_choice(kind, "init", where, INITS)
    return {"zeros": zeros, "small": small, "he": he, "xavier": xavier}[kind](shape, dtype)
