"""Shape bookkeeping shared by the model builders."""
from __future__ import annotations

from npdeep.nn.module import check_example_shape


def check_input_shape(input_shape, where: str, min_size: int = 1,
                      why: str = "the model needs") -> tuple:
    """(n_H, n_W, n_C) of one image, all ints >= 1, with n_H, n_W >= ``min_size``.

    ``why`` completes the error message: "...; {why} n_H, n_W >= {min_size}".
    """
    shape = check_example_shape(input_shape, where, "(n_H, n_W, n_C), three ints >= 1, "
                                "without the batch axis m", ndim=3)
    if shape[0] < min_size or shape[1] < min_size:
        raise ValueError(f"{where}: input_shape {shape} is too small; {why} n_H, n_W >= "
                         f"{min_size}")
    return shape


def rebuild_hint(builder: str):
    """The fix for images of another size: "build it with {builder}(input_shape=...)".

    Returned as the ``input_hint`` of the builder's Sequential, called with the shape the
    model received.
    """
    def hint(shape: tuple) -> str:
        if len(shape) != 4:
            return ""
        return f"build it with {builder}(input_shape={tuple(shape[1:])})"
    return hint
