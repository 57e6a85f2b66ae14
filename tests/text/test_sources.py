"""LineBatches (padded, masked names) and StreamBatches (consecutive BPTT windows)."""
import numpy as np
import pytest

import npdeep
from npdeep.text import LineBatches, StreamBatches, Vocabulary

NAMES = ["emma", "olivia", "ava", "isabella", "mia"]


def test_line_batches_shift_pad_and_mask():
    vocab = Vocabulary.build(NAMES)
    batches = LineBatches(NAMES[:3], vocab, mini_batch_size=3, shuffle=False)
    (X, Y), = list(batches)
    assert X.shape == Y.shape == (3, 7) and X.dtype == Y.dtype == np.int64
    eos, pad = vocab.eos_id, vocab.pad_id
    np.testing.assert_array_equal(X[2], [eos, *vocab.encode("ava"), pad, pad, pad])
    np.testing.assert_array_equal(Y[2], [*vocab.encode("ava"), eos, -100, -100, -100])
    np.testing.assert_array_equal(X[0, 1:5], Y[0, :4])  # Y is X shifted by one step
    assert batches.num_tokens == 4 + 6 + 3 + 3


def test_line_batches_pad_to_batch_or_longest():
    vocab = Vocabulary.build(NAMES)
    by_batch = LineBatches(NAMES, vocab, mini_batch_size=2, shuffle=False)
    assert [X.shape[1] for X, _ in by_batch] == [7, 9, 4]
    assert len(by_batch) == 3
    longest = LineBatches(NAMES, vocab, mini_batch_size=2, shuffle=False, pad_to="longest")
    assert {X.shape[1] for X, _ in longest} == {9}


def test_line_batches_shuffle_from_npdeep_rng_each_epoch():
    vocab = Vocabulary.build(NAMES)
    batches = LineBatches(NAMES * 4, vocab, mini_batch_size=4)
    npdeep.manual_seed(3)
    first = [X.copy() for X, _ in batches]
    second = [X.copy() for X, _ in batches]
    npdeep.manual_seed(3)
    again = [X.copy() for X, _ in batches]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(first, second))
    rows = sorted(tuple(r[r != vocab.pad_id]) for X in first for r in X)
    assert len(rows) == 20


def test_line_batches_errors():
    vocab = Vocabulary.build(NAMES)
    with pytest.raises(ValueError, match="LineBatches: no non-empty line to train on"):
        LineBatches(["", "  "], vocab)
    with pytest.raises(TypeError, match=r"lines must be a list of strings \(one example "
                                        r"each\); got one string"):
        LineBatches("emma\nava", vocab)
    with pytest.raises(TypeError, match="vocab must be an npdeep.text.Vocabulary"):
        LineBatches(NAMES, {"a": 1})


def test_stream_batches_continue_each_other_row_by_row():
    text = "abcdefghijklmnopqrstuvwxyz" * 2
    vocab = Vocabulary.build(text)
    ids = vocab.encode(text)
    batches = StreamBatches(text, vocab, mini_batch_size=2, bptt=5)
    # 52 tokens: rows of (51 // 2) // 5 * 5 = 25 steps, 5 windows; the tail is dropped.
    assert len(batches) == 5 and batches.num_tokens == 50
    windows = list(batches)
    assert all(X.shape == Y.shape == (2, 5) for X, Y in windows)
    row0 = np.concatenate([X[0] for X, _ in windows])
    row1 = np.concatenate([X[1] for X, _ in windows])
    np.testing.assert_array_equal(row0, ids[:25])
    np.testing.assert_array_equal(row1, ids[25:50])
    np.testing.assert_array_equal(np.concatenate([Y[1] for _, Y in windows]), ids[26:51])
    # The same order every epoch (no shuffle across windows).
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(windows, list(batches)))


def test_stream_batches_too_short():
    vocab = Vocabulary.build("abc")
    with pytest.raises(ValueError, match=r"StreamBatches: the text has 3 tokens, too few for "
                                         r"mini_batch_size=2 rows of one window of bptt=4 "
                                         r"steps \(it needs at least m·T \+ 1 = 9\)"):
        StreamBatches("abc", vocab, mini_batch_size=2, bptt=4)
    with pytest.raises(ValueError, match="The 'bptt' parameter of StreamBatches must be an "
                                         "int >= 1. Got 0 instead."):
        StreamBatches("abc", vocab, bptt=0)
