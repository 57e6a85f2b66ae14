"""examples/word2vec_text.py end to end on a small text (the real run is reported in the
README and the final report, not a test)."""
import os

import numpy as np
import pytest

from conftest import SHARED_DATA
from harness import load_example
from text.word2vec_helpers import topic_corpus


def test_word2vec_text_small(tmp_path, capsys):
    if not os.path.isdir(os.path.join(SHARED_DATA, "embeddings")):
        pytest.skip("the shared evaluation sets are not here")
    book = tmp_path / "book.txt"
    # One paragraph a line, with words the similarity sets know.
    lines = [" ".join(s) for s in topic_corpus(200)] + ["The King and the Queen, a man "
                                                        "and a woman."] * 30
    book.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_example("word2vec_text").main(
        ["--books", str(book), "--epochs", "1", "--vector-size", "8", "--min-count", "1",
         "--workers", "1", "--no-gensim", "--glove-epochs", "1", "--out", str(tmp_path)])
    names = [r["name"] for r in result["runs"]]
    assert names == ["npdeep numba", "npdeep numpy", "npdeep GloVe"]
    assert result["debias"] is None  # no gender words in this text
    assert result["words"] == 200 * 8 + 30 * 10
    assert (tmp_path / "word2vec_text.json").exists()
    assert "npdeep numba mean" in capsys.readouterr().out


def test_debias_report_on_planted_vectors():
    from npdeep.text import KeyedVectors
    example = load_example("word2vec_text")
    words = [w for p in example.GENDER_PAIRS[:3] for w in p] + ["doctor", "nurse", "prince",
                                                                 "princess"]
    E = np.random.default_rng(0).standard_normal((len(words), 10))
    report = example.debias_report(KeyedVectors(words, E))
    assert report["max_abs_after"] < 1e-10
    after = report["equalized"]["princess/prince"]["after"]
    assert abs(after[0] + after[1]) < 1e-12
    assert report["equalized"]["princess/prince"]["max_distance_gap"] < 1e-12


def test_paragraphs_join_wrapped_lines(tmp_path):
    book = tmp_path / "b.txt"
    book.write_text("front\r\n\r\nChapter I.]\r\nIt is a truth\r\nuniversally known.\r\n \r\n"
                    "Next one.\r\n*** END OF THE BOOK\r\nlicence", encoding="utf-8")
    paragraphs = load_example("word2vec_text").paragraphs(str(book))
    assert paragraphs[0] == "Chapter I.] It is a truth universally known."
    assert paragraphs[-1].startswith("Next one.") and "licence" not in " ".join(paragraphs)
