"""npdeep.save / npdeep.load, atomic writes, damaged files, and exact interrupt-and-resume."""
import json
import os
import signal

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep import nn
from npdeep.data import DataLoader
from npdeep.models import mlp
from npdeep.train import checkpoint
from npdeep.train.callbacks import Callback
from npdeep.train.loop import CHECKPOINT_NAME

pytest.importorskip("safetensors")


def _data(m=120, n_x=6, C=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_x)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)
    return X, y


def _model(seed=1, **kwargs):
    npdeep.manual_seed(seed)
    return mlp(6, hidden=(8,), n_classes=3, **kwargs)


def test_save_load_round_trip(tmp_path):
    model = _model(batch_norm=True)
    model[1].running_mean = np.arange(8, dtype=np.float32)  # a buffer is saved too
    path = tmp_path / "model.safetensors"
    npdeep.save(model, path)
    other = _model(seed=2, batch_norm=True)
    assert not np.array_equal(other[0].W.data, model[0].W.data)
    npdeep.load(other, path)
    loaded = other.state_dict()
    assert set(loaded) == set(model.state_dict())
    for name, a in model.state_dict().items():
        assert np.array_equal(a, loaded[name]), name
        assert a.dtype == loaded[name].dtype


def test_file_is_plain_safetensors(tmp_path):
    """Any safetensors reader (no npdeep, no pickle) gets the named arrays."""
    from safetensors.numpy import load_file
    model = _model()
    path = tmp_path / "m.safetensors"
    npdeep.save(model, path)
    arrays = load_file(str(path))
    assert set(arrays) == set(model.state_dict())
    assert np.array_equal(arrays["0.W"], model[0].W.data)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    model = _model()
    path = tmp_path / "m.safetensors"
    npdeep.save(model, path)
    npdeep.save(model, path)  # overwrite
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_failed_write_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / "m.safetensors"
    npdeep.save(model, path)
    before = path.read_bytes()
    import safetensors.numpy

    def broken(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"partial")
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of the write

    monkeypatch.setattr(safetensors.numpy, "save_file", broken)
    with pytest.raises(KeyboardInterrupt):
        npdeep.save(_model(seed=5), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_saved_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.safetensors' is not a readable safetensors file"):
        npdeep.load(_model(), path)


@pytest.mark.parametrize("content", [b"", b"not a safetensors file at all" * 3])
def test_garbage_file_is_refused(tmp_path, content):
    path = tmp_path / "m.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="truncated or corrupted"):
        npdeep.load(_model(), path)


def test_flipped_byte_in_the_data_is_caught(tmp_path):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # inside the last array's bytes: the header still parses
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted: checksum mismatch"):
        npdeep.load(_model(), path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint file"):
        npdeep.load(_model(), tmp_path / "nope.safetensors")


def test_other_architecture_lists_keys(tmp_path):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    deeper = mlp(6, hidden=(8, 8), n_classes=3)
    with pytest.raises(KeyError, match=r"different architecture.*missing keys \['4\.W', "
                                        r"'4\.b'\]"):
        npdeep.load(deeper, path)


def test_other_shapes_listed(tmp_path):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    wider = mlp(6, hidden=(9,), n_classes=3)
    with pytest.raises(ValueError, match=r"shape mismatch for 0\.W: checkpoint \(8, 6\), "
                                         r"model \(9, 6\)"):
        npdeep.load(wider, path)


def test_load_returns_the_model(tmp_path):
    """model = npdeep.load(model, path) must keep the model (it returned None)."""
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    model = _model(seed=2)
    assert npdeep.load(model, path) is model


@pytest.mark.parametrize("call", ["save", "load"])
def test_swapped_arguments_are_named(tmp_path, call):
    path = tmp_path / "m.safetensors"
    npdeep.save(_model(), path)
    with pytest.raises(TypeError, match=rf"{call}\(module, path\): the arguments are swapped; "
                                        rf"the Module comes first: npdeep\.{call}\(model, "):
        getattr(npdeep, call)(str(path), _model())


def test_saving_a_non_module_is_refused(tmp_path):
    with pytest.raises(TypeError, match="save: module must be an npdeep.nn.Module .* got "
                                        "ndarray"):
        npdeep.save(np.zeros(3), tmp_path / "a.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_into_missing_folder_names_the_folder(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=r"the folder '.*no/such' does not exist; "
                                                r"create it first"):
        npdeep.save(_model(), missing / "m.safetensors")


def test_load_from_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No checkpoint file at .*the folder '.*/no' "
                                                r"does not exist"):
        npdeep.load(_model(), tmp_path / "no" / "m.safetensors")


# ---------------------------------------------------------------------------- fit checkpoints
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
                         checkpoint_dir=tmp, resume=resume, progress=False, seed=7)
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
                   resume=True, progress=False)


def test_resume_other_optimizer_is_refused(tmp_path):
    X, y = _data()
    _run((X, y), None, tmp_path, epochs=1)
    model = _model(keep_prob=0.7, batch_norm=True)
    optimizer = npdeep.optim.GD(model.parameters())
    with pytest.raises(ValueError, match="written by a run with the Adam optimizer, but this "
                                         "run uses GD"):
        npdeep.fit(model, F.cross_entropy, optimizer, (X, y), epochs=2,
                   checkpoint_dir=tmp_path, resume=True, progress=False)


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


def _saved_linear(tmp_path):
    path = tmp_path / "linear.safetensors"
    npdeep.save(nn.Linear(2, 3), path)
    return path


def test_empty_module_round_trip(tmp_path):
    model = nn.Sequential(nn.ReLU())
    npdeep.save(model, tmp_path / "e.safetensors")
    assert (tmp_path / "e.safetensors").stat().st_size > 0
    npdeep.load(model, tmp_path / "e.safetensors")  # no keys on either side: nothing missing
    with pytest.raises(KeyError, match="unexpected keys"):
        npdeep.load(model, _saved_linear(tmp_path))


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
