"""The course's sentiment classifiers over pretrained word vectors (course 5, week 2, Emojify).

::

    V1:  avg = (1/T) Σ_t e⟨t⟩                the mean of the sentence's word vectors (n_e,)
         z = W·avg + b,  ŷ = softmax(z)      (C,)

    V2:  e⟨1..T⟩ -> LSTM(n_a, all steps) -> Dropout -> LSTM(n_a, last step) -> Dropout
         -> z = W·a⟨T⟩ + b,  ŷ = softmax(z)

V1 ignores word order ("not good" averages like "good not"); V2 reads the sentence in order.
Both keep the pretrained embedding E frozen: with a small labelled set, training E would move
the words seen in training and leave their neighbours behind, while frozen GloVe / word2vec
vectors let a word never seen in training (but near one that was) still count.

Sentences become (m, T) id arrays with ``encode_sentences(vocab, sentences)``: the vocabulary
of ``vocabulary_for(kv)`` has kv's words after the specials <pad> 0, <unk> 1, <eos> 2, so a
word outside kv becomes <unk> and shorter sentences are padded with <pad> at the end.
The models return the logits z (m, C); ``cross_entropy`` applies the softmax when training,
``predict(model, X).argmax(axis=1)`` gives the classes.
"""
from __future__ import annotations

import numpy as np

from npdeep import nn
from npdeep.functional.embedding import token_ids
from npdeep.tensor import Tensor
from npdeep.text.vocabulary import SPECIALS, Vocabulary
from npdeep.validation import check_fraction, check_int


def vocabulary_for(kv) -> Vocabulary:
    """A word Vocabulary whose ids are kv's rows shifted by the 3 specials: id 3 + i is
    ``kv.index_to_key[i]``; <pad> 0, <unk> 1, <eos> 2 (words of kv that are specials are
    dropped)."""
    return Vocabulary([w for w in kv.index_to_key if w not in SPECIALS], level="word")


def embedding_matrix(kv, vocab: Vocabulary) -> np.ndarray:
    """E (len(vocab), n_e) for ``vocab``: kv's vector for each word, zeros for the specials
    (<pad> must be zero for the average; <unk> zero: an unknown word carries no meaning)."""
    E = np.zeros((len(vocab), kv.vector_size), dtype=kv.vectors.dtype)
    for i, token in enumerate(vocab.tokens):
        if token not in SPECIALS:
            E[i] = kv.vectors[kv.key_to_index[token]]
    return E


def encode_sentences(vocab: Vocabulary, sentences, T_x: int | None = None) -> np.ndarray:
    """Sentences (str, words split on whitespace) to a right-padded (m, T_x) id array.

    Args:
        vocab: a word Vocabulary (unknown words become <unk>).
        sentences: m strings.
        T_x: the length to pad or cut to (None: the longest sentence, at least 1).

    Returns:
        (m, T_x) int64 ids, <pad> after each sentence's words.
    """
    encoded = [vocab.encode(s) for s in sentences]
    if T_x is None:
        T_x = max([len(ids) for ids in encoded] + [1])
    check_int(T_x, "T_x", "encode_sentences")
    X = np.full((len(encoded), T_x), vocab.pad_id, dtype=np.int64)
    for i, ids in enumerate(encoded):
        ids = ids[:T_x]
        X[i, :len(ids)] = ids
    return X


def _pretrained(kv):
    vocab = vocabulary_for(kv)
    return vocab, nn.Embedding.from_pretrained(embedding_matrix(kv, vocab), freeze=True,
                                               padding_idx=vocab.pad_id)


def _lengths(ids: np.ndarray, pad_id: int) -> np.ndarray:
    """(m,) words per sentence of right-padded ids (at least 1: an empty sentence reads one
    <pad>, whose vector is zero)."""
    return np.maximum((ids != pad_id).sum(axis=1), 1)


def _ids(X, V: int, where: str) -> np.ndarray:
    # fit and predict may hand the ids over as floats: token_ids checks they are integral
    # before the cast (a bare astype would truncate 2.7 to 2 without a word).
    return token_ids(X, V, where)


