"""KeyedVectors: words and their embedding vectors, with the course's similarity tools.

The course's ``word_to_vec_map`` as one object: the embedding matrix E with one row e_w per
word, the word ↔ row maps, cosine similarity, analogies ("man is to woman as king is to ?",
the course's ``complete_analogy``), gensim's ``most_similar`` (3CosAdd), evaluation on analogy
questions and word-similarity sets, and the word2vec / GloVe file formats. The names are
gensim's (``index_to_key``, ``key_to_index``, ``vectors``, ``most_similar``,
``evaluate_word_analogies``, ``load_word2vec_format``) so code moves across either way.

Vectors are stored as given (not unit-normalized); the similarity methods normalize as they
go, so writing into ``kv.vectors`` (debiasing does) never leaves a stale cache behind.
"""
from __future__ import annotations

import numpy as np


def cosine_similarity(u, v) -> float:
    """Cosine similarity of two vectors: u·v / (‖u‖₂ ‖v‖₂), the course's ``cosine_similarity``.

    1 for vectors pointing the same way, 0 for orthogonal ones, −1 for opposite ones.

    Args:
        u, v: arrays of shape (n_e,).

    Returns:
        A float in [−1, 1]; 0.0 when either vector is zero (the angle is undefined there, and
        0 ranks such a word as unrelated rather than poisoning a ranking with NaN).

    Raises:
        ValueError: when u and v are not 1-D arrays of one length.

    Example:
        >>> cosine_similarity(kv["father"], kv["mother"])   # about 0.89 with GloVe 50d
    """
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if u.ndim != 1 or u.shape != v.shape:
        raise ValueError(f"cosine_similarity expected two vectors of shape (n_e,) but got "
                         f"{u.shape} and {v.shape}")
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if norms == 0.0:
        return 0.0
    return float(np.clip(u @ v / norms, -1.0, 1.0))


def unit_rows(E: np.ndarray) -> np.ndarray:
    """Each row of E divided by its L2 norm (zero rows stay zero). E: (V, n_e) → (V, n_e)."""
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return E / np.where(norms == 0, 1, norms).astype(E.dtype)


