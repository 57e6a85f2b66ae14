"""The generated 2-D data sets: the planar flower and the two moons."""
import numpy as np
import pytest

from npdeep.data import load_moons, load_planar


def test_load_planar_shapes_and_repeatability():
    X, Y = load_planar()
    assert X.shape == (400, 2) and Y.shape == (400, 1)
    assert X.dtype == np.float32 and Y.dtype == np.float32
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.mean() == 0.5
    X2, Y2 = load_planar()
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, load_planar(seed=2)[0])
    # the petals: points lie near radius |4·sin(4θ)| <= 4 (+ noise)
    assert np.linalg.norm(X, axis=1).max() < 5.5


def test_load_planar_follows_the_formula_without_noise():
    """With the noise removed, every point lies on r = 4·sin(4θ) at the class's angles."""
    X, Y = load_planar(m=10, seed=0)
    rng = np.random.default_rng(0)
    N = 5
    for j in range(2):
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.standard_normal(N) * 0.2
        r = 4 * np.sin(4 * theta) + rng.standard_normal(N) * 0.2
        expected = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
        np.testing.assert_allclose(X[j * N:(j + 1) * N], expected, rtol=1e-6, atol=1e-6)
        assert (Y[j * N:(j + 1) * N] == j).all()


def test_load_moons():
    X, Y = load_moons()
    assert X.shape == (300, 2) and Y.shape == (300, 1) and X.dtype == np.float32
    assert Y.sum() == 150
    X0, Y0 = load_moons(m=101, noise=0.0, seed=0)
    outer, inner = X0[Y0[:, 0] == 0], X0[Y0[:, 0] == 1]
    assert len(outer) == 51 and len(inner) == 50
    np.testing.assert_allclose(np.linalg.norm(outer, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(inner - [1.0, 0.5], axis=1), 1.0, rtol=1e-6)
    assert (outer[:, 1] >= -1e-6).all() and (inner[:, 1] <= 0.5 + 1e-6).all()
    np.testing.assert_array_equal(load_moons(seed=5)[0], load_moons(seed=5)[0])


def test_errors():
    with pytest.raises(ValueError, match="The 'm' parameter of load_planar must be an even"):
        load_planar(m=3)
    with pytest.raises(ValueError, match="The 'm' parameter of load_planar must be an int >= 2"):
        load_planar(m=0)
    with pytest.raises(ValueError, match="The 'noise' parameter of load_moons"):
        load_moons(noise=-1)
    with pytest.raises(ValueError, match=r"The 'm' parameter of load_moons must be an int >= 2\. "
                                         r"Got 1 instead\."):
        load_moons(m=1)
    # NaN noise used to pass the hand-written check and return NaN coordinates.
    with pytest.raises(ValueError, match=r"The 'noise' parameter of load_moons must be a finite "
                                         r"number >= 0\. Got nan instead\."):
        load_moons(noise=float("nan"))