class EmojifyV1(nn.Module):
    """The average of the word vectors into softmax; see :func:`emojify_v1`.

    Attributes:
        vocab: the Vocabulary to encode sentences with (``encode_sentences``).
        embedding: the frozen nn.Embedding (E: (V, n_e)).
        linear: z = W·avg + b (W: (C, n_e)).
    """

    example_ndim = 1

    def __init__(self, kv, n_classes: int):
        super().__init__()
        n_classes = check_int(n_classes, "n_classes", "emojify_v1", low=2)
        self.vocab, self.embedding = _pretrained(kv)
        self.linear = nn.Linear(kv.vector_size, n_classes)

    def average(self, X) -> Tensor:
        """avg (m, n_e): the mean of each sentence's word vectors, padding left out."""
        ids = _ids(X, self.embedding.vocab_size, "EmojifyV1")
        mask = (ids != self.vocab.pad_id).astype(self.embedding.E.dtype)        # (m, T)
        A = self.embedding(ids)                                                   # (m, T, n_e)
        # NOTE: masked, not only relying on the zero <pad> row: a fine-tuned or user-given
        # E may have a non-zero row there, and the count must leave padding out either way.
        total = (A * Tensor(mask[:, :, None])).sum(axis=1)                       # (m, n_e)
        return total / Tensor(_lengths(ids, self.vocab.pad_id)[:, None].astype(mask.dtype))

    def forward(self, X) -> Tensor:
        return self.linear(self.average(X))                                       # (m, C)


class EmojifyV2(nn.Module):
    """Two LSTMs over the frozen embeddings, with dropout; see :func:`emojify_v2`.

    Attributes:
        vocab, embedding: as EmojifyV1.
        lstm1: nn.LSTM(n_e, n_a) returning every step; lstm2: nn.LSTM(n_a, n_a) returning the
            last real step of each sentence (``lengths=`` masking: padding never enters).
        dropout1, dropout2: nn.Dropout(keep_prob); linear: z = W·a + b (W: (C, n_a)).
    """

    example_ndim = 1

    def __init__(self, kv, n_classes: int, n_a: int = 128, keep_prob: float = 0.5):
        super().__init__()
        where = "emojify_v2"
        n_classes = check_int(n_classes, "n_classes", where, low=2)
        n_a = check_int(n_a, "n_a", where)
        keep_prob = check_fraction(keep_prob, "keep_prob", where)
        self.vocab, self.embedding = _pretrained(kv)
        self.lstm1 = nn.LSTM(kv.vector_size, n_a, return_sequences=True)
        self.dropout1 = nn.Dropout(keep_prob=keep_prob)
        self.lstm2 = nn.LSTM(n_a, n_a, return_sequences=False)
        self.dropout2 = nn.Dropout(keep_prob=keep_prob)
        self.linear = nn.Linear(n_a, n_classes)

    def forward(self, X) -> Tensor:
        ids = _ids(X, self.embedding.vocab_size, "EmojifyV2")
        lengths = _lengths(ids, self.vocab.pad_id)
        A = self.embedding(ids)                                     # (m, T, n_e)
        A, _ = self.lstm1(A, lengths=lengths)                        # (m, T, n_a)
        A = self.dropout1(A)
        a, _ = self.lstm2(A, lengths=lengths)                        # (m, n_a): a⟨T_i⟩
        return self.linear(self.dropout2(a))                         # (m, C)


def emojify_v1(kv, n_classes: int) -> EmojifyV1:
    """The course's Emojify V1: softmax(W · mean of the sentence's word vectors + b).

    Args:
        kv: KeyedVectors (GloVe, word2vec): the frozen embeddings, V words of n_e.
        n_classes: C >= 2.

    Returns:
        An EmojifyV1 taking (m, T) ids (``encode_sentences(model.vocab, sentences)``) to
        (m, C) logits.

    Example:
        >>> model = emojify_v1(load_glove("glove.6B.50d.txt"), n_classes=5)
        >>> X = encode_sentences(model.vocab, ["i love you", "food is ready"])
        >>> npdeep.predict(model, X).argmax(axis=1)
    """
    return EmojifyV1(kv, n_classes)


def emojify_v2(kv, n_classes: int, n_a: int = 128, keep_prob: float = 0.5) -> EmojifyV2:
    """The course's Emojify V2: frozen embedding -> LSTM(n_a, return_sequences) -> Dropout ->
    LSTM(n_a) -> Dropout -> Linear -> softmax.

    Args:
        kv: KeyedVectors: the frozen embeddings.
        n_classes: C >= 2.
        n_a: hidden units of each LSTM (the course's 128).
        keep_prob: of each Dropout (the course's Dropout(0.5) drops half: keep_prob 0.5).

    Returns:
        An EmojifyV2 taking (m, T) right-padded ids to (m, C) logits.
    """
    return EmojifyV2(kv, n_classes, n_a, keep_prob)
