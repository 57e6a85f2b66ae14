"""fit's training checkpoint: written every epoch and on Ctrl-C, resumed bit for bit."""
import json
import os
import signal

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.data import DataLoader
from npdeep.models import mlp
from npdeep.train import checkpoint
from npdeep.train.callbacks import Callback
from npdeep.train.resume import CHECKPOINT_NAME

pytest.importorskip("safetensors")


def _data(m=120, n_x=6, C=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_x)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)
    return X, y


def _model(seed=1, **kwargs):
    npdeep.manual_seed(seed)
    return mlp(6, hidden=(8,), n_classes=3, **kwargs)


class InterruptAt:
    """A callback that simulates Ctrl-C at the end of epoch k."""

    def __init__(self, k):
        self.k = k

    def on_epoch_end(self, epoch, logs):
        if epoch == self.k:
            raise KeyboardInterrupt
        return False


def _run(train, dev, tmp=None, resume=False, callbacks=(), epochs=5, loss_fn=F.cross_entropy,
         optimizer="adam"):
    model = _model(keep_prob=0.7, batch_norm=True)  # dropout and batch norm: RNG and buffers
    if optimizer == "adam":
        opt = npdeep.optim.Adam(model.parameters(), learning_rate=0.01)
    else:
        opt = npdeep.optim.Momentum(model.parameters(), learning_rate=0.05)
    schedule = npdeep.optim.InverseTimeDecay(0.01, 0.5)
    history = npdeep.fit(model, loss_fn, opt, train, dev=dev, epochs=epochs,
                         mini_batch_size=16, schedule=schedule, callbacks=callbacks,
                         checkpoint_dir=tmp, resume=resume, verbose=0, seed=7)
    return model, opt, history


def _assert_same(a, b):
    model_a, opt_a, hist_a = a
    model_b, opt_b, hist_b = b
    state_b = model_b.state_dict()
    for name, x in model_a.state_dict().items():
        assert np.array_equal(x, state_b[name]), name
    for key, value in opt_a.state_dict().items():
        assert np.array_equal(value, opt_b.state_dict()[key]), key
    assert hist_a.to_dict() == hist_b.to_dict()


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
@pytest.mark.parametrize("use_loader", [False, True])
def test_interrupt_and_resume_is_bit_identical(tmp_path, use_loader, optimizer):
    X, y = _data()
    train = DataLoader((X, y), mini_batch_size=16) if use_loader else (X, y)
    dev = _data(40, seed=1)
    straight = _run(train, dev, optimizer=optimizer)
    with pytest.raises(KeyboardInterrupt):
        _run(train, dev, tmp_path, callbacks=[InterruptAt(2)], optimizer=optimizer)
    assert os.listdir(tmp_path) == [CHECKPOINT_NAME]
    npdeep.manual_seed(12345)  # the resumed run must not depend on the RNG's state now
    resumed = _run(train, dev, tmp_path, resume=True, optimizer=optimizer)
    _assert_same(straight, resumed)
    assert resumed[2].epochs == [0, 1, 2, 3, 4]


def test_ctrl_c_mid_epoch_resumes_exactly(tmp_path):
    """A real SIGINT in the middle of an epoch stops at the next mini-batch boundary."""
    X, y = _data()
    dev = _data(40, seed=1)
    straight = _run((X, y), dev)
    calls = {"n": 0}

    def loss_with_ctrl_c(Z, Y):
        calls["n"] += 1
        # Call 1 is fit's pre-flight check, 2-9 epoch 0's mini-batches, 10 the dev cost:
        # call 13 is epoch 1's mini-batch 2, after which training stops.
        if calls["n"] == 13:
            os.kill(os.getpid(), signal.SIGINT)
        return F.cross_entropy(Z, Y)

    with pytest.raises(KeyboardInterrupt):
        _run((X, y), dev, tmp_path, loss_fn=loss_with_ctrl_c)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    arrays, metadata = checkpoint.read_safetensors(tmp_path / CHECKPOINT_NAME)
    assert (metadata["epoch"], metadata["step"]) == ("1", "3")
    resumed = _run((X, y), dev, tmp_path, resume=True)
    _assert_same(straight, resumed)


