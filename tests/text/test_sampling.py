"""sample: draws from the softmax (not argmax), repeatable with a seed, temperature -> 0 is
the argmax path; bad arguments."""
import numpy as np
import pytest

import npdeep
from npdeep.text import sample
from npdeep.text.sampling import next_token_probabilities

from text.lm_helpers import NAMES, trained_names_model


@pytest.fixture(scope="module")
def lm():
    return trained_names_model()


def greedy(model, vocab, prefix="", max_length=20):
    """The argmax path, one step at a time from the whole sequence so far (no state)."""
    ids = [vocab.eos_id, *vocab.encode(prefix)]
    out = []
    with npdeep.no_grad():
        for _ in range(max_length):
            Z, _ = model.forward_with_state(np.array([ids]), None)
            z = Z.data[0, -1].copy()
            z[[vocab.pad_id, vocab.unk_id]] = -np.inf
            nxt = int(z.argmax())
            if nxt == vocab.eos_id:
                break
            out.append(nxt)
            ids.append(nxt)
    return prefix + vocab.decode(out)


def test_same_seed_same_samples_other_seed_other_samples(lm):
    model, vocab = lm
    a = sample(model, vocab, n=8, seed=1)
    assert a == sample(model, vocab, n=8, seed=1)
    assert a != sample(model, vocab, n=8, seed=2)
    assert len(a) == 8 and all(isinstance(s, str) for s in a)
    npdeep.manual_seed(5)
    b = sample(model, vocab, n=4)
    npdeep.manual_seed(5)
    assert b == sample(model, vocab, n=4)


def test_samples_are_drawn_not_argmax(lm):
    model, vocab = lm
    samples = sample(model, vocab, n=30, seed=0, temperature=1.5)
    assert len(set(samples)) > 5  # the argmax path would give one name 30 times


def test_temperature_to_zero_is_the_argmax_path(lm):
    model, vocab = lm
    for prefix in ("", "is", "m"):
        path = greedy(model, vocab, prefix)
        assert sample(model, vocab, n=3, temperature=1e-8, seed=0, prefix=prefix) == [path] * 3


def test_prefix_max_length_and_unknown_characters(lm):
    model, vocab = lm
    texts = sample(model, vocab, n=5, max_length=3, prefix="so", seed=0)
    assert all(t.startswith("so") and len(t) <= 5 for t in texts)
    assert all(t.startswith("Zo") for t in sample(model, vocab, n=2, prefix="Zo", seed=0))
    assert all("<" not in t for t in sample(model, vocab, n=20, seed=3, temperature=3.0))


def test_next_token_probabilities():
    Z = np.array([[1.0, 3.0, 2.0, 3.0]])
    P = next_token_probabilities(Z, 1.0)
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum())
    np.testing.assert_allclose(next_token_probabilities(Z, 1e-9), [[0, 0.5, 0, 0.5]])
    np.testing.assert_allclose(next_token_probabilities(Z, 1e-9, banned=[1]), [[0, 0, 0, 1]])
    flat = next_token_probabilities(Z, 1e6)
    np.testing.assert_allclose(flat, 0.25, atol=1e-5)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_temperature_must_be_positive(lm, temperature):
    model, vocab = lm
    with pytest.raises(ValueError, match=r"The 'temperature' parameter of sample must be a "
                                         r"finite number > 0. Got"):
        sample(model, vocab, temperature=temperature)


def test_other_bad_arguments(lm):
    model, vocab = lm
    with pytest.raises(ValueError, match="The 'n' parameter of sample must be an int >= 1"):
        sample(model, vocab, n=0)
    with pytest.raises(ValueError, match="The 'max_length' parameter of sample must be"):
        sample(model, vocab, max_length=0)
    with pytest.raises(TypeError, match="sample: prefix must be a string"):
        sample(model, vocab, prefix=3)
    with pytest.raises(TypeError, match="sample: model must be a language model"):
        sample(npdeep.nn.Linear(2, 2), vocab)


def test_names_are_learned(lm):
    model, vocab = lm
    samples = sample(model, vocab, n=40, seed=0, temperature=0.5)
    assert sum(s in NAMES for s in samples) >= 10
