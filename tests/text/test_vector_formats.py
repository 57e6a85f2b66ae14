"""The word2vec text/binary and GloVe formats: round trips, a real GloVe file, gensim's reader."""
import numpy as np
import pytest

from text.embedding_helpers import data_file, random_kv
from npdeep.text import KeyedVectors, load_glove


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip(tmp_path, binary):
    kv = random_kv(V=25, n_e=7, seed=1)
    kv.vectors[3, 2] = 1e-38  # a tiny (subnormal-adjacent) value survives too
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # bit for bit


def test_glove_round_trip_and_unicode(tmp_path):
    path = data_file("test_glove.txt")
    kv = load_glove(path)
    assert kv.index_to_key[0] == "the" and "ö" in kv
    np.testing.assert_allclose(kv["the"][:3], [0.418, 0.24968, -0.41242], rtol=1e-6)
    out = tmp_path / "g.txt"
    kv.save_word2vec_format(out, write_header=False)
    first_out = out.read_text(encoding="utf-8").splitlines()[0]
    with open(path, encoding="utf-8") as f:
        first_in = f.readline().rstrip("\n")
    assert first_out == first_in  # the shortest float32 forms: same text as GloVe's
    np.testing.assert_array_equal(load_glove(out).vectors, kv.vectors)


def test_limit_and_word2vec_c_layout(tmp_path):
    # word2vec.c's text writes a space before each newline; its binary a newline after each
    # vector: both must read.
    path = tmp_path / "w.txt"
    path.write_text("3 2\na 1 2 \nb 3 4 \nc 5 6 \n", encoding="utf-8")
    kv = KeyedVectors.load_word2vec_format(path, limit=2)
    assert kv.index_to_key == ["a", "b"]
    raw = b"2 2\n" + b"".join(w + b" " + np.array(v, "<f4").tobytes() + b"\n"
                              for w, v in [(b"x", [1, 2]), (b"y", [3, 4])])
    (tmp_path / "w.bin").write_bytes(raw)
    kv = KeyedVectors.load_word2vec_format(tmp_path / "w.bin", binary=True)
    np.testing.assert_array_equal(kv["y"], [3, 4])


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("the 0.1 0.2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="does not start with a word2vec header line.*"
                                         "pass no_header=True"):
        KeyedVectors.load_word2vec_format(bad)
    bad.write_text("2 3\na 1 2 3\nb 1 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3 of .* has 2 values but the vectors have n_e = 3"):
        KeyedVectors.load_word2vec_format(bad)
    bad.write_text("3 2\na 1 2\nb 1 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="promises 3 words in its header but holds 2"):
        KeyedVectors.load_word2vec_format(bad)
    bad.write_bytes(b"2 2\nx " + np.zeros(2, "<f4").tobytes())
    with pytest.raises(ValueError, match="ends after 1 of the 2 words"):
        KeyedVectors.load_word2vec_format(bad, binary=True)
    with pytest.raises(FileNotFoundError, match="no such file"):
        KeyedVectors.load_word2vec_format(tmp_path / "missing.txt")


def test_duplicate_word_keeps_first(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("a 1 2\nb 3 4\na 5 6\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="duplicate word 'a'"):
        kv = load_glove(path)
    np.testing.assert_array_equal(kv["a"], [1, 2])


def test_save_refuses_words_with_spaces(tmp_path):
    kv = KeyedVectors(["new york"], np.ones((1, 2)))
    with pytest.raises(ValueError, match="the word 'new york' is empty or holds whitespace"):
        kv.save_word2vec_format(tmp_path / "x.txt")


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = random_kv(V=20, n_e=5, seed=2)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    kv.save_word2vec_format(ours, binary=binary)
    peer = gensim_models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert list(peer.index_to_key) == kv.index_to_key
    np.testing.assert_array_equal(peer.vectors, kv.vectors)
    peer.save_word2vec_format(str(theirs), binary=binary)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6)
