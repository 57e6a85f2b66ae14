"""The course's date translation task: human-readable dates to ISO ``YYYY-MM-DD``.

::

    pairs = npdeep.text.dates.generate(10000, seed=0)     # [("3 may 1979", "1979-05-03"), ...]
    translator = npdeep.text.dates.load("runs/dates")     # npdeep train --task dates
    translator.translate(["Saturday 9 May 2018"])         # ["2018-05-09"]
    translator.translate(["7/3/83"], beam_width=3)        # beam search (npdeep.text.decoding)

The generator (formats, day-first convention, 1950–2049) is in :mod:`npdeep.text.date_formats`;
the model (a bidirectional LSTM, the course's attention, a post-attention LSTM) in
:mod:`npdeep.models.seq2seq`. Inputs are at most T_x = 30 characters (a longer string is cut
to its first 30, with a warning); outputs are T_y = 10 characters.

A run folder (written by :func:`save`) holds config.json ({"task": "dates", "model": the
model's arguments, ...}), input_vocab.json, output_vocab.json and model.safetensors.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np

from npdeep.autograd import no_grad
from npdeep.text.date_formats import alphabet, generate
from npdeep.text.runs import read_task_config
from npdeep.text.vocabulary import Vocabulary
from npdeep.train.checkpoint import load as load_weights
from npdeep.train.checkpoint import save as save_weights
from npdeep.train.checkpoint import write_text_atomic
from npdeep.validation import check_int

T_X, T_Y = 30, 10
TASK = "dates"
CONFIG, WEIGHTS = "config.json", "model.safetensors"
INPUT_VOCAB, OUTPUT_VOCAB = "input_vocab.json", "output_vocab.json"
EVAL_BATCH = 1024


def held_out(n: int, seed: int, exclude) -> list:
    """n generated pairs whose human strings are none of ``exclude``'s (a training set's
    pairs): a test set of dates the model has not read in that form."""
    seen = {human for human, _ in exclude}
    pairs, draw = [], 0
    while len(pairs) < n:
        draw += 1
        for pair in generate(2 * (n - len(pairs)) + 10, seed=seed * 1000 + draw):
            if pair[0] not in seen:   # also no repeats within the set
                pairs.append(pair)
                seen.add(pair[0])
    return pairs[:n]


def input_vocabulary() -> Vocabulary:
    """The characters of human dates (every one the generator writes), with <pad>/<unk>."""
    return Vocabulary(alphabet())


def output_vocabulary() -> Vocabulary:
    """The characters of ISO dates: "-" and the digits (<eos> is the decoder's start)."""
    return Vocabulary(list("-0123456789"))


def encode_inputs(strings, vocab: Vocabulary, T_x: int = T_X, where: str = "dates") -> np.ndarray:
    """Human dates as (m, T_x) ids, padded with <pad>; unknown characters are <unk>.

    Warns:
        UserWarning: for a string longer than T_x characters, which is cut to its first T_x.
    """
    X = np.full((len(strings), T_x), vocab.pad_id, dtype=np.int64)
    for i, text in enumerate(strings):
        if not isinstance(text, str):
            raise TypeError(f"{where}: dates must be strings; got {type(text).__name__} "
                            f"{text!r}")
        if len(text) > T_x:
            warnings.warn(f"{where}: {text!r} has {len(text)} characters, more than T_x = "
                          f"{T_x}; only its first {T_x} ({text[:T_x]!r}) are read",
                          UserWarning, stacklevel=3)
            text = text[:T_x]
        ids = vocab.encode(text)
        X[i, :len(ids)] = ids
    return X


def encode_targets(targets, vocab: Vocabulary, T_y: int = T_Y) -> np.ndarray:
    """ISO dates as (m, T_y) ids; each must be exactly T_y characters of the vocabulary."""
    Y = np.empty((len(targets), T_y), dtype=np.int64)
    for i, text in enumerate(targets):
        ids = vocab.encode(text)
        if len(ids) != T_y or (ids == vocab.unk_id).any():
            raise ValueError(f"dates: target {text!r} is not {T_y} characters of "
                             f"{''.join(vocab.tokens[3:])!r} (an ISO date YYYY-MM-DD)")
        Y[i] = ids
    return Y


def training_arrays(pairs, input_vocab: Vocabulary, output_vocab: Vocabulary,
                    T_x: int = T_X, T_y: int = T_Y) -> tuple:
    """(X, Y) for ``npdeep.fit``: X (m, T_x + T_y) = [x ids; start, y⟨1..T_y−1⟩] (teacher
    forcing), Y (m, T_y) the ISO ids."""
    x = encode_inputs([h for h, _ in pairs], input_vocab, T_x, "training_arrays")
    Y = encode_targets([iso for _, iso in pairs], output_vocab, T_y)
    start = np.full((len(pairs), 1), output_vocab.eos_id, dtype=np.int64)
    return np.hstack([x, start, Y[:, :-1]]), Y


def sequence_accuracy(y_true, y_pred) -> float:
    """The fraction of sequences whose every step's argmax is right (for fit's logs:
    y_pred (m, T_y, V) teacher-forced logits, y_true (m, T_y) ids)."""
    return float(np.mean((np.argmax(y_pred, axis=-1) == np.asarray(y_true)).all(axis=1)))


def exact_match(predictions, targets) -> float:
    """The fraction of predictions equal to their target strings."""
    if len(predictions) != len(targets):
        raise ValueError(f"exact_match: {len(predictions)} predictions but {len(targets)} "
                         "targets")
    return float(np.mean([p == t for p, t in zip(predictions, targets)]))


class Translator:
    """A trained date model with its vocabularies: translate, score, look at attention.

    Args:
        model: an npdeep.models.AttentionSeq2Seq.
        input_vocab, output_vocab: the vocabularies it was trained with.

    Example:
        >>> translator.translate("3 May 1979")                  # '1979-05-03'
        >>> translator.sequence_log_prob("3 May 1979", "1979-05-03")   # log P(y | x)
    """

    def __init__(self, model, input_vocab: Vocabulary, output_vocab: Vocabulary):
        if len(input_vocab) != model.input_vocab_size or len(output_vocab) != \
                model.output_vocab_size:
            raise ValueError(f"Translator: the vocabularies have {len(input_vocab)} and "
                             f"{len(output_vocab)} tokens but the model takes "
                             f"{model.input_vocab_size} and predicts {model.output_vocab_size}")
        self.model, self.input_vocab, self.output_vocab = model, input_vocab, output_vocab
        self.T_x, self.T_y, self.start = model.T_x, model.T_y, model.start_id

    # ------------------------------------------------------------------ inputs
    def encode(self, strings) -> np.ndarray:
        """(m, T_x) input ids (see :func:`encode_inputs`; longer strings warn)."""
        return encode_inputs(strings, self.input_vocab, self.T_x, "Translator")

    def decode(self, ids) -> str:
        return self.output_vocab.decode(ids, stop_at_eos=False)

    # ------------------------------------------------------------------ greedy, batched
    def greedy_ids(self, x_ids: np.ndarray) -> tuple:
        """Greedy decoding of a batch: ((m, T_y) ids, α (m, T_y, T_x)); y⟨t⟩ = argmax of
        P(· | x, y⟨1..t−1⟩), each prediction fed back as the next input."""
        model = self.model.eval()
        m = len(x_ids)
        Y = np.empty((m, self.T_y), dtype=np.int64)
        alphas = np.empty((m, self.T_y, self.T_x))
        with no_grad():
            keys = model.encode(x_ids)
            state = model.initial_state(m)
            fused = model.decoder.fused()  # once, not once per step
            y_prev = np.full(m, self.start)
            for t in range(self.T_y):
                logits, state, alpha = model.decode_step(keys, y_prev, state, fused)
                y_prev = np.argmax(logits.data, axis=1)
                Y[:, t], alphas[:, t] = y_prev, alpha.data
        return Y, alphas

    # ------------------------------------------------------------------ one step, cached
    def step_fn(self, text: str):
        """The next-token function of npdeep.text.decoding for one input ``text``:
        ``step_fn(prefixes) -> (len(prefixes), V)`` log-probabilities, where each prefix is
        a tuple of ids beginning with the start token. The encoder runs once; the decoder
        state after each prefix is cached, so extending a prefix costs one step."""
        from npdeep.functional import log_softmax
        from npdeep.nn.attention import AttentionKeys
        from npdeep.tensor import Tensor

        model = self.model.eval()
        with no_grad():
            keys = model.encode(self.encode([text]))
            fused = model.decoder.fused()  # once for every prefix of this text
        s0, c0 = (t.data[0] for t in model.initial_state(1))
        cache = {}  # prefix -> (log-probs of the next token (V,), s (n_s,), c_s (n_s,))

        def batch_keys(k: int) -> AttentionKeys:
            return AttentionKeys(Tensor(np.repeat(keys.A.data, k, axis=0)),
                                 Tensor(np.repeat(keys.P.data, k, axis=0)), keys.W1s,
                                 np.repeat(keys.mask, k, axis=0))

        def run(level: list) -> None:
            S = np.stack([cache[p[:-1]][1] if len(p) > 1 else s0 for p in level])
            C = np.stack([cache[p[:-1]][2] if len(p) > 1 else c0 for p in level])
            with no_grad():
                logits, (s, c), _ = model.decode_step(batch_keys(len(level)),
                                                      [p[-1] for p in level],
                                                      (Tensor(S), Tensor(C)), fused)
                log_probs = log_softmax(logits, axis=1).data
            for i, p in enumerate(level):
                cache[p] = (log_probs[i], s.data[i], c.data[i])

        def step(prefixes) -> np.ndarray:
            prefixes = [tuple(int(t) for t in p) for p in prefixes]
            for p in prefixes:
                if not p or p[0] != self.start:
                    raise ValueError(f"step_fn: each prefix must begin with the start token "
                                     f"{self.start}; got {p}")
            missing = {p[:j] for p in prefixes for j in range(1, len(p) + 1)
                       if p[:j] not in cache}
            for length in sorted({len(p) for p in missing}):
                run(sorted(p for p in missing if len(p) == length))
            return np.stack([cache[p][0] for p in prefixes])

        return step

    # ------------------------------------------------------------------ translating
    def translate(self, strings, beam_width: int = 1, length_normalization: float = 0.7):
        """ISO dates for human dates: greedy (beam_width = 1, batched over the strings) or
        beam search with B = beam_width (npdeep.text.decoding.beam_search, per string).

        Args:
            strings: a string or a list of strings (longer than T_x: cut, with a warning).
            beam_width: B >= 1.
            length_normalization: α of the beam's score (1/T_y^α)·Σ log P; every output has
                T_y steps here, so it does not change the ranking.

        Returns:
            a string for a string, else a list of strings.

        Raises:
            ValueError: for beam_width < 1.
        """
        beam_width = check_int(beam_width, "beam_width", "Translator.translate", 1)
        single = isinstance(strings, str)
        strings = [strings] if single else list(strings)
        if beam_width == 1:
            out = []
            for first in range(0, len(strings), EVAL_BATCH):
                Y, _ = self.greedy_ids(self.encode(strings[first:first + EVAL_BATCH]))
                out.extend(self.decode(row) for row in Y)
        else:
            out = [self.decode(self.beam_ids(text, beam_width, length_normalization))
                   for text in strings]
        return out[0] if single else out

    def beam_ids(self, text: str, beam_width: int = 3,
                 length_normalization: float = 0.7) -> list:
        """The best hypothesis of beam search for ``text``, as T_y output ids."""
        from npdeep.text.decoding import beam_search

        hypotheses = beam_search(self.step_fn(text), self.start, beam_width=beam_width,
                                 max_length=self.T_y, eos=None,
                                 length_normalization=length_normalization)
        return self._without_start(hypotheses[0].tokens)

    def _without_start(self, tokens) -> list:
        tokens = [int(t) for t in tokens]
        if len(tokens) == self.T_y + 1 and tokens[0] == self.start:
            tokens = tokens[1:]
        return tokens

    # ------------------------------------------------------------------ scoring
    def output_ids(self, y) -> list:
        """An ISO string, or T_y ids (optionally after the start token), as T_y ids."""
        if isinstance(y, str):
            return self.output_vocab.encode(y).tolist()
        return self._without_start(y)

    def sequence_log_prob(self, x: str, y) -> float:
        """log P(y | x) = Σ_t log P(y⟨t⟩ | x, y⟨1..t−1⟩), for beam search's error analysis.

        Args:
            x: a human date; y: an ISO string or its T_y output ids.
        """
        from npdeep.functional import log_softmax

        ids = self.output_ids(y)
        if len(ids) != self.T_y:
            raise ValueError(f"Translator.sequence_log_prob: y must have T_y = {self.T_y} "
                             f"tokens; got {len(ids)}")
        X = np.hstack([self.encode([x]), [[self.start] + ids[:-1]]])
        with no_grad():
            log_probs = log_softmax(self.model.eval()(X), axis=-1).data[0]  # (T_y, V)
        return float(log_probs[np.arange(self.T_y), ids].sum())

    def attention_map(self, text: str) -> tuple:
        """(the greedy translation, α (T_y, n) over the n characters read of ``text``)."""
        x_ids = self.encode([text])
        Y, alphas = self.greedy_ids(x_ids)
        n = max(int((x_ids[0] != self.input_vocab.pad_id).sum()), 1)
        return self.decode(Y[0]), alphas[0, :, :n]


def new_translator(**options) -> Translator:
    """A Translator around a fresh AttentionSeq2Seq (T_x = 30, T_y = 10; ``options`` are the
    model's n_a, n_s, n_d, n_e, activation), with the task's vocabularies."""
    from npdeep.models.seq2seq import seq2seq

    input_vocab, output_vocab = input_vocabulary(), output_vocabulary()
    model = seq2seq(len(input_vocab), len(output_vocab), T_x=T_X, T_y=T_Y,
                    pad_id=input_vocab.pad_id, start_id=output_vocab.eos_id, **options)
    return Translator(model, input_vocab, output_vocab)


def save_config(run_dir: str, translator: Translator, settings: dict | None = None) -> None:
    """Write config.json ({"task": "dates", "model": the model's arguments, **settings})
    and the two vocabularies: everything of a run folder but the weights."""
    os.makedirs(run_dir, exist_ok=True)
    config = dict(settings or {})
    config.update({"task": TASK, "model": translator.model.arguments()})
    translator.input_vocab.save(os.path.join(run_dir, INPUT_VOCAB))
    translator.output_vocab.save(os.path.join(run_dir, OUTPUT_VOCAB))
    write_text_atomic(os.path.join(run_dir, CONFIG), json.dumps(config, indent=1))


def save(run_dir: str, translator: Translator, settings: dict | None = None) -> None:
    """Write the translator's weights (model.safetensors), vocabularies and config."""
    save_config(run_dir, translator, settings)
    save_weights(translator.model, os.path.join(run_dir, WEIGHTS))


def read_config(run_dir: str) -> dict:
    """A dates run's config.json.

    Raises:
        ValueError: for a folder without one, invalid JSON, or another task's run.
    """
    return read_task_config(run_dir, TASK, "a date translator", "pass")


def load(run_dir: str) -> Translator:
    """The Translator saved in ``run_dir`` (its model in eval mode); nothing is executed
    (the model is rebuilt from its arguments, the weights read from safetensors).

    Raises:
        ValueError: for a folder that is not a dates run; FileNotFoundError without weights.
    """
    from npdeep.models.seq2seq import seq2seq

    config = read_config(run_dir)
    vocabs = []
    for name in (INPUT_VOCAB, OUTPUT_VOCAB):
        path = os.path.join(run_dir, name)
        if not os.path.exists(path):
            raise ValueError(f"no {name} in '{run_dir}': the run did not finish; train it "
                             "again")
        vocabs.append(Vocabulary.load(path))
    weights = os.path.join(run_dir, WEIGHTS)
    if not os.path.exists(weights):
        raise FileNotFoundError(f"no {WEIGHTS} in '{run_dir}': the run did not finish; "
                                "resume or train it again")
    model = seq2seq(**config["model"])
    load_weights(model, weights)
    return Translator(model.eval(), *vocabs)


__all__ = ["generate", "held_out", "load", "save", "save_config", "Translator",
           "new_translator", "training_arrays", "exact_match", "sequence_accuracy",
           "input_vocabulary", "output_vocabulary", "T_X", "T_Y"]
