"""Eigenfaces (Turk & Pentland 1991): a face encoding from PCA, the classic baseline.

Each image x (flattened to n = n_H·n_W·n_C pixels) is centred on the mean face μ of the
training images and projected on the first k principal components ("eigenfaces"), the top
right singular vectors of the centred training matrix X − μ = U·Σ·Vᵀ:

    f(x) = V_kᵀ (x − μ)        (k,)

Faces are compared by the distance between their projections. With ``metric="cosine"`` (the
default) f(x) is also scaled to unit length, so that ‖f(x₁) − f(x₂)‖² = 2 − 2·cos(x₁, x₂):
the Euclidean distance of the normalized projections orders pairs exactly as the cosine
distance, and thresholds lie in [0, 2] as for the :class:`~npdeep.vision.face.Encoder`.
``metric="euclidean"`` keeps the raw projections (Turk & Pentland's distance to face class).
"""
from __future__ import annotations

import numpy as np

from npdeep.validation import check_choice, check_int


class Eigenfaces:
    """PCA face encoder fitted with NumPy's SVD; same interface as Encoder's ``encode``.

    Args:
        n_components: k, the number of eigenfaces kept (50 by default).
        metric: "cosine" (unit-length projections) or "euclidean" (raw projections).

    Attributes (after :meth:`fit`):
        mean_face: (n,) μ; components: (k, n) the eigenfaces, orthonormal rows;
        singular_values: (k,); input_shape: (n_H, n_W, n_C).

    Example:
        >>> eigenfaces = Eigenfaces(50).fit(X_train)
        >>> database = enroll(eigenfaces, {"kian": image})
    """

    def __init__(self, n_components: int = 50, metric: str = "cosine"):
        self.n_components = check_int(n_components, "n_components", "Eigenfaces")
        self.metric = check_choice(metric, "metric", "Eigenfaces", ("cosine", "euclidean"))
        self.unit_norm = metric == "cosine"
        self.mean_face = self.components = self.singular_values = self.input_shape = None

    def fit(self, images) -> "Eigenfaces":
        """Find μ and the first k eigenfaces of the training images (m, n_H, n_W, n_C).

        Raises:
            ValueError: for images that are not NHWC, or k > min(m, n).
        """
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"Eigenfaces.fit expected images of shape (m, n_H, n_W, n_C) but "
                             f"got {images.shape}")
        m = len(images)
        X = images.reshape(m, -1).astype(np.float64)                 # (m, n)
        if self.n_components > min(X.shape):
            raise ValueError(f"Eigenfaces: n_components = {self.n_components} is more than "
                             f"min(m, n) = {min(X.shape)} for {m} images of {X.shape[1]} "
                             "pixels; pass fewer components or more images")
        self.mean_face = X.mean(axis=0)
        # The rows of Vᵀ are the eigenvectors of the covariance (X − μ)ᵀ(X − μ)/m, without
        # forming that n × n matrix (Turk & Pentland's trick, done by the SVD).
        _, S, Vt = np.linalg.svd(X - self.mean_face, full_matrices=False)
        self.components = Vt[:self.n_components]                      # (k, n)
        self.singular_values = S[:self.n_components]
        self.input_shape = images.shape[1:]
        return self

    def encode(self, images) -> np.ndarray:
        """f(images): (m, n_H, n_W, n_C) -> (m, k), unit rows for metric="cosine".

        Raises:
            ValueError: before fit, or for images of another shape than the training ones.
        """
        if self.components is None:
            raise ValueError("Eigenfaces.encode: call fit(training_images) first")
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:] != self.input_shape:
            raise ValueError(f"Eigenfaces expected images of shape (m, "
                             f"{', '.join(map(str, self.input_shape))}) (as fitted) but got "
                             f"{images.shape}")
        X = images.reshape(len(images), -1).astype(np.float64)
        F = (X - self.mean_face) @ self.components.T                 # (m, k)
        if self.unit_norm:
            F /= np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
        return F

    def __repr__(self) -> str:
        return f"Eigenfaces(n_components={self.n_components}, metric={self.metric!r})"
