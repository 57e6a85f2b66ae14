"""Sampling text from a language model: the course's ``sample``, batched.

At each step the model gives logits z⟨t⟩ over the V tokens; the next token is *drawn* from
ŷ⟨t⟩ = softmax(z⟨t⟩ / temperature) (the course's ``np.random.choice(range(vocab_size),
p=y.ravel())``), then fed back as x⟨t+1⟩, until <eos> or ``max_length`` tokens. Drawing, not
taking the argmax, is what makes the samples varied; the temperature trades variety for
likelihood: 1 samples the model's distribution, below 1 sharpens it, and as it goes to 0 the
draw becomes the argmax (the most likely path), above 1 flattens it.
"""
from __future__ import annotations

import math

import numpy as np

from npdeep import backend
from npdeep.autograd import no_grad
from npdeep.validation import check_int


def check_temperature(temperature, where: str) -> float:
    """``temperature`` as a finite float > 0, or a ValueError that says what it means."""
    if (isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating))
            or not math.isfinite(temperature) or temperature <= 0):
        raise ValueError(f"The 'temperature' parameter of {where} must be a finite number > 0. "
                         f"Got {temperature!r} instead. The softmax is taken of z / "
                         "temperature: 1 samples the model as trained, a small value such as "
                         "0.01 gives (nearly) the most likely text")
    return float(temperature)


def next_token_probabilities(Z: np.ndarray, temperature: float, banned=()) -> np.ndarray:
    """softmax(z / temperature) over the last axis, with the ``banned`` ids at probability 0.

    NOTE: the maximum is subtracted before dividing by the temperature, so a temperature of
    1e-8 gives exp(0) = 1 at the argmax and exp(−huge) = 0 elsewhere (no overflow): the draw
    is then the argmax (ties share the probability).
    """
    Z = np.array(Z, dtype=np.float64)  # a copy, in float64 for a small temperature
    if len(banned):
        Z[..., list(banned)] = -np.inf
    Z = (Z - Z.max(axis=-1, keepdims=True)) / temperature
    P = np.exp(Z)
    P /= P.sum(axis=-1, keepdims=True)
    return P


def sample(model, vocab, n: int = 1, temperature: float = 1.0, max_length: int = 100,
           prefix: str = "", seed: int | None = None) -> list:
    """Draw ``n`` texts from a language model, each token from the softmax of the logits.

    Every sample starts from the zero state and the input <eos> (the model's start token),
    then reads ``prefix``; from there each next token is drawn from
    softmax(z⟨t⟩ / temperature) with a NumPy Generator's ``choice`` and fed back, until the
    model draws <eos> or ``max_length`` tokens are drawn. <pad> and <unk> are never drawn.

    Args:
        model: a language model such as npdeep.models.char_rnn, with
            ``forward_with_state(X, state) -> (Z, state)`` over token ids X (m, T).
        vocab: the Vocabulary it was trained with.
        n: the number of samples (drawn side by side, as one batch).
        temperature: > 0; 1 samples the model, → 0 gives the argmax path, > 1 flattens.
        max_length: the most tokens drawn after the prefix.
        prefix: the text each sample starts with (its unknown tokens read as <unk>).
        seed: seeds a private Generator, so that the same seed gives the same samples; None
            draws from npdeep's generator (``npdeep.manual_seed`` makes that repeatable).

    Returns:
        A list of n strings, each the prefix followed by the drawn text (without <eos>).

    Raises:
        ValueError: for a temperature <= 0, n or max_length < 1.

    Example:
        >>> sample(model, vocab, n=3, seed=0)   # an LSTM after a minute on 29k names
        ['mianie', 'daine', 'auralynn']
    """
    where = "sample"
    n = check_int(n, "n", where)
    max_length = check_int(max_length, "max_length", where)
    temperature = check_temperature(temperature, where)
    if not isinstance(prefix, str):
        raise TypeError(f"{where}: prefix must be a string; got {type(prefix).__name__}")
    if not hasattr(model, "forward_with_state"):
        raise TypeError(f"{where}: model must be a language model with forward_with_state(X, "
                        f"state), e.g. npdeep.models.char_rnn; got {type(model).__name__}")
    generator = backend.rng() if seed is None else np.random.default_rng(seed)
    banned = (vocab.pad_id, vocab.unk_id)
    V = len(vocab)
    start = np.concatenate([[vocab.eos_id], vocab.encode(prefix)]).astype(np.int64)
    X = np.tile(start, (n, 1))  # (n, 1 + len(prefix))
    drawn = np.full((n, max_length), vocab.eos_id, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            state = None
            for t in range(max_length):
                Z, state = model.forward_with_state(X, state)
                P = next_token_probabilities(Z.data[:, -1], temperature, banned)  # (n, V)
                for i in np.flatnonzero(~done):
                    drawn[i, t] = generator.choice(V, p=P[i])
                done |= drawn[:, t] == vocab.eos_id
                if done.all():
                    break
                X = drawn[:, t:t + 1]  # (n, 1): the draw is the next input
    finally:
        model.train(was_training)
    texts = []
    for row in drawn:
        text = vocab.decode(row)  # stops at the first <eos>
        if vocab.level == "word" and prefix.strip():
            text = (prefix.rstrip() + " " + text).rstrip()
        else:
            text = prefix + text
        texts.append(text)
    return texts
