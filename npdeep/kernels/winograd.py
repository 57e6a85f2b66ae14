"""The tile transforms of Winograd F(2 × 2, 3 × 3) as compiled loops (npdeep.functional.winograd).

The transformed tiles are tile-major here, (images, n_tH, n_tW, 16, n_C) — see
_winograd_numba for why. Each function does what its NumPy twin in
npdeep.functional.winograd does, in the twin's layout transposed; tests/kernels/
test_winograd.py compares them:

    input_transform           _input_transform             V = Bᵀ d B of every tile
    output_transform          _output_transform            Y = Aᵀ M A
    output_transform_adjoint  _output_transform_adjoint    dM = A dY Aᵀ
    input_transform_adjoint   _input_transform_adjoint     dX = Σ_tiles B dV Bᵀ
"""
from __future__ import annotations

import numpy as np

_compiled = {}


def _kernels(tile: int):
    """The numba module of F(tile × tile, 3 × 3), imported (and its functions compiled) on
    first use only."""
    if tile not in _compiled:
        if tile == 2:
            from npdeep.kernels import _winograd_numba as module
        elif tile == 4:
            from npdeep.kernels import _winograd4_numba as module
        else:
            raise ValueError(f"Winograd kernels: tile must be 2 or 4; got {tile!r}")
        _compiled[tile] = module
    return _compiled[tile]


def input_transform(X: np.ndarray, V: np.ndarray, tile: int = 2) -> None:
    """X (images, t·n_tH + 2, t·n_tW + 2, n_C_prev) -> V (images, n_tH, n_tW, α², n_C_prev),
    t = tile, α = t + 2."""
    _kernels(tile).input_transform(X, V)


def output_transform(M: np.ndarray, Y: np.ndarray, tile: int = 2) -> None:
    """M (images, n_tH, n_tW, α², n_C) -> Y (images, n_tH, t, n_tW, t, n_C)."""
    _kernels(tile).output_transform(M, Y)


def output_transform_adjoint(dY: np.ndarray, dM: np.ndarray, tile: int = 2) -> None:
    """dY (images, n_tH, t, n_tW, t, n_C) -> dM (images, n_tH, n_tW, α², n_C)."""
    _kernels(tile).output_transform_adjoint(dY, dM)


def input_transform_adjoint(dV: np.ndarray, dX: np.ndarray, tile: int = 2) -> None:
    """dV (images, n_tH, n_tW, α², n_C_prev) -> dX (images, t·n_tH + 2, t·n_tW + 2, n_C_prev),
    overwritten."""
    _kernels(tile).input_transform_adjoint(dV, dX)
