"""fit: learning, one data path, modes, schedules, logs, the NaN guard and gradient clipping."""
import re

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep import nn
from npdeep.data import DataLoader
from npdeep.metrics import accuracy
from npdeep.models import mlp
from npdeep.train import TrainingDivergedError
from harness import blobs as _blobs, mlp_and_adam as _setup, quick_fit as _fit


def test_fit_learns_and_records_history():
    X, y = _blobs()
    dev = _blobs(60, seed=0)
    model, opt = _setup()
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=dev, epochs=15,
                         mini_batch_size=32, verbose=0, seed=0)
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
                         verbose=0)
    result = npdeep.evaluate(model, (X, y), loss_fn=F.cross_entropy)
    assert history.train["cost"][0] == pytest.approx(result["cost"], rel=1e-5)
    assert history.train["accuracy"][0] == pytest.approx(result["accuracy"])


def test_same_seed_same_run_and_shuffling_matters():
    X, y = _blobs()
    runs = []
    for seed in (3, 3, 4):
        model, opt = _setup()
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=2, mini_batch_size=16,
                   verbose=0, seed=seed)
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
                         metrics=[error_rate], verbose=0, seed=0)
    assert set(history.train) == {"cost", "error_rate"}
    assert history.dev["error_rate"][-1] < 0.05


def test_schedule_sets_learning_rate_each_epoch():
    X, y = _blobs()
    model, opt = _setup()
    schedule = npdeep.optim.InverseTimeDecay(0.1, decay_rate=1.0)
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=3, schedule=schedule,
                         verbose=0)
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
               verbose=0)
    # pre-flight on train and dev (eval, no graph), 2 training steps, 1 dev pass
    assert spy.calls == [(False, False), (False, False), (True, True), (True, True),
                         (False, False)]
    assert model.training  # left in training mode


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
    npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, verbose=0)
    assert model[0].W.data.dtype == np.float64


def test_pair_and_loader_are_one_data_path():
    """An (X, Y) pair becomes the DataLoader fit would otherwise be given: same mini-batches,
    same weights, bit for bit, and the same History."""
    X, y = _blobs(m=70)
    results = []
    for train in ((X, y), DataLoader((X, y), mini_batch_size=16)):
        model, opt = _setup()
        history = npdeep.fit(model, F.cross_entropy, opt, train, epochs=2, mini_batch_size=16,
                             verbose=0, seed=5)
        results.append((model[0].W.data.copy(), history.to_dict()))
    assert np.array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_pair_shuffle_is_the_course_random_mini_batches():
    """Each epoch's mini-batches are those of random_mini_batches drawn from npdeep's RNG:
    one permutation, then consecutive slices, the last one smaller."""
    X, y = _blobs(m=50)
    seen = []

    class Recorder(nn.Module):
        def forward(self, X):
            if self.training:
                seen.append(X.data.copy())
            return X

    npdeep.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), Recorder())
    first_layer = model[0]
    opt = npdeep.optim.GD(model.parameters(), learning_rate=1e-30)
    npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, mini_batch_size=16, verbose=0,
               seed=3, metrics=())
    npdeep.manual_seed(3)
    expected = npdeep.data.random_mini_batches(X, y, mini_batch_size=16)
    assert [len(b) for b in seen] == [16, 16, 16, 2]
    for got, (X_t, _) in zip(seen, expected):
        with npdeep.no_grad():
            np.testing.assert_array_equal(got, first_layer(npdeep.Tensor(X_t)).data)


