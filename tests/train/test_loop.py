"""fit, evaluate and predict: learning, modes, schedules, the NaN guard and input checks."""
import os

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep import nn
from npdeep.data import DataLoader
from npdeep.metrics import accuracy
from npdeep.models import mlp
from npdeep.tensor import Tensor
from npdeep.train import TrainingDivergedError


def _blobs(m=200, n_x=4, C=3, seed=0):
    """C well separated Gaussian blobs: a small MLP classifies them perfectly."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((C, n_x)) * 4
    y = rng.integers(0, C, m)
    X = (centers[y] + rng.standard_normal((m, n_x))).astype(np.float32)
    return X, y.astype(np.int64)


def _setup(n_x=4, C=3, seed=0, learning_rate=0.01, **kwargs):
    npdeep.manual_seed(seed)
    model = mlp(n_x, hidden=(16,), n_classes=C, **kwargs)
    return model, npdeep.optim.Adam(model.parameters(), learning_rate=learning_rate)


def test_fit_learns_and_records_history():
    X, y = _blobs()
    dev = _blobs(60, seed=0)
    model, opt = _setup()
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=dev, epochs=15,
                         mini_batch_size=32, progress=False, seed=0)
    assert history.epochs == list(range(15))
    assert set(history.train) == {"cost", "accuracy"} and set(history.dev) == {"cost",
                                                                             "accuracy"}
    assert all(len(v) == 15 for v in (*history.train.values(), *history.dev.values()))
    assert history.train["cost"][-1] < history.train["cost"][0] / 5
    assert history.dev["accuracy"][-1] > 0.95
    assert history.learning_rate == [0.01] * 15
    result = npdeep.evaluate(model, dev, loss_fn=F.cross_entropy)
    assert result["accuracy"] == pytest.approx(history.dev["accuracy"][-1])
    assert result["cost"] == pytest.approx(history.dev["cost"][-1], rel=1e-5)


def test_train_figures_are_size_weighted_running_averages():
    """A learning rate too small to move anything: the running averages equal the evaluation
    of the fixed model, even with a last mini-batch smaller than the others."""
    X, y = _blobs(m=70)
    model, _ = _setup()
    opt = npdeep.optim.GD(model.parameters(), learning_rate=1e-30)
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, mini_batch_size=32,
                         progress=False)
    result = npdeep.evaluate(model, (X, y), loss_fn=F.cross_entropy)
    assert history.train["cost"][0] == pytest.approx(result["cost"], rel=1e-5)
    assert history.train["accuracy"][0] == pytest.approx(result["accuracy"])


def test_fast_accuracy_matches_metrics_accuracy():
    from npdeep.train.loop import _batch_metric
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((33, 5)).astype(np.float32)
    y = rng.integers(0, 5, 33)
    assert _batch_metric(accuracy, y, Tensor(Z)) == pytest.approx(accuracy(y, Z))
    one_hot = np.eye(5)[y]
    assert _batch_metric(accuracy, one_hot, Tensor(Z)) == pytest.approx(accuracy(one_hot, Z))


def test_same_seed_same_run_and_shuffling_matters():
    X, y = _blobs()
    runs = []
    for seed in (3, 3, 4):
        model, opt = _setup()
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=2, mini_batch_size=16,
                   progress=False, seed=seed)
        runs.append(model[0].W.data.copy())
    assert np.array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_dataloader_input_and_metric_function():
    X, y = _blobs()
    model, opt = _setup()

    def error_rate(y_true, y_pred):
        return 1 - accuracy(y_true, y_pred)

    history = npdeep.fit(model, F.cross_entropy, opt, DataLoader((X, y), mini_batch_size=25),
                         dev=DataLoader((X, y), mini_batch_size=50, shuffle=False), epochs=10,
                         metrics=[error_rate], progress=False, seed=0)
    assert set(history.train) == {"cost", "error_rate"}
    assert history.dev["error_rate"][-1] < 0.05


def test_schedule_sets_learning_rate_each_epoch():
    X, y = _blobs()
    model, opt = _setup()
    schedule = npdeep.optim.InverseTimeDecay(0.1, decay_rate=1.0)
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=3, schedule=schedule,
                         progress=False)
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert opt.learning_rate == pytest.approx(0.1 / 3)


class ModeSpy(nn.Module):
    """Records the mode and whether a graph is recorded at each call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, X):
        self.calls.append((self.training, npdeep.is_grad_enabled()))
        return X


