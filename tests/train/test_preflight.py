"""fit's checks before the first step: data, labels, loss, metrics, optimizer, arguments."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.models import mlp
from harness import blobs as _blobs, mlp_and_adam as _setup, quick_fit as _fit


def test_lengths_differ():
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"fit: train X and Y must hold the same number of "
                                         r"examples.*\(200, 4\).*\(199,\)"):
        _fit((X, y[:-1]))


def test_nan_in_features():
    X, y = _blobs()
    X[5, 2] = np.nan
    X[9, 0] = np.inf
    with pytest.raises(ValueError, match=r"train X contains 2 NaN/inf values, in 2 examples "
                                         r"\(first at row 5\)"):
        _fit((X, y))


def test_nan_in_dev_features():
    X, y = _blobs()
    Xd = X.copy()
    Xd[3] = np.nan
    with pytest.raises(ValueError, match="dev X contains 4 NaN/inf"):
        _fit((X, y), dev=(Xd, y))


def test_labels_out_of_range():
    X, y = _blobs(C=5)
    with pytest.raises(ValueError, match=r"train labels must be class indices in \[0, 3\) for "
                                         r"a model with 3 outputs, but Y holds values from 0 "
                                         r"to 4"):
        _fit((X, y), C=3)


def test_negative_labels():
    X, y = _blobs()
    y[7] = -1
    with pytest.raises(ValueError, match=r"values from -1 to 2"):
        _fit((X, y))


def test_dev_labels_out_of_range():
    X, y = _blobs()
    yd = y.copy()
    yd[-1] = 9
    with pytest.raises(ValueError, match="dev labels must be class indices"):
        _fit((X, y), dev=(X, yd))


def test_one_hot_width_mismatch():
    X, y = _blobs()
    with pytest.raises(ValueError, match="train Y has 4 columns .* the model outputs 3"):
        _fit((X, np.eye(4)[y]))


def test_wrong_feature_count_fails_before_training():
    X, y = _blobs(n_x=5)
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 4\) but got"):
        _fit((X, y))


def test_loss_errors_surface_in_pre_flight():
    X, y = _blobs()
    model, opt = _setup()
    with pytest.raises(ValueError, match="fit: the loss function rejected the first train "
                                         "mini-batch"):
        npdeep.fit(model, F.mse_loss, opt, (X, y), epochs=1, verbose=0)


def test_metric_errors_surface_in_pre_flight():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4)).astype(np.float32)
    Y = rng.standard_normal((20, 1)).astype(np.float32)  # regression targets
    npdeep.manual_seed(0)
    model = mlp(4, hidden=(8,), n_classes=1)
    opt = npdeep.optim.GD(model.parameters())
    with pytest.raises(ValueError, match=r"fit: the metric 'accuracy' rejected the first train "
                                         r"mini-batch.*Pass metrics=\(\)"):
        npdeep.fit(model, F.mse_loss, opt, (X, Y), epochs=1, verbose=0)
    history = npdeep.fit(model, F.mse_loss, opt, (X, Y), epochs=1, verbose=0, metrics=())
    assert set(history.train) == {"cost"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=-1), r"'epochs' parameter of fit must be an int >= 0"),
    (dict(mini_batch_size=0), r"'mini_batch_size' parameter of fit must be an int >= 1"),
    (dict(metrics=("nope",)), r"fit: cannot log metric 'nope'"),
    (dict(verbose=3), r"'verbose' parameter of fit must be 0 \(silent\), 1"),
])
def test_bad_arguments(kwargs, message):
    X, y = _blobs()
    with pytest.raises(ValueError, match=message):
        _fit((X, y), **kwargs)


def test_bad_train_type():
    with pytest.raises(TypeError, match=r"train must be an \(X, Y\) pair of arrays or a "
                                        r"DataLoader; got ndarray"):
        _fit(np.zeros((3, 4)))


def test_empty_train_set():
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"fit: the train set is empty \(X has shape \(0, 4\)\)"):
        _fit((X[:0], y[:0]))


def test_optimizer_over_another_model_is_refused_before_the_first_step():
    """An optimizer built over another model's parameters trained nothing without a word."""
    X, y = _blobs()
    model, _ = _setup()
    other, opt = _setup(seed=1)
    before = [p.data.copy() for p in (*model.parameters(), *other.parameters())]
    with pytest.raises(ValueError, match=r"fit: the optimizer Adam updates 4 parameters, none "
                                         r"of which belong to this Sequential \(4 parameters\); "
                                         r"was it built for another model\? Build it from this "
                                         r"one: Adam\(model\.parameters\(\), \.\.\.\)"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, verbose=0)
    after = [p.data for p in (*model.parameters(), *other.parameters())]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_optimizer_over_part_of_the_model_is_fine():
    """Fine-tuning the last layer only: the optimizer holds a subset of the parameters."""
    X, y = _blobs()
    model, _ = _setup()
    opt = npdeep.optim.Adam(model[-1].parameters(), learning_rate=0.01)
    first = model[0].W.data.copy()
    npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, verbose=0)
    assert np.array_equal(model[0].W.data, first)


def test_ignored_labels_pass_the_label_check():
    # Padded steps of sequence batches carry cross_entropy's ignore_index (-100 by default).
    X, y = _blobs()
    y[::7] = -100
    history = _fit((X, y), metrics=())
    assert np.isfinite(history.train["cost"][0])


def test_ignore_index_of_a_partial_loss_is_honoured():
    import functools

    X, y = _blobs()
    y[::7] = 9
    model, opt = _setup()
    npdeep.fit(model, functools.partial(F.cross_entropy, ignore_index=9), opt, (X, y),
               epochs=1, verbose=0, metrics=())
    y[::7] = -100
    model, opt = _setup()
    with pytest.raises(ValueError, match=r"train labels must be class indices in \[0, 3\).*"
                                         r"values from -100 to 2"):
        npdeep.fit(model, functools.partial(F.cross_entropy, ignore_index=None), opt, (X, y),
                   epochs=1, verbose=0, metrics=())
