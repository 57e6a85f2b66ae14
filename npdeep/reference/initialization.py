"""The course's parameter initializations, drawing the course notebooks' random numbers.

Each function fills W[l] of shape (n[l], n[l-1]) and b[l] = 0 of shape (n[l], 1) for
l = 1 .. L, layer by layer in the course's order:

- ``initialize_parameters`` (course 1 week 4, two layers): randn · 0.01; the notebook's seed 1.
- ``initialize_parameters_deep`` (course 1 week 4, "Step by Step"): randn · 0.01 (init="small");
  seed 3. The week-4 application's version is init="xavier": randn / √n[l-1]; seed 1.
- ``initialize_parameters_zeros`` (course 2 week 1): zeros, which never break the symmetry.
- ``initialize_parameters_random`` (course 2 week 1): randn · 10 (init="large"); seed 3.
- ``initialize_parameters_he`` (course 2 week 1): randn · √(2/n[l-1]) (init="he"); seed 3.

With ``seed=s`` the draws are the stream of ``np.random.seed(s)`` followed by
``np.random.randn`` (the legacy Mersenne Twister the notebooks use), so a learner sees the
notebook's numbers; NumPy's global generator is left untouched. With ``seed=None`` the draws
come from npdeep's generator (``npdeep.manual_seed``), as every other random draw in npdeep.

Example:
    >>> initialize_parameters_deep([5, 4, 3], seed=3)["W1"][0, :2]   # the notebook's values
    array([0.01788628, 0.0043651 ])
"""
from __future__ import annotations

import numpy as np

from npdeep import backend

# How each scheme scales a standard-normal draw W; written as the course writes it (divide by
# √n for "xavier") so that the values agree with the notebooks' to the last bit.
_SCALINGS = {
    "small": lambda W, n_prev: W * 0.01,
    "xavier": lambda W, n_prev: W / np.sqrt(n_prev),
    "he": lambda W, n_prev: W * np.sqrt(2.0 / n_prev),
    "large": lambda W, n_prev: W * 10,
}
INITS = (*_SCALINGS, "zeros")


def _check_layer_dims(layer_dims, where: str) -> list:
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in dims):
        raise ValueError(f"{where}: layer_dims must be a list [n[0], n[1], ..., n[L]] of at "
                         f"least two ints >= 1. Got {layer_dims!r} instead.")
    return [int(n) for n in dims]


def _initialize(layer_dims, init: str, seed, dtype, where: str) -> dict:
    """W[l] (scaled draw) and b[l] (zeros), layer by layer in the course's order."""
    if init not in INITS:
        raise ValueError(f"The 'init' parameter of {where} must be one of {INITS}. "
                         f"Got {init!r} instead.")
    dims = _check_layer_dims(layer_dims, where)
    if seed is not None:
        randn = np.random.RandomState(seed).randn  # = np.random.seed(seed); np.random.randn
    else:
        generator = backend.rng()

        def randn(*shape):
            return generator.standard_normal(shape)
    parameters = {}
    for l in range(1, len(dims)):
        if init == "zeros":  # the course draws nothing here
            W = np.zeros((dims[l], dims[l - 1]))
        else:
            W = _SCALINGS[init](randn(dims[l], dims[l - 1]), dims[l - 1])
        parameters["W" + str(l)] = W.astype(dtype)
        parameters["b" + str(l)] = np.zeros((dims[l], 1), dtype=dtype)
    return parameters


def initialize_parameters_deep(layer_dims, seed: int | None = None, init: str = "small",
                               dtype=np.float64) -> dict:
    """W[l] = randn(n[l], n[l-1]) · scale and b[l] = 0 for l = 1 .. L.

    Args:
        layer_dims: [n[0], n[1], ..., n[L]], n[0] = n_x.
        seed: the notebooks' ``np.random.seed`` (3 in "Step by Step", 1 in the week-4
            application); None draws from npdeep's generator.
        init: "small" (× 0.01, the course's first version), "xavier" (/ √n[l-1], the week-4
            application), "he" (× √(2/n[l-1])), "large" (× 10) or "zeros".
        dtype: float64 by default (the reference is used in gradient checks).

    Returns:
        parameters: {"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL", "bL"}.

    Raises:
        ValueError: for an unknown ``init`` or layer_dims that are not ints >= 1.

    Example:
        >>> parameters = initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1,
        ...                                         init="xavier")
    """
    return _initialize(layer_dims, init, seed, dtype, "initialize_parameters_deep")


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = None,
                          dtype=np.float64) -> dict:
    """The two-layer network's W1 = randn(n_h, n_x) · 0.01, b1 = 0, W2 = randn(n_y, n_h) · 0.01,
    b2 = 0 (the course seeds it with 1).

    Returns:
        parameters: {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}.
    """
    return _initialize([n_x, n_h, n_y], "small", seed, dtype, "initialize_parameters")


def initialize_parameters_zeros(layers_dims, dtype=np.float64) -> dict:
    """Every W[l] and b[l] zero: the symmetric start that the course shows fails to learn
    (every unit of a layer computes the same function and receives the same gradient)."""
    return _initialize(layers_dims, "zeros", None, dtype, "initialize_parameters_zeros")


def initialize_parameters_random(layers_dims, seed: int | None = None,
                                 dtype=np.float64) -> dict:
    """W[l] = randn(n[l], n[l-1]) · 10: the course's "large random" start, whose saturated
    sigmoid output gives a huge initial cost (the course seeds it with 3)."""
    return _initialize(layers_dims, "large", seed, dtype, "initialize_parameters_random")


def initialize_parameters_he(layers_dims, seed: int | None = None, dtype=np.float64) -> dict:
    """W[l] = randn(n[l], n[l-1]) · √(2/n[l-1]) (He et al. 2015, for ReLU layers; the course
    seeds it with 3)."""
    return _initialize(layers_dims, "he", seed, dtype, "initialize_parameters_he")
