"""fit's verbose levels: silent, a bar then the epoch's line, one line per epoch."""
import builtins

import pytest

import npdeep
from npdeep import functional as F
from npdeep.train.progress import epoch_line
from harness import blobs as _blobs, mlp_and_adam


def _fit(verbose, epochs=2, dev=True, **kwargs):
    X, y = _blobs()
    model, opt = mlp_and_adam(learning_rate=0.001)
    return npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=(X, y) if dev else None,
                      epochs=epochs, verbose=verbose, **kwargs)


def test_epoch_line_names_every_value():
    logs = {"train_cost": 0.12345, "train_accuracy": 0.97, "dev_cost": 0.2, "dev_accuracy": 0.95,
            "learning_rate": 0.001}
    assert epoch_line(2, 10, logs) == ("epoch 3/10 - cost 0.1235 - accuracy 0.9700 - dev_cost "
                                       "0.2000 - dev_accuracy 0.9500 - learning_rate 0.001")


def test_epoch_line_keeps_small_and_large_numbers_readable():
    line = epoch_line(0, 1, {"train_cost": 3.2e-6, "dev_cost": 12345.0, "train_accuracy": 0.0})
    assert line == "epoch 1/1 - cost 3.200e-06 - dev_cost 1.234e+04 - accuracy 0.0000"


def test_verbose_2_prints_one_line_per_epoch_with_every_value(capsys):
    """With progress=False nothing was printed; verbose=2 gives Keras's one line per epoch."""
    history = _fit(verbose=2, epochs=3)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3 and err == ""
    for epoch, line in enumerate(lines):
        assert line.startswith(f"epoch {epoch + 1}/3 - cost ")
        for name in ("accuracy", "dev_cost", "dev_accuracy", "learning_rate 0.001"):
            assert f" - {name}" in line
        assert f"dev_accuracy {history.dev['accuracy'][epoch]:.4f}" in line


def test_verbose_1_shows_dev_figures_after_the_bar(capsys):
    """In 80 columns the bar's postfix cut the dev accuracy off: the bar now shows only the
    running cost, and the epoch's line with the dev figures follows when it closes."""
    pytest.importorskip("tqdm")
    _fit(verbose=1)
    out, err = capsys.readouterr()
    assert "epoch 1/2" in err  # the bar, on stderr
    assert "dev_" not in err
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("epoch 2/2 - cost ") and " - dev_accuracy " in lines[1]


def test_verbose_1_without_tqdm_prints_the_lines(capsys, monkeypatch):
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    _fit(verbose=1, dev=False)
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("epoch 1/2 - cost ") and err == ""


def test_verbose_0_is_silent(capsys):
    _fit(verbose=0)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("bad", [True, 3, -1, "2", None])
def test_bad_verbose_is_refused(bad):
    with pytest.raises(ValueError, match=r"The 'verbose' parameter of fit must be 0 \(silent\), "
                                         r"1 \(a progress bar\) or 2 \(one line per epoch\)"):
        _fit(verbose=bad, epochs=0)
