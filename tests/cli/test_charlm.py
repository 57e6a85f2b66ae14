"""npdeep train --task charlm and npdeep generate, end to end on small files (seconds)."""
import json
import os

import pytest

from npdeep import cli
from npdeep.cli.charlm import split_text, text_mode_of

pytest.importorskip("safetensors")

NAMES = ("emma olivia ava isabella sophia mia amelia emily abigail ella anna liam noah "
         "oliver elijah james lucas mason ethan logan jacob aiden jackson harper evelyn "
         "grace chloe zoey lily riley nora").split()
TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, "
        "speak.\n\n") * 12


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("\n".join(NAMES) + "\n")
    return str(path)


def _train(out, data, *extra):
    return cli.main(["train", "--task", "charlm", "--data", data, "--out", str(out),
                     "--verbose", "0", "--n-a", "16", *extra])


def test_names_run_folder_and_generate(tmp_path, names_file, capsys):
    out = tmp_path / "run"
    assert _train(out, names_file, "--epochs", "4", "--mini-batch-size", "8") == 0
    printed = capsys.readouterr().out
    assert f"Training a character lstm on {names_file} (lines)" in printed
    assert "nats per character, perplexity" in printed and "Kneser-Ney" in printed
    assert sorted(os.listdir(out)) == sorted(["checkpoint.safetensors", "config.json",
                                              "curves.png", "history.json",
                                              "model.safetensors", "results.json",
                                              "vocab.json"])
    config = json.loads((out / "config.json").read_text())
    assert config["task"] == "charlm" and config["text_mode_used"] == "lines"
    assert config["model"]["n_a"] == 16 and config["patience"] == 3
    results = json.loads((out / "results.json").read_text())
    assert results["dev_perplexity"] > 1 and results["epochs"] <= 4
    assert set(results["bigram_dev_perplexity"]) == {"add-one", "kneser-ney"}

    assert cli.main(["generate", "--run", str(out), "-n", "7", "--seed", "3"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert len(first) == 7
    assert cli.main(["generate", "--run", str(out), "-n", "7", "--seed", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == first
    assert cli.main(["generate", "--run", str(out), "-n", "2", "--prefix", "em",
                     "--temperature", "1e-6", "--max-length", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1] and lines[0].startswith("em")


def test_running_text_mode_and_resume(tmp_path, capsys):
    data = tmp_path / "play.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    assert _train(out, str(data), "--epochs", "2", "--bptt", "16", "--mini-batch-size",
                  "4", "--patience", "0") == 0
    assert "(text)" in capsys.readouterr().out
    config = json.loads((out / "config.json").read_text())
    assert config["text_mode_used"] == "text" and config["bptt"] == 16
    # Train on to 3 epochs from the checkpoint, with the saved settings.
    assert _train(out, str(data), "--epochs", "3", "--resume", "--bptt", "16",
                  "--mini-batch-size", "4", "--patience", "0") == 0
    results = json.loads((out / "results.json").read_text())
    assert results["epochs"] == 3
    capsys.readouterr()
    assert cli.main(["generate", "--run", str(out), "-n", "1", "--seed", "0",
                     "--max-length", "40"]) == 0
    assert len(capsys.readouterr().out) <= 41 + 1


def test_text_mode_auto_and_split():
    assert text_mode_of("\n".join(NAMES) + "\n", "auto") == "lines"
    assert text_mode_of(TEXT, "auto") == "text"
    assert text_mode_of(TEXT, "lines") == "lines"
    train, dev = split_text("\n".join(NAMES), "lines", 0.1, seed=0)
    assert len(dev) == 3 and sorted(train + dev) == sorted(NAMES)
    assert split_text("\n".join(NAMES), "lines", 0.1, seed=0) == (train, dev)
    train, dev = split_text("abcdefghij", "text", 0.2, seed=0)
    assert (train, dev) == ("abcdefgh", "ij")


def test_bad_input_gives_clear_errors(tmp_path, names_file, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    assert _train(tmp_path / "a", str(empty)) == 2
    assert "is empty; a language model needs text to learn from" in capsys.readouterr().err
    assert _train(tmp_path / "b", str(tmp_path / "missing.txt")) == 2
    assert "--data: no such file" in capsys.readouterr().err
    assert cli.main(["train", "--task", "charlm", "--out", str(tmp_path / "c")]) == 2
    assert "--task charlm needs --data FILE" in capsys.readouterr().err
    assert _train(tmp_path / "d", names_file, "--model", "mlp") == 2
    assert "--model cannot be used with --task charlm" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--task", "poetry"])
    assert "argument --task: invalid choice: 'poetry'" in capsys.readouterr().err
    assert cli.main(["train", "--data", names_file]) == 2
    assert "unknown data set" in capsys.readouterr().err


def test_existing_runs_and_generate_errors(tmp_path, names_file, capsys):
    out = tmp_path / "run"
    assert _train(out, names_file, "--epochs", "1") == 0
    assert _train(out, names_file, "--epochs", "1") == 2
    assert "already holds a run" in capsys.readouterr().err
    assert _train(out, names_file, "--epochs", "1", "--overwrite") == 0
    capsys.readouterr()
    assert cli.main(["generate", "--run", str(out), "--temperature", "0"]) == 2
    assert "The 'temperature' parameter of sample must be a finite number > 0" in \
        capsys.readouterr().err
    assert cli.main(["generate", "--run", str(tmp_path / "nothing")]) == 2
    assert "no config.json in" in capsys.readouterr().err
    (tmp_path / "cls").mkdir()
    (tmp_path / "cls" / "config.json").write_text(json.dumps({"data": "digits"}))
    assert cli.main(["generate", "--run", str(tmp_path / "cls")]) == 2
    assert "not a language model" in capsys.readouterr().err


def test_time_limit_stops_before_an_epoch_that_would_end_late(monkeypatch):
    import npdeep.cli.charlm as charlm

    clock = iter([0.0, 20.0, 45.0])
    monkeypatch.setattr(charlm.time, "perf_counter", lambda: next(clock))
    limit = charlm.TimeLimit(minutes=1)
    limit.on_train_begin(None)
    assert not limit.on_epoch_end(0, {})  # 20 s done: the next would end near 40 s
    assert limit.on_epoch_end(1, {})  # 45 s done: the next would end near 67.5 s > 60 s