def test_checkpoint_written_every_epoch_with_everything(tmp_path):
    X, y = _data()
    model, opt, history = _run((X, y), None, tmp_path, epochs=2)
    arrays, metadata = checkpoint.read_safetensors(tmp_path / CHECKPOINT_NAME)
    assert {k for k in arrays if k.startswith("model/")} == {
        "model/" + k for k in model.state_dict()}
    assert {"optimizer/v", "optimizer/s"} <= set(arrays)
    assert json.loads(metadata["optimizer"])["t"] == opt.t
    assert metadata["epoch"] == "2" and metadata["finished"] == "completed"
    assert json.loads(metadata["rng_state"])["bit_generator"] == "PCG64"
    assert npdeep.History.from_json(metadata["history"]).to_dict() == history.to_dict()
    # npdeep.load reads the weights of a training checkpoint too.
    fresh = _model(seed=3, keep_prob=0.7, batch_norm=True)
    npdeep.load(fresh, tmp_path / CHECKPOINT_NAME)
    assert np.array_equal(fresh[0].W.data, model[0].W.data)


def test_resume_finished_run_returns_at_once(tmp_path):
    X, y = _data()
    first = _run((X, y), None, tmp_path, epochs=2)
    again = _run((X, y), None, tmp_path, epochs=2, resume=True)
    _assert_same(first, again)
    longer = _run((X, y), None, tmp_path, epochs=3, resume=True)
    assert longer[2].epochs == [0, 1, 2]


def test_resume_without_checkpoint_starts_fresh(tmp_path):
    X, y = _data()
    a = _run((X, y), None, epochs=2)
    b = _run((X, y), None, tmp_path, epochs=2, resume=True)
    _assert_same(a, b)


def test_resume_other_architecture_lists_keys(tmp_path):
    X, y = _data()
    _run((X, y), None, tmp_path, epochs=1)
    other = mlp(6, hidden=(8, 4), n_classes=3)
    optimizer = npdeep.optim.Adam(other.parameters())
    with pytest.raises(KeyError, match=r"checkpoint\.safetensors' into this Sequential.*"
                                        r"different architecture.*missing keys"):
        npdeep.fit(other, F.cross_entropy, optimizer, (X, y), epochs=2, checkpoint_dir=tmp_path,
                   resume=True, verbose=0)


def test_resume_other_optimizer_is_refused(tmp_path):
    X, y = _data()
    _run((X, y), None, tmp_path, epochs=1)
    model = _model(keep_prob=0.7, batch_norm=True)
    optimizer = npdeep.optim.GD(model.parameters())
    with pytest.raises(ValueError, match="written by a run with the Adam optimizer, but this "
                                         "run uses GD"):
        npdeep.fit(model, F.cross_entropy, optimizer, (X, y), epochs=2,
                   checkpoint_dir=tmp_path, resume=True, verbose=0)


def test_corrupted_training_checkpoint_is_refused(tmp_path):
    X, y = _data()
    _run((X, y), None, tmp_path, epochs=1)
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        _run((X, y), None, tmp_path, epochs=2, resume=True)


def test_module_file_is_not_a_training_checkpoint(tmp_path):
    X, y = _data()
    npdeep.save(_model(), tmp_path / CHECKPOINT_NAME)
    with pytest.raises(ValueError, match="not a training checkpoint"):
        _run((X, y), None, tmp_path, epochs=2, resume=True)


def test_early_stopping_state_survives_resume(tmp_path):
    """EarlyStopping's best value, patience count and best weights are in the checkpoint, so
    an interrupted run with early stopping ends with the same (restored best) weights."""
    X, y = _data()
    dev = _data(40, seed=1)

    def run(tmp=None, resume=False, extra=()):
        # min_delta makes it stop at epoch 4 and restore epoch 2's weights, so a resumed run
        # that forgot its best (or its patience count) would end elsewhere.
        stopper = npdeep.EarlyStopping("dev_cost", patience=2, min_delta=0.1)
        result = _run((X, y), dev, tmp, resume=resume, callbacks=[stopper, *extra], epochs=8)
        return result, stopper

    straight, straight_stopper = run()
    assert (straight_stopper.best_epoch, straight_stopper.stopped_epoch) == (2, 4)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, extra=[InterruptAt(3)])
    npdeep.manual_seed(999)
    resumed, resumed_stopper = run(tmp_path, resume=True, extra=[Callback()])
    _assert_same(straight, resumed)
    assert resumed_stopper.best == straight_stopper.best
    assert resumed_stopper.best_epoch == straight_stopper.best_epoch
    assert resumed_stopper.wait == straight_stopper.wait


def test_resume_with_other_stateful_callbacks_is_refused(tmp_path):
    X, y = _data()
    with pytest.raises(KeyboardInterrupt):
        _run((X, y), None, tmp_path, callbacks=[npdeep.EarlyStopping("train_cost"),
                                                InterruptAt(1)])
    with pytest.raises(ValueError, match="written by a run with 2 callbacks"):
        _run((X, y), None, tmp_path, resume=True)