class KeyedVectors:
    """Words and their vectors: the embedding matrix E, row i the vector of ``index_to_key[i]``.

    Args:
        words: the V words (unique, non-empty strings), most frequent first by convention
            (``restrict_vocab`` in the evaluations keeps the first rows).
        vectors: array of shape (V, n_e); stored as a copy of type ``dtype``.
        dtype: float32 (the default) or float64 (for exact work such as debiasing, whose
            results written back into float32 keep only float32's precision).

    Attributes:
        index_to_key: list of the V words, by row.
        key_to_index: dict word → row.
        vectors: (V, n_e) float32 array, or ``dtype`` (write into it to change a vector).
        vector_size: n_e.

    Raises:
        ValueError: for a duplicate or empty word, a vectors array that is not (V, n_e), or a
            word count that differs from the number of rows.

    Example:
        >>> kv = npdeep.text.load_glove("glove.6B.50d.txt")
        >>> kv.analogy("man", "woman", "king")            # 'queen'
        >>> kv.most_similar(positive=["woman", "king"], negative=["man"], topn=3)
    """

    def __init__(self, words, vectors, dtype=np.float32):
        where = "KeyedVectors"
        words = list(words)
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"The 'dtype' parameter of {where} must be float32 or float64. "
                             f"Got {dtype!r} instead.")
        vectors = np.array(vectors, dtype=dtype)  # a copy: kv owns its matrix
        if vectors.ndim != 2:
            raise ValueError(f"{where} expected vectors of shape (V, n_e) but got "
                             f"{vectors.shape}")
        if len(words) != vectors.shape[0]:
            raise ValueError(f"{where} got {len(words)} words but vectors of shape "
                             f"{vectors.shape}; give one row per word")
        key_to_index = {}
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word:
                raise TypeError(f"{where}: words must be non-empty strings; got {word!r} "
                                f"at position {i}")
            if word in key_to_index:
                raise ValueError(f"{where}: the word {word!r} appears twice (positions "
                                 f"{key_to_index[word]} and {i}); words must be unique")
            key_to_index[word] = i
        self.index_to_key = words
        self.key_to_index = key_to_index
        self.vectors = np.ascontiguousarray(vectors)

    # --- lookup ---------------------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        """n_e, the length of each vector."""
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word) -> bool:
        return word in self.key_to_index

    def __repr__(self) -> str:
        return f"KeyedVectors(V={len(self)}, vector_size={self.vector_size})"

    def get_index(self, word: str) -> int:
        """The row of ``word``.

        Raises:
            KeyError: naming the word, when it is not in the vocabulary.
        """
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"the word {word!r} is not in the vocabulary ({len(self)} words)") \
                from None

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The vector e_w of ``word``, shape (n_e,); unit length with ``norm=True``.

        Raises:
            KeyError: naming the word, when it is not in the vocabulary.
        """
        e = self.vectors[self.get_index(word)]
        if norm:
            length = np.linalg.norm(e)
            return e / length if length > 0 else e.copy()
        return e

    def __getitem__(self, word: str) -> np.ndarray:
        return self.get_vector(word)

    def unit_vectors(self) -> np.ndarray:
        """E with every row scaled to unit length, shape (V, n_e) (a new array)."""
        return unit_rows(self.vectors)

    # --- similarity -----------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words' vectors (gensim's ``similarity``)."""
        return cosine_similarity(self.get_vector(w1), self.get_vector(w2))

    def most_similar(self, positive=(), negative=(), topn: int = 10,
                     restrict_vocab: int | None = None) -> list:
        """The words nearest to the mean of the positive minus the negative unit vectors.

        gensim's 3CosAdd: with û = e/‖e‖, the query is q = Σ_{p} û_p − Σ_{n} û_n (normalized),
        and every word w is scored by cos(q, e_w) = q·û_w; the input words are left out.
        ``most_similar(positive=["woman", "king"], negative=["man"])`` answers
        man : woman :: king : ?.

        Args:
            positive, negative: words (or (word, weight) pairs, gensim's form) to add and
                subtract; a single string counts as one word.
            topn: how many (word, similarity) pairs to return.
            restrict_vocab: score only the first rows (the most frequent words, by convention).

        Returns:
            list of ``topn`` (word, cosine similarity) pairs, best first.

        Raises:
            ValueError: when no word is given, or ``topn`` < 1.
            KeyError: naming a word that is not in the vocabulary.
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one word in 'positive' or "
                             "'negative'; got none")
        if not isinstance(topn, (int, np.integer)) or topn < 1:
            raise ValueError(f"The 'topn' parameter of most_similar must be an int >= 1. "
                             f"Got {topn!r} instead.")
        terms = [(w, 1.0) if isinstance(w, str) else (w[0], float(w[1])) for w in positive]
        terms += [(w, -1.0) if isinstance(w, str) else (w[0], -float(w[1])) for w in negative]
        q = np.zeros(self.vector_size, dtype=np.float64)
        for word, weight in terms:
            q += weight * self.get_vector(word, norm=True)
        end = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        scores = self.rank_by_query(q, end)
        for word, _ in terms:  # never return an input word
            i = self.key_to_index[word]
            if i < end:
                scores[i] = -np.inf
        best = np.argsort(-scores, kind="stable")[:topn]
        return [(self.index_to_key[i], float(scores[i])) for i in best if np.isfinite(scores[i])]

    def rank_by_query(self, q: np.ndarray, end: int | None = None) -> np.ndarray:
        """cos(q, e_w) for the first ``end`` words (all by default), shape (end,) float64."""
        return self._cosines(self.vectors[:end].astype(np.float64),
                             np.asarray(q, dtype=np.float64))

    def analogy(self, word_a: str, word_b: str, word_c: str) -> str:
        """word_d such that a is to b as c is to d: the course's ``complete_analogy``.

        The answer maximizes cos(e_b − e_a, e_w − e_c) over all words w except a, b and c
        (the course's formula on the raw vectors; ``most_similar`` is gensim's unit-vector
        3CosAdd, which often but not always agrees).

        Example:
            >>> kv.analogy("man", "woman", "king")    # 'queen'

        Raises:
            KeyError: naming the first of the three words that is not in the vocabulary.
            ValueError: when the vocabulary has no word besides a, b and c.
        """
        idx = [self.get_index(w) for w in (word_a, word_b, word_c)]
        e_a, e_b, e_c = (self.vectors[i].astype(np.float64) for i in idx)
        D = self.vectors.astype(np.float64) - e_c  # (V, n_e): e_w - e_c for every w
        scores = self._cosines(D, e_b - e_a)
        scores[idx] = -np.inf
        best = int(np.argmax(scores))
        if not np.isfinite(scores[best]):
            raise ValueError("analogy: the vocabulary has no word besides "
                             f"{word_a!r}, {word_b!r} and {word_c!r}")
        return self.index_to_key[best]

    @staticmethod
    def _cosines(D: np.ndarray, d: np.ndarray) -> np.ndarray:
        """cos(D[i], d) for every row; 0 where a row or d is zero. D: (V, n_e), d: (n_e,)."""
        norms = np.linalg.norm(D, axis=1) * np.linalg.norm(d)
        return np.where(norms == 0, 0.0, D @ d / np.where(norms == 0, 1, norms))

    # --- evaluation (npdeep.text.embedding_eval) -------------------------------------------
    def evaluate_word_analogies(self, path, restrict_vocab: int = 300000,
                                case_insensitive: bool = True):
        """Analogy accuracy on questions-words.txt; see ``embedding_eval.evaluate_word_analogies``."""
        from npdeep.text.embedding_eval import evaluate_word_analogies
        return evaluate_word_analogies(self, path, restrict_vocab=restrict_vocab,
                                       case_insensitive=case_insensitive)

    def evaluate_word_pairs(self, path, delimiter: str = "\t", restrict_vocab: int = 300000,
                            case_insensitive: bool = True):
        """Spearman ρ on a word-similarity set; see ``embedding_eval.evaluate_word_pairs``."""
        from npdeep.text.embedding_eval import evaluate_word_pairs
        return evaluate_word_pairs(self, path, delimiter=delimiter,
                                   restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive)

    # --- files (npdeep.text.vector_formats) -------------------------------------------------
    @classmethod
    def load_word2vec_format(cls, path, binary: bool = False, no_header: bool = False,
                             limit: int | None = None, encoding: str = "utf-8",
                             unicode_errors: str = "strict") -> "KeyedVectors":
        """Read a word2vec text or binary file (or a GloVe file with ``no_header=True``).

        See ``npdeep.text.vector_formats.load_word2vec_format``.
        """
        from npdeep.text.vector_formats import load_word2vec_format
        words, vectors = load_word2vec_format(path, binary=binary, no_header=no_header,
                                              limit=limit, encoding=encoding,
                                              unicode_errors=unicode_errors)
        return cls(words, vectors)

    def save_word2vec_format(self, path, binary: bool = False,
                             write_header: bool = True) -> None:
        """Write the word2vec text or binary format (atomically); ``write_header=False`` with
        ``binary=False`` writes GloVe's format. See ``vector_formats.save_word2vec_format``."""
        from npdeep.text.vector_formats import save_word2vec_format
        save_word2vec_format(path, self.index_to_key, self.vectors, binary=binary,
                             write_header=write_header)
