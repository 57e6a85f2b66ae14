import numpy as np
import pytest

from npdeep.data import Standardizer, from_one_hot, one_hot


def test_standardizer_matches_loop_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(50, 4))
    Z = Standardizer().fit_transform(X)
    # The course's two steps written per feature: subtract the mean, divide by the std.
    for j in range(4):
        column = X[:, j]
        mu = sum(column) / len(column)
        sigma = (sum((x - mu) ** 2 for x in column) / len(column)) ** 0.5
        np.testing.assert_allclose(Z[:, j], (column - mu) / sigma, rtol=1e-10)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)


def test_standardizer_matches_sklearn_including_constant_feature():
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(1)
    X_train = rng.normal(size=(40, 3))
    X_train[:, 1] = 7.0  # constant feature
    X_dev = rng.normal(size=(10, 3))
    ours = Standardizer().fit(X_train)
    theirs = preprocessing.StandardScaler().fit(X_train)
    np.testing.assert_allclose(ours.transform(X_dev), theirs.transform(X_dev), atol=1e-12)
    assert np.all(np.isfinite(ours.transform(X_train)))
    np.testing.assert_allclose(ours.transform(X_train)[:, 1], 0)


def test_dev_uses_training_statistics_unchanged():
    X_train = np.array([[0.0], [2.0]])  # mu 1, sigma 1
    scaler = Standardizer().fit(X_train)
    np.testing.assert_allclose(scaler.transform(np.array([[3.0], [1.0]])), [[2.0], [0.0]])
    np.testing.assert_allclose(scaler.mu, [1.0])
    np.testing.assert_allclose(scaler.inverse_transform(np.array([[2.0]])), [[3.0]])


def test_dtype_and_images():
    X = np.random.default_rng(2).random((6, 4, 4, 3)).astype(np.float32)
    scaler = Standardizer().fit(X)
    assert scaler.mu.shape == (4, 4, 3)
    assert scaler.transform(X).dtype == np.float32
    assert Standardizer().fit_transform(np.arange(6).reshape(3, 2)).dtype == np.float32


def test_state_dict_round_trip():
    X = np.random.default_rng(3).normal(size=(20, 5))
    scaler = Standardizer().fit(X)
    restored = Standardizer().load_state_dict(scaler.state_dict())
    np.testing.assert_array_equal(restored.transform(X), scaler.transform(X))
    with pytest.raises(ValueError, match=r"missing keys \['sigma'\]"):
        Standardizer().load_state_dict({"mu": np.zeros(5)})


def test_standardizer_errors():
    with pytest.raises(ValueError, match="transform called before fit"):
        Standardizer().transform(np.zeros((2, 3)))
    scaler = Standardizer().fit(np.random.default_rng(0).normal(size=(5, 3)))
    with pytest.raises(ValueError, match=r"fitted on X of shape \(m, 3\) but got \(4, 2\)"):
        scaler.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected X of shape \(m, n_x\).*\(5,\)"):
        Standardizer().fit(np.zeros(5))


def test_one_hot_and_back():
    Y = np.array([2, 0, 3, 1, 2])
    Y_oh = one_hot(Y, 4)
    assert Y_oh.shape == (5, 4) and Y_oh.dtype == np.float32
    for i, label in enumerate(Y):  # loop reference
        row = np.zeros(4)
        row[label] = 1
        np.testing.assert_array_equal(Y_oh[i], row)
    np.testing.assert_array_equal(from_one_hot(Y_oh), Y)
    np.testing.assert_array_equal(from_one_hot(np.array([[0.1, 0.7, 0.2]])), [1])
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, C\) = \[0, 3\); got values "
                                         r"from 0 to 3"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"from -1 to 1"):
        one_hot(np.array([-1, 1]), 3)
    with pytest.raises(ValueError, match="non-integer"):
        one_hot(np.array([0.5]), 3)
    with pytest.raises(ValueError, match=r"The 'C' parameter of one_hot must be an int >= 1"):
        one_hot(np.array([0]), 0)
    assert one_hot(np.array([1]), np.int64(2)).shape == (1, 2)


def test_standardizer_epsilon_is_checked():
    # A string used to escape as a TypeError from `not epsilon >= 0`, NaN was accepted.
    for bad in ("1e-8", float("nan"), -1.0):
        with pytest.raises(ValueError, match=r"The 'epsilon' parameter of Standardizer must be "
                                             r"a finite number >= 0\. Got .* instead\."):
            Standardizer(epsilon=bad)