# ---------------------------------------------------------------------------- the folder
def _fit_into(folder, epochs=1, **kwargs):
    X, y = _data()
    model = _model()
    opt = npdeep.optim.Adam(model.parameters(), learning_rate=0.01)
    kwargs.setdefault("verbose", 0)
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=epochs,
                         checkpoint_dir=folder, seed=0, **kwargs)
    return model, history


def test_unwritable_checkpoint_dir_fails_before_training(tmp_path):
    X, y = _data()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    model = _model()
    opt = npdeep.optim.Adam(model.parameters())
    before = model[0].W.data.copy()
    with pytest.raises(ValueError, match="fit: cannot write checkpoints to .*a_file/run"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, verbose=0,
                   checkpoint_dir=blocker / "run")
    assert np.array_equal(model[0].W.data, before)
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_bad_data_writes_no_checkpoint_folder(tmp_path):
    X, y = _data()
    model = _model()
    with pytest.raises(ValueError):
        npdeep.fit(model, F.cross_entropy, npdeep.optim.Adam(model.parameters()),
                   (X, y[:10]), epochs=1, verbose=0, checkpoint_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_checkpoint_folder_has_no_leftovers(tmp_path):
    _fit_into(tmp_path)
    assert os.listdir(tmp_path) == [CHECKPOINT_NAME]


def test_training_into_a_used_folder_is_refused(tmp_path):
    """A second run into the same checkpoint_dir silently replaced the first one."""
    _fit_into(tmp_path, epochs=2)
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()
    model = _model(seed=4)
    weights = model[0].W.data.copy()
    X, y = _data()
    with pytest.raises(ValueError, match=r"fit: '.*' already holds a training checkpoint "
                                         r"\(checkpoint\.safetensors\); pass resume=True to "
                                         r"continue that run, or overwrite=True to discard it"):
        npdeep.fit(model, F.cross_entropy, npdeep.optim.Adam(model.parameters()), (X, y),
                   epochs=2, checkpoint_dir=tmp_path, verbose=0)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before
    assert np.array_equal(model[0].W.data, weights)


def test_other_files_in_the_folder_are_fine(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    _fit_into(tmp_path)
    assert sorted(os.listdir(tmp_path)) == [CHECKPOINT_NAME, "config.json"]


def test_overwrite_starts_afresh(tmp_path):
    fresh, fresh_history = _fit_into(None, epochs=1)
    _fit_into(tmp_path, epochs=3)
    model, history = _fit_into(tmp_path, epochs=1, overwrite=True)
    assert history.to_dict() == fresh_history.to_dict()
    assert np.array_equal(model[0].W.data, fresh[0].W.data)
    arrays, metadata = checkpoint.read_safetensors(tmp_path / CHECKPOINT_NAME)
    assert metadata["epoch"] == "1"


def test_overwrite_discards_the_old_checkpoint_before_training(tmp_path):
    """A run started with overwrite=True that fails in its first epoch leaves no stale
    checkpoint for a later resume=True to continue as if it were this run."""
    _fit_into(tmp_path, epochs=2)

    class Fail:
        def on_epoch_end(self, epoch, logs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _fit_into(tmp_path, overwrite=True, callbacks=[Fail()])
    assert os.listdir(tmp_path) == []


def test_resume_and_overwrite_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="resume=True continues .* overwrite=True discards it; "
                                         "pass one of them"):
        _fit_into(tmp_path, resume=True, overwrite=True)


def test_resume_says_where_it_continues(tmp_path, capsys):
    _fit_into(tmp_path / "new", epochs=1, resume=True, verbose=2)
    assert capsys.readouterr().out.splitlines()[0] == (
        f"no checkpoint in '{tmp_path / 'new'}' yet: starting a new run")
    with pytest.raises(KeyboardInterrupt):
        _fit_into(tmp_path, epochs=4, callbacks=[InterruptAt(1)])
    capsys.readouterr()
    _fit_into(tmp_path, epochs=4, resume=True, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "resuming from epoch 3 of 4"
    assert lines[1].startswith("epoch 3/4 - cost ") and lines[2].startswith("epoch 4/4 - ")
    _fit_into(tmp_path, epochs=4, resume=True, verbose=1)
    assert capsys.readouterr().out == "run already complete (4 of 4 epochs trained)\n"
    _fit_into(tmp_path, epochs=4, resume=True, verbose=0)
    assert capsys.readouterr().out == ""


def test_resume_mid_epoch_names_the_mini_batch(tmp_path):
    from npdeep.train.resume import Position
    position = Position(2)
    position.step = 3
    assert position.describe(10) == "resuming from epoch 3 of 10 (mini-batch 4)"
    position = Position(4)
    position.finished = "stopped"
    assert position.describe(10) == ("run already complete: a callback stopped it after "
                                     "epoch 4 of 10")
