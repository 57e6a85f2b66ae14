"""History: recording, JSON round trip, and the learning-curve plot."""
import json
import os

import numpy as np
import pytest

from npdeep.train import History


def _history():
    history = History()
    for epoch in range(4):
        history.append(epoch, {"cost": 1.0 / (epoch + 1), "accuracy": 0.5 + 0.1 * epoch},
                       {"cost": 1.2 / (epoch + 1), "accuracy": 0.45 + 0.1 * epoch},
                       learning_rate=0.1 / (1 + epoch))
    return history


def test_append_and_fields():
    history = _history()
    assert history.epochs == [0, 1, 2, 3]
    assert history.train["cost"] == [1.0, 0.5, 1 / 3, 0.25]
    assert history.dev["accuracy"] == pytest.approx([0.45, 0.55, 0.65, 0.75])
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    assert len(history) == 4
    assert "4 epochs" in repr(history) and "dev_accuracy=0.75" in repr(history)
    assert repr(History()) == "History(no epochs)"


def test_json_round_trip_is_exact(tmp_path):
    history = _history()
    path = tmp_path / "history.json"
    text = history.to_json(path)
    assert json.loads(path.read_text()) == json.loads(text)
    for source in (path, str(path), text):
        again = History.from_json(source)
        assert again.to_dict() == history.to_dict()
        assert again.train["cost"] == history.train["cost"]  # floats survive bit for bit
    assert os.listdir(tmp_path) == ["history.json"]  # written atomically, nothing left over


def test_non_finite_values_become_null():
    history = History()
    history.append(0, {"cost": float("nan")})
    history.append(1, {"cost": float("inf")})
    data = json.loads(history.to_json())
    assert data["train"]["cost"] == [None, None]
    again = History.from_json(json.dumps(data))
    assert np.isnan(again.train["cost"]).all()


def test_from_json_errors():
    with pytest.raises(ValueError, match="History.from_json: invalid JSON"):
        History.from_json("{not json")
    with pytest.raises(ValueError, match="not a History record"):
        History.from_json('{"train": {}}')


def test_plot_writes_png_headless(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    backend = matplotlib.get_backend()
    path = tmp_path / "curves.png"
    fig = _history().plot(path, title="digits")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["cost", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "dev"]
    assert list(fig.axes[0].lines[1].get_ydata()) == pytest.approx(_history().dev["cost"])
    assert matplotlib.get_backend() == backend  # the caller's backend is left alone


def test_plot_without_dev(tmp_path):
    pytest.importorskip("matplotlib")
    history = History()
    history.append(0, {"cost": 1.0})
    history.append(1, {"cost": 0.5})
    fig = history.plot(tmp_path / "c.png")
    assert [line.get_label() for line in fig.axes[0].lines] == ["train"]


def test_a_long_title_is_wrapped_inside_the_figure(tmp_path):
    pytest.importorskip("matplotlib")
    history = History()
    history.append(0, {"cost": 1.0})
    title = "a character-level LSTM on tiny Shakespeare (cost: nats per character, dev: last 10%)"
    fig = history.plot(tmp_path / "c.png", title=title)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert "\n" in fig._suptitle.get_text()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