def test_train_mode_for_steps_and_eval_mode_without_graph_for_dev():
    X, y = _blobs(m=64)
    npdeep.manual_seed(0)
    spy = ModeSpy()
    model = nn.Sequential(nn.Linear(4, 3), spy)
    opt = npdeep.optim.GD(model.parameters(), learning_rate=0.1)
    npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=(X, y), epochs=1, mini_batch_size=32,
               progress=False)
    # pre-flight on train and dev (eval, no graph), 2 training steps, 1 dev pass
    assert spy.calls == [(False, False), (False, False), (True, True), (True, True),
                         (False, False)]
    assert model.training  # left in training mode


def test_predict_is_batched_eval_mode_and_restores_mode():
    X, _ = _blobs(m=50)
    model, _ = _setup(keep_prob=0.5)
    model.train()
    Z = npdeep.predict(model, X, mini_batch_size=7)
    assert Z.shape == (50, 3)
    model.eval()
    with npdeep.no_grad():
        expected = model(Tensor(X)).data
    np.testing.assert_allclose(Z, expected, rtol=1e-6, atol=1e-6)
    model.train()
    npdeep.predict(model, X)
    assert model.training


def test_predict_casts_input_to_model_dtype():
    X, _ = _blobs(m=10)
    model, _ = _setup()
    Z = npdeep.predict(model, X.astype(np.float64))
    assert Z.dtype == np.float32


def test_evaluate_without_loss_and_with_several_metrics():
    X, y = _blobs(m=40)
    model, _ = _setup()
    from npdeep.metrics import f1_score

    def macro_f1(y_true, y_pred):
        return f1_score(y_true, y_pred, average="macro")

    result = npdeep.evaluate(model, (X, y), metrics=("accuracy", macro_f1))
    assert set(result) == {"accuracy", "macro_f1"}
    assert result["macro_f1"] == pytest.approx(macro_f1(y, npdeep.predict(model, X)))


# ---------------------------------------------------------------------------- NaN guard
def test_nan_guard_names_epoch_and_mini_batch():
    X, y = _blobs(m=64)
    model, opt = _setup()
    calls = {"n": 0}

    def loss(Z, Y):
        calls["n"] += 1
        J = F.cross_entropy(Z, Y)
        return J * float("nan") if calls["n"] == 6 else J  # call 1 is the pre-flight check

    with pytest.raises(TrainingDivergedError, match=r"cost became nan at epoch 2 \(counted "
                                                    r"from 0\), mini-batch 0 of 2.*Lower the "
                                                    r"learning rate"):
        npdeep.fit(model, loss, opt, (X, y), epochs=5, mini_batch_size=32, progress=False)
    assert issubclass(TrainingDivergedError, FloatingPointError)


def test_exploding_learning_rate_is_caught():
    X, y = _blobs()
    X = X * 1e3
    model, _ = _setup()
    opt = npdeep.optim.GD(model.parameters(), learning_rate=1e6)
    with pytest.raises(FloatingPointError, match="diverged"):
        with np.errstate(all="ignore"):
            npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=50, progress=False)


def test_nan_guard_off_keeps_going():
    X, y = _blobs(m=32)
    model, opt = _setup()

    def loss(Z, Y):
        return F.cross_entropy(Z, Y) * float("nan")

    with np.errstate(all="ignore"):
        history = npdeep.fit(model, loss, opt, (X, y), epochs=2, progress=False,
                             nan_guard=False, metrics=())
    assert np.isnan(history.train["cost"]).all()
    # NaN survives the JSON round trip as null
    assert np.isnan(npdeep.History.from_json(history.to_json()).train["cost"]).all()


