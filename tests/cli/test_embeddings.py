"""npdeep embeddings train | evaluate | analogy on tiny corpora and vector files."""
import numpy as np
import pytest

from npdeep import cli
from npdeep.text import KeyedVectors
from text.word2vec_helpers import topic_corpus


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s).upper() for s in topic_corpus(120)) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def planted(tmp_path):
    """Vectors where man : woman :: king : queen holds exactly, a question file and pairs."""
    rng = np.random.default_rng(0)
    words = ["man", "woman", "king", "queen", "boy", "girl", "x1", "x2", "x3"]
    E = rng.standard_normal((len(words), 6))
    E[3] = E[2] - E[0] + E[1]
    E[5] = E[4] - E[0] + E[1]
    kv = KeyedVectors(words, E)
    vectors = tmp_path / "v.txt"
    kv.save_word2vec_format(vectors)
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman woman king queen\nman woman boy girl\n"
                         "man woman prince princess\n", encoding="utf-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\nman\twoman\t8\nking\tx1\t1\nqueen\tx2\t2\nboy\tgirl\t7\n",
                     encoding="utf-8")
    return kv, vectors, questions, pairs


def test_train_writes_word2vec_vectors(corpus, tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["embeddings", "train", "--corpus", str(corpus), "--out", str(out),
                     "--vector-size", "8", "--window", "3", "--min-count", "1", "--epochs", "2",
                     "--negative", "3", "--seed", "4", "--workers", "1", "--lowercase",
                     "--no-progress"])
    assert code == 0
    kv = KeyedVectors.load_word2vec_format(out / "vectors.txt")
    assert len(kv) == 20 and kv.vector_size == 8 and "a0" in kv  # lower-cased
    printed = capsys.readouterr().out
    assert "20 words x 8, 2 epochs over 960 words" in printed and "vectors.txt" in printed


def test_train_simple_tokens_drops_punctuation_and_case(tmp_path):
    corpus = tmp_path / "punct.txt"
    corpus.write_text("The Prince, said Anna!\n" * 30 + "\"Well,\" said the prince.\n" * 30,
                      encoding="utf-8")
    out = tmp_path / "run"
    assert cli.main(["embeddings", "train", "--corpus", str(corpus), "--out", str(out),
                     "--vector-size", "4", "--min-count", "1", "--epochs", "1",
                     "--workers", "1", "--simple-tokens", "--no-progress"]) == 0
    kv = KeyedVectors.load_word2vec_format(out / "vectors.txt")
    assert sorted(kv.index_to_key) == ["anna", "prince", "said", "the", "well"]


def test_train_binary_and_cbow(corpus, tmp_path):
    out = tmp_path / "run"
    assert cli.main(["embeddings", "train", "--corpus", str(corpus), "--out", str(out),
                     "--vector-size", "4", "--min-count", "1", "--epochs", "1", "--sg", "0",
                     "--binary", "--no-progress"]) == 0
    kv = KeyedVectors.load_word2vec_format(out / "vectors.bin", binary=True)
    assert "A0" in kv and kv.vector_size == 4


def test_evaluate_prints_sections_and_rho(planted, capsys):
    kv, vectors, questions, pairs = planted
    code = cli.main(["embeddings", "evaluate", "--vectors", str(vectors), "--analogies",
                     str(questions), "--similarity", str(pairs)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["family", "1.0000", "2", "2", "1"]
    assert lines[2].split() == ["Total", "accuracy", "1.0000", "2", "2", "1"]
    rho = kv.evaluate_word_pairs(pairs).spearman
    assert lines[3].startswith(f"pairs.tsv: Spearman rho {rho:.4f}")
    assert "over 4 pairs (0.0% skipped" in lines[3]


def test_analogy_and_glove_files(planted, tmp_path, capsys):
    kv, _, _, _ = planted
    glove = tmp_path / "g.txt"
    kv.save_word2vec_format(glove, write_header=False)  # GloVe's format: no header
    assert cli.main(["embeddings", "analogy", "man", "woman", "king", "--vectors", str(glove),
                     "--topn", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "man : woman :: king : queen"
    assert len(lines) == 3


def test_analogy_unknown_word(planted, capsys):
    _, vectors, _, _ = planted
    assert cli.main(["embeddings", "analogy", "man", "woman", "emperor", "--vectors",
                     str(vectors)]) == 2
    assert "the word 'emperor' is not in the vocabulary" in capsys.readouterr().err


def test_missing_files(tmp_path, capsys):
    assert cli.main(["embeddings", "train", "--corpus", str(tmp_path / "none.txt")]) == 2
    assert "no such corpus file" in capsys.readouterr().err
    assert cli.main(["embeddings", "analogy", "a", "b", "c", "--vectors",
                     str(tmp_path / "none.txt")]) == 2
    assert "no such vectors file" in capsys.readouterr().err


def test_bad_flag_is_named(capsys):
    with pytest.raises(SystemExit):
        cli.main(["embeddings", "train", "--corpus", "x", "--window", "0"])
    assert "argument --window: expects an int >= 1; got '0'" in capsys.readouterr().err