def test_logged_values_are_plain_floats():
    """Every value in the logs and the History is a Python float (train_accuracy was an
    np.float64)."""
    X, y = _blobs()
    seen = []

    class Recorder:
        def on_epoch_end(self, epoch, logs):
            seen.append(dict(logs))
            return False

    model, opt = _setup()
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=(X, y), epochs=2,
                         metrics=("accuracy", "f1"), callbacks=[Recorder()], verbose=0)
    assert sorted(seen[0]) == ["dev_accuracy", "dev_cost", "dev_f1", "learning_rate",
                               "train_accuracy", "train_cost", "train_f1"]
    for logs in seen:
        for key, value in logs.items():
            assert type(value) is float, (key, type(value))
    for series in (*history.train.values(), *history.dev.values(), history.learning_rate):
        assert all(type(v) is float for v in series)


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), "0.1"])
def test_schedule_learning_rate_is_checked(bad):
    """schedule=lambda e: -1.0 trained with α = −1 and no word; now it is refused at the start
    of the epoch that produced it, naming the epoch and the value."""
    X, y = _blobs()
    model, opt = _setup()
    steps = []

    class Count:
        def on_epoch_end(self, epoch, logs):
            steps.append(epoch)
            return False

    def schedule(epoch):
        return 0.01 if epoch == 0 else bad

    with pytest.raises(ValueError, match=r"'learning_rate' parameter of fit \(set by the "
                                         r"schedule at epoch 1, counted from 0\) must be a "
                                         r"finite number > 0\. Got .* instead\. schedule\(1\) "
                                         r"returned it"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=3, schedule=schedule,
                   callbacks=[Count()], verbose=0)
    assert steps == [0]
    assert opt.learning_rate == 0.01


def test_schedule_goes_through_the_optimizer_setter():
    X, y = _blobs(m=40)
    model, _ = _setup()
    assigned = []

    class Recording(npdeep.optim.GD):
        @property
        def learning_rate(self):
            return self._alpha

        @learning_rate.setter
        def learning_rate(self, value):
            assigned.append(value)
            self._alpha = value

    opt = Recording(model.parameters(), learning_rate=0.5)
    npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=2,
               schedule=lambda epoch: 0.1 / (epoch + 1), verbose=0)
    assert assigned[-2:] == [0.1, 0.05]


def test_progress_argument_maps_to_verbose(capsys):
    X, y = _blobs(m=40)
    model, opt = _setup()
    with pytest.warns(DeprecationWarning, match="progress= is replaced by verbose="):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, progress=False)
    assert capsys.readouterr() == ("", "")
    with pytest.raises(ValueError, match="pass verbose= only"):
        with pytest.warns(DeprecationWarning):
            npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, progress=False,
                       verbose=2)


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
        npdeep.fit(model, loss, opt, (X, y), epochs=5, mini_batch_size=32, verbose=0)
    assert issubclass(TrainingDivergedError, FloatingPointError)


def test_exploding_learning_rate_is_caught():
    X, y = _blobs()
    X = X * 1e3
    model, _ = _setup()
    opt = npdeep.optim.GD(model.parameters(), learning_rate=1e6)
    with pytest.raises(FloatingPointError, match="diverged"):
        with np.errstate(all="ignore"):
            npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=50, verbose=0)


def test_nan_guard_off_keeps_going():
    X, y = _blobs(m=32)
    model, opt = _setup()

    def loss(Z, Y):
        return F.cross_entropy(Z, Y) * float("nan")

    with np.errstate(all="ignore"):
        history = npdeep.fit(model, loss, opt, (X, y), epochs=2, verbose=0,
                             nan_guard=False, metrics=())
    assert np.isnan(history.train["cost"]).all()
    # NaN survives the JSON round trip as null
    assert np.isnan(npdeep.History.from_json(history.to_json()).train["cost"]).all()


# Gradient clipping inside fit: clip_value= / clip_norm= after backward, before the update.

def _clip_setup(learning_rate=0.05):
    npdeep.manual_seed(0)
    model = mlp(4, hidden=(16,), n_classes=3)
    return model, npdeep.optim.Momentum(model.parameters(), learning_rate=learning_rate)


def _by_hand(model, optimizer, loader, epochs, clip):
    """The loop fit runs, written out, with the clipping done by hand."""
    for _ in range(epochs):
        model.train()
        for X_batch, Y_batch in loader:
            optimizer.zero_grad()
            J = F.cross_entropy(model(X_batch), np.asarray(Y_batch))
            J.backward()
            clip(model.parameters())
            optimizer.step()


