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

_compiled = None


def _kernels():
    """The numba module, imported (and its functions compiled) on first use only."""
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _winograd_numba
        _compiled = _winograd_numba
    return _compiled


def input_transform(X: np.ndarray, V: np.ndarray) -> None:
    """X (images, 2·n_tH + 2, 2·n_tW + 2, n_C_prev) -> V (images, n_tH, n_tW, 16, n_C_prev)."""
    _kernels().input_transform(X, V)


def output_transform(M: np.ndarray, Y: np.ndarray) -> None:
    """M (images, n_tH, n_tW, 16, n_C) -> Y (images, n_tH, 2, n_tW, 2, n_C)."""
    _kernels().output_transform(M, Y)


def output_transform_adjoint(dY: np.ndarray, dM: np.ndarray) -> None:
    """dY (images, n_tH, 2, n_tW, 2, n_C) -> dM (images, n_tH, n_tW, 16, n_C)."""
    _kernels().output_transform_adjoint(dY, dM)


def input_transform_adjoint(dV: np.ndarray, dX: np.ndarray) -> None:
    """dV (images, n_tH, n_tW, 16, n_C_prev) -> dX (images, 2·n_tH + 2, 2·n_tW + 2, n_C_prev),
    overwritten."""
    _kernels().input_transform_adjoint(dV, dX)
