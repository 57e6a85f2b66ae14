"""Vocabulary: ids of the specials, <unk> for unknown tokens, encode/decode, JSON, errors."""
import numpy as np
import pytest

from npdeep.text import EOS, PAD, UNK, Vocabulary


def test_specials_first_then_sorted_tokens():
    vocab = Vocabulary.build(["emma", "ava"])
    assert vocab.tokens == [PAD, UNK, EOS, "a", "e", "m", "v"]
    assert (vocab.pad_id, vocab.unk_id, vocab.eos_id) == (0, 1, 2)
    assert len(vocab) == 7 and "m" in vocab and "z" not in vocab


def test_encode_decode_round_trip_and_eos():
    vocab = Vocabulary.build("hello world")
    ids = vocab.encode("hello", add_eos=True)
    assert ids.dtype == np.int64 and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == "hello"
    assert vocab.decode(ids, stop_at_eos=False) == "hello<eos>"
    assert vocab.decode([vocab.pad_id, *vocab.encode("ow"), vocab.pad_id]) == "ow"


def test_unknown_tokens_encode_as_unk_never_raise():
    vocab = Vocabulary.build(["abc"])
    np.testing.assert_array_equal(vocab.encode("aZb\n"), [3, 1, 4, 1])
    assert vocab.decode(vocab.encode("aZ")) == "a<unk>"
    assert vocab.encode("").shape == (0,)


def test_word_level():
    vocab = Vocabulary.build(["the cat sat", "the dog"], level="word")
    assert vocab.tokens[3:] == ["cat", "dog", "sat", "the"]
    ids = vocab.encode("the  cat ran")
    np.testing.assert_array_equal(ids, [6, 3, 1])
    assert vocab.decode(ids) == "the cat <unk>"


def test_min_count_leaves_rare_tokens_out():
    vocab = Vocabulary.build("aaab", min_count=2)
    assert vocab.tokens[3:] == ["a"]
    assert vocab.encode("b")[0] == vocab.unk_id


def test_json_round_trip(tmp_path):
    vocab = Vocabulary.build(["héllo wörld"])
    again = Vocabulary.from_json(vocab.to_json())
    assert again == vocab and again.tokens == vocab.tokens
    vocab.save(str(tmp_path / "vocab.json"))
    assert Vocabulary.load(str(tmp_path / "vocab.json")) == vocab
    words = Vocabulary.build(["a b"], level="word")
    assert Vocabulary.from_json(words.to_json()).level == "word"


def test_empty_text_and_vocabulary_are_refused():
    with pytest.raises(ValueError, match=r"Vocabulary.build: the text is empty \(no chars in "
                                         r"it\)"):
        Vocabulary.build("")
    with pytest.raises(ValueError, match=r"the text is empty \(no words in it\)"):
        Vocabulary.build(["  ", ""], level="word")
    with pytest.raises(ValueError, match=r"Vocabulary: the vocabulary is empty"):
        Vocabulary([])
    with pytest.raises(ValueError, match="no char occurs 5 times or more; lower min_count"):
        Vocabulary.build("ab", min_count=5)


def test_bad_tokens_and_json():
    with pytest.raises(ValueError, match="tokens must be unique; repeated: \\['a'\\]"):
        Vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="'<eos>' is a special token"):
        Vocabulary(["a", EOS])
    with pytest.raises(ValueError, match="a character vocabulary holds single characters; "
                                         "got 'ab'"):
        Vocabulary(["ab"])
    with pytest.raises(ValueError, match="The 'level' parameter of Vocabulary must be one of "
                                         "'char', 'word'. Got 'byte' instead."):
        Vocabulary(["a"], level="byte")
    with pytest.raises(ValueError, match="Vocabulary.from_json: expected the JSON written by"):
        Vocabulary.from_json("[1, 2]")
    with pytest.raises(TypeError, match="Vocabulary.encode: text must be a string; got list"):
        Vocabulary.build("ab").encode(["a"])
    with pytest.raises(ValueError, match=r"Vocabulary.decode: ids must lie in \[0, 5\)"):
        Vocabulary.build("ab").decode([7])
