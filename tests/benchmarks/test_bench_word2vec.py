"""bench_word2vec: both sides of the step do the same update; the epoch comparison runs."""
import numpy as np
import pytest

from benchmarks import bench_word2vec
from npdeep.text.word2vec import sgns_step
from text.word2vec_helpers import topic_corpus


def test_step_sides_make_the_same_update():
    torch = pytest.importorskip("torch")
    d = bench_word2vec.step_data(seed=1)
    clash = d["negatives"] == d["targets"][:, None]
    d["negatives"][clash] = (d["negatives"][clash] + 1) % bench_word2vec.V  # npdeep skips these
    assert not np.any(d["negatives"] == d["targets"][:, None])
    step, emb_in, emb_out = bench_word2vec.torch_sgns(torch, d)
    step()
    syn0, syn1neg = d["syn0"].copy(), d["syn1neg"].copy()
    sgns_step(syn0, syn1neg, d["inputs"], d["targets"], d["negatives"], bench_word2vec.ALPHA)
    assert np.abs(syn1neg - d["syn1neg"]).max() > 1e-4  # the step moved the vectors
    np.testing.assert_allclose(emb_in.weight.detach().numpy(), syn0, atol=1e-6)
    np.testing.assert_allclose(emb_out.weight.detach().numpy(), syn1neg, atol=1e-6)


def test_step_workload_runs():
    workload = bench_word2vec.build_step()
    workload.sides["npdeep"]()
    assert workload.flops == 3 * 2 * 1024 * 6 * 100


def test_epoch_comparison_runs(monkeypatch):
    pytest.importorskip("gensim")
    pytest.importorskip("numba")
    monkeypatch.setattr(bench_word2vec, "epoch_corpus",
                        lambda: (topic_corpus(100), "two topics"))
    monkeypatch.setitem(bench_word2vec.EPOCH_SETTINGS, "min_count", 1)
    lines = []
    out = bench_word2vec.compare_epochs(rounds=1, log=lines.append)
    assert out["words"] == 800 and out["rounds"] == 1
    for key in ("npdeep_words_per_s", "gensim_words_per_s", "numpy_words_per_s"):
        assert out[key] > 0
    assert out["ratio"]["median"] > 0
    assert lines[0].startswith("Word2Vec epoch (two topics, 800 words, 2 threads): npdeep numba")
