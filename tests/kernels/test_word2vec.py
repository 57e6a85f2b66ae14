"""The compiled Word2Vec loop (npdeep.kernels.word2vec) against its plain-Python twin
(word2vec_data.sg_chunk_loop): the same generator, so the same draws and the same updates
to float32 rounding, for skip-gram and CBOW, on random chunks. Skipped without numba."""
import numpy as np
import pytest

from npdeep.kernels import word2vec as compiled
from npdeep.text import word2vec_data as data

pytest.importorskip("numba")


def random_chunk(seed: int):
    rng = np.random.default_rng(seed)
    V, n_e = int(rng.integers(5, 40)), int(rng.integers(1, 17))
    counts = rng.integers(1, 200, V)
    lengths = rng.integers(1, 30, int(rng.integers(1, 6)))
    tokens = rng.integers(0, V, lengths.sum()).astype(np.int32)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    sample_int = data.sample_ints(data.keep_probabilities(counts, 1e-2))
    table = data.cum_table(counts)
    syn0 = ((rng.random((V, n_e)) - 0.5) / n_e).astype(np.float32)
    syn1neg = (rng.standard_normal((V, n_e)) * 0.3).astype(np.float32)  # not zero: f ≠ 0
    window, negative = int(rng.integers(1, 6)), int(rng.integers(1, 8))
    return syn0, syn1neg, tokens, starts, sample_int, table, window, negative


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_kernel_equals_the_python_twin(sg, seed):
    syn0, syn1neg, tokens, starts, sample_int, table, window, negative = random_chunk(seed)
    twin0, twin1 = syn0.copy(), syn1neg.copy()
    before = syn1neg.copy()
    state = 987654321 + seed
    got_state, effective = compiled.train_chunk(syn0, syn1neg, tokens, starts, sample_int,
                                                table, window, negative, 0.05, state, sg)
    want_state = data.sg_chunk_loop(twin0, twin1, tokens, starts, sample_int, table, window,
                                    negative, 0.05, state, sg=sg)
    assert got_state == want_state  # the same number of draws, in the same order
    assert 0 < effective <= len(tokens)
    assert np.abs(syn1neg - before).max() > 1e-4  # the chunk trained: the match means something
    np.testing.assert_allclose(syn0, twin0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1neg, twin1, rtol=1e-5, atol=1e-6)


def test_kernel_moves_the_vectors_and_repeats():
    syn0, syn1neg, tokens, starts, sample_int, table, window, negative = random_chunk(7)
    start0, start1 = syn0.copy(), syn1neg.copy()
    runs = []
    for _ in range(2):
        a, b = start0.copy(), start1.copy()
        compiled.train_chunk(a, b, tokens, starts, sample_int, table, window, negative, 0.1,
                             42, True)
        runs.append((a, b))
    assert np.abs(runs[0][0] - start0).max() > 1e-4  # it trained
    np.testing.assert_array_equal(runs[0][0], runs[1][0])  # one thread: bit for bit
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_subsampling_in_the_kernel_keeps_the_right_share():
    V = 4
    counts = np.array([10000, 10, 10, 10])
    keep = data.keep_probabilities(counts, 1e-3)
    tokens = np.zeros(5000, dtype=np.int32)  # only the frequent word
    starts = np.array([0, 5000], dtype=np.int64)
    syn0 = np.zeros((V, 2), np.float32)
    _, effective = compiled.train_chunk(syn0, syn0.copy(), tokens, starts,
                                        data.sample_ints(keep), data.cum_table(counts), 2, 1,
                                        0.0, 5, True)
    assert abs(effective / 5000 - keep[0]) < 0.03
