"""The numba loop behind npdeep.kernels.word2vec (imported only when the compiled path runs).

``train_chunk`` is word2vec.c's training loop over a chunk of sentences (Mikolov et al.
2013; gensim's word2vec_inner.pyx does the same): for each sentence, subsample frequent
words, shrink each word's window at random, then one SGD step of negative sampling per
(center, context) pair (skip-gram) or per center word with the mean of its context vectors
(CBOW). Updates go straight into the shared syn0 / syn1neg matrices with no lock: the
caller runs chunks on several threads at once (Hogwild, Recht et al. 2011; word2vec.c and
gensim do the same), which is why the kernel is ``nogil``. There is no ``parallel=True``:
its thread pool would fight OpenBLAS's and npdeep's own threads for the cores.

The draws come from word2vec.c's linear congruential generator (48-bit, as in gensim), so
a chunk's draws are fixed by its seed. NumPy twin: npdeep.text.word2vec_data.sg_chunk_loop
(the same loop in plain Python, same draws); tests/kernels/test_word2vec.py compares them.
The sigmoid is exact (gensim reads a 1,000-entry table and skips |f| ≥ 6).
``fastmath`` lets the compiler vectorize the float32 dot products (reassociated sums).
"""
import numba
import numpy as np

_MULTIPLIER = np.uint64(25214903917)
_INCREMENT = np.uint64(11)
_MASK = np.uint64((1 << 48) - 1)
_SHIFT = np.uint64(16)
_LOW32 = np.uint64(0xFFFFFFFF)


@numba.njit(nogil=True, cache=True, inline="always")
def _advance(state):
    # uint64 arithmetic wraps mod 2⁶⁴, and 2⁴⁸ divides 2⁶⁴: masking gives the exact value.
    return (state * _MULTIPLIER + _INCREMENT) & _MASK


@numba.njit(nogil=True, cache=True, inline="always")
def _draw32(state):
    """The 32-bit draw of a state, as an int64."""
    return np.int64((state >> _SHIFT) & _LOW32)


@numba.njit(nogil=True, cache=True, fastmath=True)
def _update(syn1neg, h, work, target, table, negative, alpha, state):
    """One negative-sampling SGD step for hidden vector h (n_e,): positive output ``target``,
    ``negative`` outputs drawn from the cumulative table (a draw equal to target is skipped).
    Adds (label − σ(h·u_o))·alpha·h into each output row u_o and the same times u_o into work.
    Returns the generator's state."""
    n_e = h.shape[0]
    V = table.shape[0]
    table_end = table[V - 1]
    for k in range(n_e):
        work[k] = 0.0
    for d in range(negative + 1):
        if d == 0:
            out = target
            label = np.float32(1.0)
        else:
            r = np.int64(state >> _SHIFT) % table_end  # state >> 16 < 2³²
            # bisect: the first entry > r
            lo, hi = 0, V
            while lo < hi:
                mid = (lo + hi) >> 1
                if table[mid] > r:
                    hi = mid
                else:
                    lo = mid + 1
            out = lo
            state = _advance(state)
            if out == target:
                continue
            label = np.float32(0.0)
        f = np.float32(0.0)
        for k in range(n_e):
            f += h[k] * syn1neg[out, k]
        g = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * alpha
        for k in range(n_e):
            work[k] += g * syn1neg[out, k]
            syn1neg[out, k] += g * h[k]
    return state


@numba.njit(nogil=True, cache=True, fastmath=True)
def train_chunk(syn0, syn1neg, tokens, starts, sample_int, table, window, negative, alpha,
                state, sg):
    """Train on sentences tokens[starts[s]:starts[s + 1]] of a chunk; see the module doc.

    Args:
        syn0, syn1neg: (V, n_e) float32 C-contiguous, updated in place.
        tokens: (n,) int32 word ids; starts: (n_sentences + 1,) int64.
        sample_int: (V,) int64 keep thresholds (a word stays when its 32-bit draw ≤ it).
        table: (V,) int64 cumulative unigram^0.75 table.
        window, negative: ints; alpha: float32 learning rate; state: uint64 generator state;
        sg: True for skip-gram, False for CBOW (mean of the context vectors).

    Returns:
        (state, effective_words): the generator's state after the chunk, and how many words
        survived subsampling.
    """
    n_e = syn0.shape[1]
    work = np.empty(n_e, dtype=np.float32)
    h = np.empty(n_e, dtype=np.float32)
    longest = 0
    for s in range(starts.shape[0] - 1):
        longest = max(longest, starts[s + 1] - starts[s])
    sentence = np.empty(longest, dtype=np.int64)
    reach = np.empty(longest, dtype=np.int64)
    effective = 0
    for s in range(starts.shape[0] - 1):
        length = 0
        for t in range(starts[s], starts[s + 1]):
            w = tokens[t]
            state = _advance(state)
            if sample_int[w] < _draw32(state):
                continue
            sentence[length] = w
            length += 1
        for i in range(length):
            state = _advance(state)
            reach[i] = window - _draw32(state) % window
        for i in range(length):
            lo = max(0, i - reach[i])
            hi = min(length, i + reach[i] + 1)
            if sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    c = sentence[j]
                    for k in range(n_e):
                        h[k] = syn0[c, k]
                    state = _update(syn1neg, h, work, sentence[i], table, negative, alpha,
                                    state)
                    for k in range(n_e):
                        syn0[c, k] += work[k]
            else:
                count = hi - lo - 1
                if count == 0:
                    continue
                for k in range(n_e):
                    h[k] = 0.0
                for j in range(lo, hi):
                    if j != i:
                        for k in range(n_e):
                            h[k] += syn0[sentence[j], k]
                inv = np.float32(1.0) / np.float32(count)
                for k in range(n_e):
                    h[k] *= inv
                state = _update(syn1neg, h, work, sentence[i], table, negative, alpha, state)
                for j in range(lo, hi):
                    if j != i:
                        for k in range(n_e):
                            syn0[sentence[j], k] += work[k]
        effective += length
    return state, effective
