"""examples/char_names.py and examples/char_shakespeare.py run end to end (on small files;
the real runs are examples, reported in their docstrings, not tests)."""
from harness import load_example

NAMES = ("emma olivia ava isabella sophia mia amelia emily abigail ella anna liam noah "
         "oliver elijah james lucas mason ethan logan jacob aiden jackson harper").split()


def test_char_names(tmp_path, capsys):
    data = tmp_path / "names.txt"
    data.write_text("\n".join(NAMES * 3) + "\n")
    result = load_example("char_names").main(
        ["--data", str(data), "--n-a", "16", "--epochs", "3", "--samples", "4",
         "--out", str(tmp_path)])
    assert len(result["samples"]) == 4 and result["epochs"] <= 3
    assert result["dev_perplexity"] > 1 and result["bigram_kneser-ney_perplexity"] > 1
    assert "held-out perplexity per character" in capsys.readouterr().out


def test_char_shakespeare(tmp_path, capsys):
    data = tmp_path / "play.txt"
    data.write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 40)
    result = load_example("char_shakespeare").main(
        ["--data", str(data), "--n-a", "16", "--epochs", "2", "--bptt", "20",
         "--mini-batch-size", "4", "--sample-length", "30", "--out", str(tmp_path)])
    assert result["sample"].startswith("\n") and len(result["sample"]) <= 31
    assert len(result["dev_cost_curve"]) == result["epochs"] <= 2
    assert (tmp_path / "char_shakespeare_sample.txt").exists()
    assert "nats per character" in capsys.readouterr().out
