"""Callbacks and EarlyStopping."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.models import mlp
from npdeep.train import Callback, EarlyStopping


def _logs_run(stopper, values, key="dev_cost"):
    """Feed a sequence of monitored values; return the epoch at which stopping was asked."""
    for epoch, value in enumerate(values):
        if stopper.on_epoch_end(epoch, {key: value}):
            return epoch
    return None


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping("dev_cost", patience=2)
    assert _logs_run(stopper, [1.0, 0.8, 0.9, 0.85, 0.7]) == 3
    assert stopper.best == 0.8 and stopper.best_epoch == 1 and stopper.stopped_epoch == 3


def test_mode_auto():
    assert EarlyStopping("dev_cost").mode == "min"
    assert EarlyStopping("val_loss").mode == "min"
    assert EarlyStopping("dev_accuracy").mode == "max"
    stopper = EarlyStopping("dev_accuracy", patience=1)
    assert _logs_run(stopper, [0.5, 0.6, 0.6], key="dev_accuracy") == 2


def test_min_delta():
    stopper = EarlyStopping("dev_cost", patience=1, min_delta=0.1)
    assert _logs_run(stopper, [1.0, 0.95]) == 1


def test_nan_is_never_an_improvement():
    stopper = EarlyStopping("dev_cost", patience=1)
    assert _logs_run(stopper, [1.0, float("nan")]) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="up"), r"'mode' parameter of EarlyStopping must be one of"),
    (dict(patience=-1), r"'patience' parameter of EarlyStopping must be an int >= 0"),
    (dict(min_delta=-0.1), r"'min_delta' parameter of EarlyStopping must be a finite number "
                           r">= 0"),
    (dict(min_delta=float("nan")), r"'min_delta' parameter of EarlyStopping must be a finite"),
    (dict(patience=2.0), r"'patience' parameter of EarlyStopping must be an int >= 0\. Got 2\.0"),
    (dict(patience=True), r"'patience' parameter of EarlyStopping must be an int >= 0"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


def test_numpy_integer_patience_is_accepted():
    """The shared check_int takes NumPy integers (a patience read from an array or a grid)."""
    stopper = EarlyStopping("dev_cost", patience=np.int64(2))
    assert stopper.patience == 2 and type(stopper.patience) is int


def test_monitor_must_be_a_name():
    with pytest.raises(TypeError, match="EarlyStopping: monitor must be the name of a logged "
                                        "value"):
        EarlyStopping(monitor=3)


def _overfitting_setup():
    """Few noisy examples and a big network: the dev cost is U-shaped in the epochs."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 10)).astype(np.float32)
    y = (X[:, 0] + rng.standard_normal(40) > 0).astype(np.int64)
    Xd = rng.standard_normal((200, 10)).astype(np.float32)
    yd = (Xd[:, 0] > 0).astype(np.int64)
    npdeep.manual_seed(0)
    model = mlp(10, hidden=(64, 64), n_classes=2)
    return model, npdeep.optim.Adam(model.parameters(), learning_rate=0.01), (X, y), (Xd, yd)


def test_early_stopping_in_fit_restores_best_weights():
    model, opt, train, dev = _overfitting_setup()
    best_weights = {}

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs):
            best_weights[epoch] = model.state_dict()
            return False

    stopper = EarlyStopping("dev_cost", patience=3)
    history = npdeep.fit(model, F.cross_entropy, opt, train, dev=dev, epochs=200,
                         callbacks=[Spy(), stopper], verbose=0, seed=0)
    assert stopper.stopped_epoch is not None and len(history) == stopper.stopped_epoch + 1
    assert len(history) < 200
    best = int(np.argmin(history.dev["cost"]))
    assert stopper.best_epoch == best and stopper.best == history.dev["cost"][best]
    assert history.epochs[-1] - best == 3
    for name, value in model.state_dict().items():
        assert np.array_equal(value, best_weights[best][name]), name
    result = npdeep.evaluate(model, dev, loss_fn=F.cross_entropy)
    assert result["cost"] == pytest.approx(min(history.dev["cost"]), rel=1e-5)


def test_restore_best_false_keeps_last_weights():
    model, opt, train, dev = _overfitting_setup()
    stopper = EarlyStopping("dev_cost", patience=2, restore_best=False)
    history = npdeep.fit(model, F.cross_entropy, opt, train, dev=dev, epochs=200,
                         callbacks=stopper, verbose=0, seed=0)
    result = npdeep.evaluate(model, dev, loss_fn=F.cross_entropy)
    assert result["cost"] == pytest.approx(history.dev["cost"][-1], rel=1e-5)


def test_missing_monitor_is_explained():
    model, opt, train, _ = _overfitting_setup()
    with pytest.raises(ValueError, match=r"monitor 'dev_cost' is not among the epoch's logs "
                                         r"\['learning_rate', 'train_accuracy', 'train_cost'\]; "
                                         r"pass dev= to fit"):
        npdeep.fit(model, F.cross_entropy, opt, train, epochs=2,
                   callbacks=[EarlyStopping("dev_cost")], verbose=0)


def test_callback_protocol_and_logs():
    model, opt, train, dev = _overfitting_setup()
    seen = []

    class Recorder:  # any object with on_epoch_end works; the other hooks are optional
        def on_epoch_end(self, epoch, logs):
            seen.append((epoch, sorted(logs)))
            return epoch == 1

    history = npdeep.fit(model, F.cross_entropy, opt, train, dev=dev, epochs=5,
                         callbacks=[Recorder()], verbose=0)
    assert len(history) == 2
    assert seen[0] == (0, ["dev_accuracy", "dev_cost", "learning_rate", "train_accuracy",
                           "train_cost"])


def test_object_without_hook_is_refused():
    model, opt, train, _ = _overfitting_setup()
    with pytest.raises(TypeError, match="has no on_epoch_end"):
        npdeep.fit(model, F.cross_entropy, opt, train, callbacks=[object()], verbose=0)
