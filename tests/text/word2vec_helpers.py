"""Tiny corpora for the Word2Vec tests."""
import numpy as np


def topic_corpus(n_sentences: int = 300, length: int = 8, seed: int = 0):
    """Sentences drawn from one of two topics with disjoint words ("a0".."a9", "b0".."b9"),
    Zipf-ish frequencies inside a topic: a model that learns anything puts a topic's words
    nearer each other than the other topic's."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, 11)
    weights /= weights.sum()
    sentences = []
    for s in range(n_sentences):
        topic = "ab"[s % 2]
        sentences.append([f"{topic}{i}" for i in rng.choice(10, size=length, p=weights)])
    return sentences


def topic_margin(wv) -> float:
    """Mean within-topic cosine minus mean cross-topic cosine (over words a1..a6, b1..b6)."""
    a = [f"a{i}" for i in range(1, 7)]
    b = [f"b{i}" for i in range(1, 7)]
    within = np.mean([wv.similarity(x, y) for g in (a, b) for x in g for y in g if x != y])
    across = np.mean([wv.similarity(x, y) for x in a for y in b])
    return within - across