# ---------------------------------------------------------------------------- input checks
def _fit(train, dev=None, C=3, n_x=4, **kwargs):
    model, opt = _setup(n_x=n_x, C=C)
    kwargs.setdefault("epochs", 1)
    kwargs.setdefault("progress", False)
    return npdeep.fit(model, F.cross_entropy, opt, train, dev=dev, **kwargs)


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
        npdeep.fit(model, F.mse_loss, opt, (X, y), epochs=1, progress=False)


def test_metric_errors_surface_in_pre_flight():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4)).astype(np.float32)
    Y = rng.standard_normal((20, 1)).astype(np.float32)  # regression targets
    npdeep.manual_seed(0)
    model = mlp(4, hidden=(8,), n_classes=1)
    opt = npdeep.optim.GD(model.parameters())
    with pytest.raises(ValueError, match=r"fit: the metric 'accuracy' rejected the first train "
                                         r"mini-batch.*Pass metrics=\(\)"):
        npdeep.fit(model, F.mse_loss, opt, (X, Y), epochs=1, progress=False)
    history = npdeep.fit(model, F.mse_loss, opt, (X, Y), epochs=1, progress=False, metrics=())
    assert set(history.train) == {"cost"}


def test_unwritable_checkpoint_dir_fails_before_training(tmp_path):
    X, y = _blobs()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    model, opt = _setup()
    before = model[0].W.data.copy()
    with pytest.raises(ValueError, match="fit: cannot write checkpoints to .*a_file/run"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, progress=False,
                   checkpoint_dir=blocker / "run")
    assert np.array_equal(model[0].W.data, before)
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_bad_data_writes_no_checkpoint_folder(tmp_path):
    X, y = _blobs()
    with pytest.raises(ValueError):
        _fit((X, y[:10]), checkpoint_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_checkpoint_folder_has_no_leftovers(tmp_path):
    X, y = _blobs()
    _fit((X, y), checkpoint_dir=tmp_path)
    assert os.listdir(tmp_path) == ["checkpoint.safetensors"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=-1), r"'epochs' parameter of fit must be an int >= 0"),
    (dict(mini_batch_size=0), r"'mini_batch_size' parameter of fit must be an int >= 1"),
    (dict(metrics=("nope",)), r"fit: unknown metric 'nope'"),
])
def test_bad_arguments(kwargs, message):
    X, y = _blobs()
    with pytest.raises(ValueError, match=message):
        _fit((X, y), **kwargs)


def test_bad_train_type():
    with pytest.raises(TypeError, match=r"train must be an \(X, Y\) pair of arrays or a "
                                        r"DataLoader; got ndarray"):
        _fit(np.zeros((3, 4)))


def test_progress_bar_shows_running_cost(capsys):
    pytest.importorskip("tqdm")
    X, y = _blobs()
    _fit((X, y), dev=(X, y), progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "train_cost=" in err and "dev_accuracy=" in err


def test_progress_without_tqdm_prints_one_line_per_epoch(capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    X, y = _blobs()
    _fit((X, y), progress=True)
    assert capsys.readouterr().err.startswith("epoch 1/1: train_cost=")


def test_epochs_zero_returns_empty_history():
    X, y = _blobs()
    history = _fit((X, y), epochs=0)
    assert len(history) == 0


def test_float64_model_trains_on_float32_data():
    X, y = _blobs()
    npdeep.set_default_dtype(np.float64)
    try:
        model = mlp(4, hidden=(8,), n_classes=3)
    finally:
        npdeep.set_default_dtype(np.float32)
    opt = npdeep.optim.Adam(model.parameters())
    npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, progress=False)
    assert model[0].W.data.dtype == np.float64
