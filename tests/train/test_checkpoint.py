"""npdeep.save / npdeep.load: safetensors files, atomic writes, damaged files, wrong calls."""
import os

import numpy as np
import pytest

import npdeep
from npdeep import nn
from npdeep.models import mlp

pytest.importorskip("safetensors")


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
