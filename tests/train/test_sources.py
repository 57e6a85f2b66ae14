"""fit's one mini-batch source: an (X, Y) pair becomes a DataLoader at the entrance."""
import numpy as np
import pytest

import npdeep
from npdeep.data import DataLoader
from npdeep.train.sources import all_labels, as_loader, first_batch


def _pair(m=10):
    rng = np.random.default_rng(0)
    return rng.standard_normal((m, 3)), rng.integers(0, 2, m)


def test_a_pair_becomes_a_loader_cast_once_to_the_model_dtype():
    X, y = _pair()
    loader = as_loader((X, y), "train", "fit", np.dtype(np.float32), 4, shuffle=True)
    assert isinstance(loader, DataLoader) and len(loader) == 3 and loader.shuffle
    assert loader.dataset.X.dtype == np.float32  # cast once, not per mini-batch
    assert loader.dataset.Y is y
    batches = list(loader)
    assert [len(X_b) for X_b, _ in batches] == [4, 4, 2]


def test_a_loader_passes_through():
    X, y = _pair()
    loader = DataLoader((X, y), mini_batch_size=3)
    assert as_loader(loader, "train", "fit", None, 64, shuffle=True) is loader


def test_first_batch_leaves_the_rng_as_it_was():
    X, y = _pair()
    loader = as_loader((X, y), "train", "fit", None, 4, shuffle=True)
    npdeep.manual_seed(1)
    state = npdeep.backend.get_rng_state()
    X_b, y_b = first_batch(loader)
    assert npdeep.backend.get_rng_state() == state
    # So the epoch that follows draws the very batch that was checked.
    X_next, y_next = next(iter(loader))
    assert X_b.shape == (4, 3)
    np.testing.assert_array_equal(X_b, X_next)
    np.testing.assert_array_equal(y_b, y_next)


def test_all_labels_of_an_array_backed_loader():
    X, y = _pair()
    loader = as_loader((X, y), "train", "fit", None, 4, shuffle=True)
    assert all_labels(loader, y[:4]) is y

    class Batches:  # a loader that is not array-backed: only the first batch is at hand
        def __len__(self):
            return 1

        def __iter__(self):
            yield X, y

    y_first = y[:4]
    assert all_labels(Batches(), y_first) is y_first


@pytest.mark.parametrize("data, error, message", [
    (np.zeros((3, 2)), TypeError, r"train must be an \(X, Y\) pair of arrays or a DataLoader; "
                                  r"got ndarray"),
    ((np.zeros((3, 2)), np.zeros(2)), ValueError, r"same number of examples m"),
    (DataLoader((np.zeros((0, 2)), np.zeros(0))), ValueError, "yields no mini-batches"),
])
def test_bad_sources(data, error, message):
    with pytest.raises(error, match=message):
        as_loader(data, "train", "fit", None, 4, shuffle=True)
