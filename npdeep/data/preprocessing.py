"""Input normalization and label encodings.

Normalizing the inputs (zero mean, unit variance per feature) makes the cost's contours round
instead of elongated, so gradient descent can use a larger learning rate. The course's rule:
compute μ and σ on the training set only, and apply that same μ and σ to the dev and test sets.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.tensor import Tensor
from npdeep.validation import check_float, check_int


def _array(X) -> np.ndarray:
    return np.asarray(X.data if isinstance(X, Tensor) else X)


class Standardizer:
    """x := (x − μ) / σ per feature, with μ and σ fitted on the training set only.

    μ = (1/m) Σ_i x(i) and σ² = (1/m) Σ_i (x(i) − μ)², per feature (over the first axis, the m
    examples; every other axis counts as a feature, so images get one μ per pixel and channel).

    Args:
        epsilon: a feature whose σ is below epsilon (a constant feature) is divided by 1 instead,
            so it becomes 0 rather than inf/NaN.

    Attributes:
        mu, sigma: (n_x,) (or X.shape[1:]) arrays after :meth:`fit`.

    Example:
        >>> scaler = Standardizer().fit(X_train)
        >>> X_train, X_dev = scaler.transform(X_train), scaler.transform(X_dev)
    """

    def __init__(self, epsilon: float = 1e-8):
        self.epsilon = check_float(epsilon, "epsilon", "Standardizer", low=0.0)
        self.mu = None
        self.sigma = None

    def fit(self, X) -> "Standardizer":
        """Compute μ and σ of X, the training set: X (m, n_x) or (m, ...), m >= 1."""
        X = _array(X)
        if X.ndim < 2 or len(X) == 0:
            raise ValueError(f"Standardizer.fit expected X of shape (m, n_x) with m >= 1 but got "
                             f"{X.shape}")
        X64 = X.astype(np.float64)  # float64 sums: float32 means of 10^6 rows lose digits
        mu = X64.mean(axis=0)
        sigma = X64.std(axis=0)
        # NOTE: a constant feature has σ = 0; dividing by 1 maps it to 0 instead of NaN.
        sigma = np.where(sigma < self.epsilon, 1.0, sigma)
        self.mu, self.sigma = mu, sigma
        return self

    def transform(self, X) -> np.ndarray:
        """(X − μ) / σ with the fitted μ and σ, unchanged (for train, dev and test alike).

        Returns:
            An array of X's shape, in X's floating dtype (the default dtype for integer X).
        """
        if self.mu is None:
            raise ValueError("Standardizer.transform called before fit: call fit(X_train) "
                             "first (μ and σ come from the training set only)")
        X = _array(X)
        if X.shape[1:] != self.mu.shape:
            raise ValueError(f"Standardizer was fitted on X of shape (m, "
                             f"{', '.join(map(str, self.mu.shape))}) but got {X.shape}; "
                             f"dev/test data must have the training set's features")
        dtype = X.dtype if X.dtype.kind == "f" else backend.get_default_dtype()
        return ((X - self.mu) / self.sigma).astype(dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        """fit(X) then transform(X): for the training set."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X) -> np.ndarray:
        """x = x_norm · σ + μ: back to the original units."""
        if self.mu is None:
            raise ValueError("Standardizer.inverse_transform called before fit")
        X = _array(X)
        if X.shape[1:] != self.mu.shape:
            raise ValueError(f"Standardizer was fitted on X of shape (m, "
                             f"{', '.join(map(str, self.mu.shape))}) but got {X.shape}")
        dtype = X.dtype if X.dtype.kind == "f" else backend.get_default_dtype()
        return (X * self.sigma + self.mu).astype(dtype, copy=False)

    def state_dict(self) -> dict:
        """{"mu": μ, "sigma": σ} as arrays (e.g. to save next to the model's weights)."""
        if self.mu is None:
            raise ValueError("Standardizer.state_dict called before fit")
        return {"mu": self.mu.copy(), "sigma": self.sigma.copy()}

    def load_state_dict(self, state: dict) -> "Standardizer":
        """Restore μ and σ from :meth:`state_dict`."""
        missing = {"mu", "sigma"} - set(state)
        if missing:
            raise ValueError(f"Standardizer.load_state_dict: missing keys {sorted(missing)}; "
                             f"expected 'mu' and 'sigma'")
        mu = np.asarray(state["mu"], dtype=np.float64)
        sigma = np.asarray(state["sigma"], dtype=np.float64)
        if mu.shape != sigma.shape:
            raise ValueError(f"Standardizer.load_state_dict: mu has shape {mu.shape} but sigma "
                             f"has shape {sigma.shape}; they must match")
        self.mu, self.sigma = mu, sigma
        return self

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mu is None else f"n_x={self.mu.shape}"
        return f"Standardizer({fitted})"


def _integer_labels(Y, where: str) -> np.ndarray:
    Y = _array(Y)
    if Y.dtype.kind == "f":
        if not np.all(Y == np.round(Y)):
            raise ValueError(f"{where}: integer class labels expected; got non-integer values")
    elif Y.dtype.kind not in "iub":
        raise TypeError(f"{where}: labels must be integers; got dtype {Y.dtype}")
    return Y.astype(np.int64)


def one_hot(Y, C: int) -> np.ndarray:
    """Integer labels to one-hot rows: y = 2, C = 4 -> [0, 0, 1, 0].

    Args:
        Y: (m,) integer labels in [0, C) (any shape S gives S + (C,), e.g. (m, T_y)).
        C: the number of classes.

    Returns:
        (m, C) array of the default dtype (float32).

    Raises:
        ValueError: for labels outside [0, C) or non-integer labels.
    """
    C = check_int(C, "C", "one_hot")
    Y = _integer_labels(Y, "one_hot")
    if Y.size and (Y.min() < 0 or Y.max() >= C):
        raise ValueError(f"one_hot: labels must lie in [0, C) = [0, {C}); got values from "
                         f"{Y.min()} to {Y.max()}")
    return np.eye(C, dtype=backend.get_default_dtype())[Y]


def from_one_hot(Y) -> np.ndarray:
    """One-hot rows (or probabilities, or logits) (m, C) back to labels (m,): argmax per row."""
    Y = _array(Y)
    if Y.ndim < 1 or Y.shape[-1] == 0:
        raise ValueError(f"from_one_hot expected Y of shape (m, C) but got {Y.shape}")
    return Y.argmax(axis=-1).astype(np.int64)
