"""Word2Vec's training loop as one compiled, GIL-free call per chunk of sentences
(npdeep.text.Word2Vec; the kernel is in _word2vec_numba).

The NumPy path of Word2Vec (vectorized over blocks of pairs, np.add.at updates) needs no
compiler; this one runs word2vec.c's per-pair SGD on ``workers`` Python threads at once,
each on its own chunk, updating the shared matrices without a lock (Hogwild, as gensim and
word2vec.c do). NumPy twin of the kernel: npdeep.text.word2vec_data.sg_chunk_loop.
"""
from __future__ import annotations

import numpy as np

_compiled = None


def takes() -> bool:
    """Whether Word2Vec trains with the compiled loop: npdeep.kernels.active()."""
    from npdeep.kernels.switch import active
    return active()


def _kernels():
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _word2vec_numba
        _compiled = _word2vec_numba
    return _compiled


def train_chunk(syn0, syn1neg, tokens, starts, sample_int, table, window: int, negative: int,
                alpha: float, state: int, sg: bool) -> tuple[int, int]:
    """Train on one chunk of sentences in place (see _word2vec_numba.train_chunk).

    Args:
        syn0, syn1neg: (V, n_e) float32 C-contiguous; tokens (n,) int32; starts
            (n_sentences + 1,) int64; sample_int, table (V,) int64; state: the chunk's
            generator state (an int below 2⁴⁸).

    Returns:
        (state, effective_words) after the chunk.
    """
    assert syn0.dtype == np.float32 and syn0.flags.c_contiguous  # internal: Word2Vec's own
    assert syn1neg.dtype == np.float32 and syn1neg.flags.c_contiguous
    state, effective = _kernels().train_chunk(syn0, syn1neg, tokens, starts, sample_int, table,
                                              int(window), int(negative), np.float32(alpha),
                                              np.uint64(state), bool(sg))
    return int(state), int(effective)
