"""Shape bookkeeping shared by the model builders."""
from __future__ import annotations


def check_input_shape(input_shape, where: str, min_size: int = 1,
                      why: str = "the model needs") -> tuple:
    """(n_H, n_W, n_C) of one image, all ints >= 1, with n_H, n_W >= ``min_size``.

    ``why`` completes the error message: "...; {why} n_H, n_W >= {min_size}".
    """
    shape = tuple(input_shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                              for s in shape):
        raise ValueError(f"The 'input_shape' parameter of {where} must be (n_H, n_W, n_C), "
                         f"three ints >= 1, without the batch axis m. Got {input_shape!r} "
                         "instead.")
    if shape[0] < min_size or shape[1] < min_size:
        raise ValueError(f"{where}: input_shape {shape} is too small; {why} n_H, n_W >= "
                         f"{min_size}")
    return shape
