import numpy as np
import pytest

import npdeep
from npdeep.data import ArrayDataset, DataLoader, random_mini_batches


def labelled(m, n_x=3):
    """X whose first column is the example's index, and Y = that index: pairs stay checkable."""
    X = np.zeros((m, n_x))
    X[:, 0] = np.arange(m)
    Y = np.arange(m).reshape(m, 1)
    return X, Y


@pytest.mark.parametrize("m, size, expected", [
    (148, 64, [64, 64, 20]),
    (128, 64, [64, 64]),
    (1, 64, [1]),
    (5, 1, [1, 1, 1, 1, 1]),
    (10, 3, [3, 3, 3, 1]),
])
def test_random_mini_batches_partition(m, size, expected):
    X, Y = labelled(m)
    batches = random_mini_batches(X, Y, mini_batch_size=size, seed=1)
    assert [len(X_t) for X_t, _ in batches] == expected
    seen = np.concatenate([Y_t[:, 0] for _, Y_t in batches])
    assert sorted(seen.tolist()) == list(range(m))  # every example exactly once
    for X_t, Y_t in batches:
        np.testing.assert_array_equal(X_t[:, 0], Y_t[:, 0])  # one permutation for X and Y


def test_random_mini_batches_matches_course_loop():
    # The course's procedure written out: permute with the same generator, then slice.
    X, Y = labelled(23)
    batches = random_mini_batches(X, Y, mini_batch_size=5, seed=7)
    permutation = np.random.default_rng(7).permutation(23)
    for k, (X_t, Y_t) in enumerate(batches):
        index = permutation[k * 5:min((k + 1) * 5, 23)]
        np.testing.assert_array_equal(X_t, X[index])
        np.testing.assert_array_equal(Y_t, Y[index])


def test_random_mini_batches_shuffles_and_seeds():
    X, Y = labelled(100)
    a = random_mini_batches(X, Y, 10, seed=3)
    b = random_mini_batches(X, Y, 10, seed=3)
    c = random_mini_batches(X, Y, 10, seed=4)
    np.testing.assert_array_equal(a[0][1], b[0][1])
    assert not np.array_equal(a[0][1], c[0][1])
    assert not np.array_equal(np.concatenate([y for _, y in a])[:, 0], np.arange(100))


def test_random_mini_batches_uses_npdeep_rng_without_seed():
    X, Y = labelled(50)
    npdeep.manual_seed(11)
    a = random_mini_batches(X, Y, 8)
    npdeep.manual_seed(11)
    b = random_mini_batches(X, Y, 8)
    c = random_mini_batches(X, Y, 8)  # the generator moved on
    np.testing.assert_array_equal(a[0][0], b[0][0])
    assert not np.array_equal(b[0][0], c[0][0])


@pytest.mark.parametrize("size", [0, -1, 2.5, True, "64"])
def test_mini_batch_size_validated(size):
    X, Y = labelled(10)
    message = r"The 'mini_batch_size' parameter of random_mini_batches must be an int >= 1"
    with pytest.raises(ValueError, match=message):
        random_mini_batches(X, Y, size)
    with pytest.raises(ValueError, match=r"'mini_batch_size' parameter of DataLoader"):
        DataLoader((X, Y), mini_batch_size=size)


def test_mismatched_lengths_name_both_shapes():
    with pytest.raises(ValueError, match=r"X has shape \(10, 3\) and Y has shape \(9, 1\)"):
        random_mini_batches(np.zeros((10, 3)), np.zeros((9, 1)))
    with pytest.raises(ValueError, match=r"ArrayDataset.*\(10, 3\).*\(9,\)"):
        ArrayDataset(np.zeros((10, 3)), np.zeros(9))


def test_array_dataset_indexing():
    X, Y = labelled(10)
    dataset = ArrayDataset(X, Y)
    assert len(dataset) == 10
    X_b, Y_b = dataset[np.array([3, 1])]
    np.testing.assert_array_equal(Y_b[:, 0], [3, 1])
    np.testing.assert_array_equal(X_b[:, 0], [3, 1])
    X_only, none = ArrayDataset(X)[np.array([2])]
    assert none is None and X_only.shape == (1, 3)


@pytest.mark.parametrize("m, size, drop_last, expected", [
    (10, 3, False, [3, 3, 3, 1]),
    (10, 3, True, [3, 3, 3]),
    (9, 3, False, [3, 3, 3]),
    (2, 5, True, []),
    (1, 1, False, [1]),
])
def test_data_loader_batches(m, size, drop_last, expected):
    X, Y = labelled(m)
    loader = DataLoader(ArrayDataset(X, Y), mini_batch_size=size, drop_last=drop_last)
    assert len(loader) == len(expected)
    batches = list(loader)
    assert [len(X_b) for X_b, _ in batches] == expected
    for X_b, Y_b in batches:
        assert isinstance(X_b, np.ndarray) and isinstance(Y_b, np.ndarray)
        np.testing.assert_array_equal(X_b[:, 0], Y_b[:, 0])


def test_data_loader_reshuffles_each_epoch_and_is_repeatable():
    X, Y = labelled(40)
    npdeep.manual_seed(5)
    loader = DataLoader((X, Y), mini_batch_size=40)
    epoch1 = next(iter(loader))[1][:, 0]
    epoch2 = next(iter(loader))[1][:, 0]
    assert sorted(epoch1.tolist()) == list(range(40))
    assert not np.array_equal(epoch1, epoch2)
    npdeep.manual_seed(5)
    again = next(iter(DataLoader((X, Y), mini_batch_size=40)))[1][:, 0]
    np.testing.assert_array_equal(epoch1, again)


def test_data_loader_no_shuffle_keeps_order_and_accepts_plain_array():
    X, Y = labelled(7)
    order = np.concatenate([Y_b[:, 0] for _, Y_b in DataLoader((X, Y), 3, shuffle=False)])
    np.testing.assert_array_equal(order, np.arange(7))
    X_b, Y_b = next(iter(DataLoader(X, 4, shuffle=False)))
    assert Y_b is None and X_b.shape == (4, 3)


def test_data_loader_transform_is_applied_and_repeatable():
    X, Y = labelled(12)

    def jitter(X_batch):
        return X_batch + npdeep.backend.rng().standard_normal(X_batch.shape)

    def run():
        npdeep.manual_seed(2)
        return [X_b for X_b, _ in DataLoader((X, Y), 4, transform=jitter)]

    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    raw = [X_b for X_b, _ in DataLoader((X, Y), 4, shuffle=False, transform=lambda x: x * 0)]
    assert all(np.all(x == 0) for x in raw)


def test_data_loader_rejects_bad_arguments():
    with pytest.raises(TypeError, match="transform must be a callable"):
        DataLoader((np.zeros((3, 1)), np.zeros(3)), transform=3)
    with pytest.raises(ValueError, match=r"\(X, Y\) pair"):
        DataLoader((np.zeros((3, 1)),))
    with pytest.raises(TypeError, match="dataset must be"):
        DataLoader(5)


def test_data_loader_accepts_custom_dataset():
    class Squares:
        def __len__(self):
            return 6

        def __getitem__(self, index):
            return np.asarray(index)[:, None] ** 2, np.asarray(index)

    total = [Y_b for _, Y_b in DataLoader(Squares(), 4)]
    assert sorted(np.concatenate(total).tolist()) == list(range(6))
