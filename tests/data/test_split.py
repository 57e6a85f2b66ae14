import numpy as np
import pytest

import npdeep
from npdeep.data import Splits, split


def data(m):
    X = np.arange(m * 2, dtype=np.float64).reshape(m, 2)
    Y = np.arange(m)
    return X, Y


def ids(pair):
    return pair[1].tolist()


def test_98_1_1_split_is_a_partition():
    X, Y = data(1000)
    train, dev, test = split(X, Y, dev=0.01, test=0.01, seed=0)
    assert (len(train[0]), len(dev[0]), len(test[0])) == (980, 10, 10)
    everything = ids(train) + ids(dev) + ids(test)
    assert sorted(everything) == list(range(1000))
    for X_part, Y_part in (train, dev, test):
        np.testing.assert_array_equal(X_part[:, 0] // 2, Y_part)  # rows stay paired


def test_default_80_10_10_and_counts():
    X, Y = data(50)
    s = split(X, Y, seed=1)
    assert isinstance(s, Splits)
    assert (len(s.train[0]), len(s.dev[0]), len(s.test[0])) == (40, 5, 5)
    assert s.train_dev is None
    s = split(X, Y, dev=7, test=3, seed=1)
    assert (len(s.train[0]), len(s.dev[0]), len(s.test[0])) == (40, 7, 3)


def test_train_dev_is_held_out_and_unpacks_fourth():
    X, Y = data(100)
    train, dev, test, train_dev = split(X, Y, dev=0.1, test=0.1, train_dev=0.05, seed=2)
    assert len(train_dev[0]) == 5 and len(train[0]) == 75
    assert set(ids(train_dev)).isdisjoint(ids(train))
    everything = ids(train) + ids(dev) + ids(test) + ids(train_dev)
    assert sorted(everything) == list(range(100))


def test_training_distribution_only_split():
    # Data mismatch: split the training distribution's data into train and train-dev only.
    X, Y = data(20)
    s = split(X, Y, dev=0, test=0, train_dev=4, seed=0)
    assert len(s.train[0]) == 16 and len(s.train_dev[0]) == 4
    assert s.dev[0].shape == (0, 2) and s.test[1].shape == (0,)


def test_shuffles_and_is_repeatable():
    X, Y = data(100)
    a = split(X, Y, seed=3)
    assert ids(a.train) != list(range(80))
    assert ids(split(X, Y, seed=3).dev) == ids(a.dev)
    npdeep.manual_seed(9)
    b = split(X, Y)
    npdeep.manual_seed(9)
    assert ids(split(X, Y).test) == ids(b.test)


def test_small_fraction_gives_at_least_one_example():
    X, Y = data(30)
    s = split(X, Y, dev=0.01, test=0.01, seed=0)
    assert len(s.dev[0]) == 1 and len(s.test[0]) == 1


def test_errors():
    X, Y = data(10)
    with pytest.raises(ValueError, match=r"fractions \(dev=0.5, test=0.5\) sum to 1 >= 1"):
        split(X, Y, dev=0.5, test=0.5)
    with pytest.raises(ValueError, match=r"take 10 of the m = 10 examples"):
        split(X, Y, dev=6, test=4)
    with pytest.raises(ValueError, match=r"take 12 of the m = 10"):
        split(X, Y, dev=10, test=0.2)
    with pytest.raises(ValueError, match=r"The 'dev' parameter of split must be a fraction"):
        split(X, Y, dev=1.5)
    with pytest.raises(ValueError, match=r"The 'test' parameter of split must be a fraction"):
        split(X, Y, test=-2)
    with pytest.raises(TypeError, match=r"'train_dev' parameter"):
        split(X, Y, train_dev="5%")
    with pytest.raises(ValueError, match=r"X has shape \(10, 2\) and Y has shape \(9,\)"):
        split(X, Y[:9])