@pytest.mark.parametrize("option", ["clip_norm", "clip_value"])
def test_fit_clipping_equals_clipping_by_hand(option):
    """fit(..., clip_norm=c) is bit for bit the loop with clip_grad_norm(params, c) by hand
    (and clip_value likewise), and the clipping acts: the run differs from an unclipped one."""
    X, y = _blobs(m=96)
    X = X * 10        # large inputs, large gradients: the clipping acts on every step
    loader = DataLoader((X, y), mini_batch_size=16, shuffle=False)
    limit = {"clip_norm": 0.5, "clip_value": 0.05}[option]
    clip = {"clip_norm": lambda params: npdeep.optim.clip_grad_norm(params, limit),
            "clip_value": lambda params: npdeep.optim.clip_grad_value(params, limit)}[option]
    norms = []

    def clip_and_record(params):
        params = list(params)
        norms.append(np.sqrt(sum(np.sum(p.grad.astype(np.float64) ** 2) for p in params)))
        clip(params)

    model_fit, opt_fit = _clip_setup()
    npdeep.fit(model_fit, F.cross_entropy, opt_fit, loader, epochs=2, verbose=0,
               metrics=(), **{option: limit})
    model_hand, opt_hand = _clip_setup()
    _by_hand(model_hand, opt_hand, loader, 2, clip_and_record)
    model_free, opt_free = _clip_setup()
    npdeep.fit(model_free, F.cross_entropy, opt_free, loader, epochs=2, verbose=0, metrics=())

    assert len(norms) == 12 and min(norms) > 0.5          # every step's gradient was clipped
    hand = model_hand.state_dict()
    for name, value in model_fit.state_dict().items():
        assert np.array_equal(value, hand[name]), name
    assert not np.array_equal(model_fit[0].W.data, model_free[0].W.data)


def test_fit_clip_value_then_clip_norm():
    X, y = _blobs(m=64)
    loader = DataLoader((X * 10, y), mini_batch_size=16, shuffle=False)

    def both(params):
        params = list(params)
        npdeep.optim.clip_grad_value(params, 0.1)
        npdeep.optim.clip_grad_norm(params, 0.3)

    model_fit, opt_fit = _clip_setup()
    npdeep.fit(model_fit, F.cross_entropy, opt_fit, loader, epochs=1, verbose=0, metrics=(),
               clip_value=0.1, clip_norm=0.3)
    model_hand, opt_hand = _clip_setup()
    _by_hand(model_hand, opt_hand, loader, 1, both)
    for name, value in model_fit.state_dict().items():
        assert np.array_equal(value, model_hand.state_dict()[name]), name


@pytest.mark.parametrize("option, bad", [("clip_norm", 0), ("clip_norm", -1.0),
                                         ("clip_value", float("nan")), ("clip_value", "5")])
def test_fit_clip_arguments_are_checked(option, bad):
    X, y = _blobs(m=32)
    with pytest.raises(ValueError, match=rf"The '{option}' parameter of fit must be a finite "
                                         rf"number > 0\. Got {re.escape(repr(bad))} instead\."):
        _fit((X, y), **{option: bad})


def test_resume_with_clipping_is_bit_identical(tmp_path):
    pytest.importorskip("safetensors")
    X, y = _blobs(m=96)
    X = X * 10

    class InterruptAt:
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                raise KeyboardInterrupt
            return False

    def run(folder=None, resume=False, callbacks=()):
        npdeep.manual_seed(1)
        model = mlp(4, hidden=(16,), n_classes=3, keep_prob=0.8)   # dropout: the RNG too
        opt = npdeep.optim.Adam(model.parameters(), learning_rate=0.01)
        history = npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=4,
                             mini_batch_size=16, checkpoint_dir=folder, resume=resume,
                             callbacks=callbacks, verbose=0, seed=3, clip_norm=0.5,
                             clip_value=0.2)
        return model, opt, history

    straight = run()
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, callbacks=[InterruptAt()])
    npdeep.manual_seed(999)      # the resumed run must not depend on the RNG's state now
    resumed = run(tmp_path, resume=True)
    for name, value in straight[0].state_dict().items():
        assert np.array_equal(value, resumed[0].state_dict()[name]), name
    for key, value in straight[1].state_dict().items():
        assert np.array_equal(value, resumed[1].state_dict()[key]), key
    assert straight[2].to_dict() == resumed[2].to_dict()
