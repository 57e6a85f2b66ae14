"""Eigenfaces: PCA by SVD, projections, the cosine form, and errors."""
import numpy as np
import pytest

from npdeep.vision.eigenfaces import Eigenfaces
from npdeep.vision.face import enroll, verify


def images(m=20, shape=(6, 5, 1), seed=0):
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((3, int(np.prod(shape))))
    # Three strong directions and a little noise: the top components are well separated.
    X = 3.0 * rng.standard_normal((m, 3)) @ basis + 0.1 * rng.standard_normal((m, basis.shape[1]))
    return X.reshape(m, *shape)


def test_components_are_the_covariance_eigenvectors():
    X = images()
    model = Eigenfaces(4, metric="euclidean").fit(X)
    flat = X.reshape(len(X), -1)
    np.testing.assert_allclose(model.mean_face, flat.mean(axis=0))
    np.testing.assert_allclose(model.components @ model.components.T, np.eye(4), atol=1e-12)
    # Vᵀ's rows against the eigenvectors of the covariance, largest eigenvalues first.
    C = np.cov(flat, rowvar=False, bias=True)
    values, vectors = np.linalg.eigh(C)
    for k in range(4):
        v = vectors[:, -1 - k]
        assert abs(abs(v @ model.components[k]) - 1) < 1e-8
        assert model.singular_values[k] ** 2 / len(X) == pytest.approx(values[-1 - k])


def test_matches_sklearn_pca():
    decomposition = pytest.importorskip("sklearn.decomposition")
    X = images(seed=1)
    model = Eigenfaces(3, metric="euclidean").fit(X)
    pca = decomposition.PCA(3, svd_solver="full").fit(X.reshape(len(X), -1))
    F, G = model.encode(X), pca.transform(X.reshape(len(X), -1))
    np.testing.assert_allclose(np.abs(F), np.abs(G), atol=1e-8)  # up to each axis's sign


def test_cosine_encodings_are_unit_vectors_and_verify_works():
    X = images(seed=2)
    model = Eigenfaces(3).fit(X[:15])
    F = model.encode(X)
    np.testing.assert_allclose(np.linalg.norm(F, axis=1), 1.0)
    database = enroll(model, {"a": X[16]})
    dist, door_open = verify(model, X[16], "a", database, threshold=0.1)
    assert dist < 1e-12 and door_open
    assert repr(model) == "Eigenfaces(n_components=3, metric='cosine')"


def test_bad_input():
    X = images()
    with pytest.raises(ValueError, match=r"Eigenfaces: n_components = 30 is more than "
                                         r"min\(m, n\) = 20"):
        Eigenfaces(30).fit(X)
    with pytest.raises(ValueError, match="Eigenfaces.encode: call fit"):
        Eigenfaces(2).encode(X)
    with pytest.raises(ValueError, match=r"Eigenfaces expected images of shape \(m, 6, 5, 1\) "
                                         r"\(as fitted\) but got \(2, 5, 6, 1\)"):
        Eigenfaces(2).fit(X).encode(np.zeros((2, 5, 6, 1)))
    with pytest.raises(ValueError, match="The 'metric' parameter of Eigenfaces must be one of "
                                         "'cosine', 'euclidean'"):
        Eigenfaces(2, metric="manhattan")
    with pytest.raises(ValueError, match="The 'threshold' parameter of verify must be a finite "
                                         "number > 0"):
        model = Eigenfaces(2, metric="euclidean").fit(X)
        verify(model, X[0], "a", enroll(model, {"a": X[0]}), threshold=-1)
