"""Course 5, week 2: sentiment classification with the two Emojify models over pretrained vectors.

    V1: mean of the word vectors -> Linear -> softmax
    V2: frozen embeddings -> LSTM -> Dropout -> LSTM -> Dropout -> Linear -> softmax

on labelled sentences (the Pang & Lee polarity sample: 200 movie-review sentences, lines
``__label__neg <sentence>`` / ``__label__pos <sentence>``), a fixed seeded split, and word
vectors from a GloVe / word2vec text file, or trained here by npdeep's Word2Vec on the
corpora of ../shared/data/text (``--word2vec``). Words without a vector become <unk> (a zero
vector); the coverage is printed, since a model can only use the words it has vectors for.
Both models' test accuracy is printed and returned.

    python examples/sentiment.py                      # the small GloVe file in shared/data
    python examples/sentiment.py --word2vec --epochs-w2v 3
"""
from __future__ import annotations

import argparse
import glob
import os
import time
from collections import Counter

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep.models import emojify_v1, emojify_v2
from npdeep.models.emojify import encode_sentences

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
SENTENCES = os.path.join(DATA, "sentiment", "pang_lee_polarity.cor")
GLOVE = os.path.join(DATA, "embeddings", "test_glove.txt")
CORPORA = os.path.join(DATA, "text")


def read_labelled(path: str) -> tuple:
    """(sentences, labels, class names) of a ``__label__NAME sentence`` file (Latin-1)."""
    sentences, names = [], []
    with open(path, encoding="latin-1") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            label, _, sentence = line.strip().partition(" ")
            if not label.startswith("__label__"):
                raise ValueError(f"{path}:{number}: expected '__label__NAME sentence'; got "
                                 f"{line[:40]!r}")
            names.append(label[len("__label__"):])
            sentences.append(sentence)
    classes = sorted(set(names))
    return sentences, np.array([classes.index(n) for n in names]), classes


def split(m: int, test_fraction: float, seed: int) -> tuple:
    """(train, test) index arrays: a seeded permutation, the last test_fraction held out."""
    order = np.random.default_rng(seed).permutation(m)
    n_test = int(round(test_fraction * m))
    return order[n_test:], order[:n_test]


def coverage(kv, sentences) -> tuple:
    """(token coverage, type coverage): the share of words (and of distinct words) with a vector."""
    counts = Counter(w for s in sentences for w in s.split())
    tokens = sum(n for w, n in counts.items() if w in kv) / sum(counts.values())
    types = sum(w in kv for w in counts) / len(counts)
    return tokens, types


def train_word2vec(args):
    """Vectors trained by npdeep's Word2Vec on the text corpora (lower-cased, tokenized as the
    sentences are: words and punctuation split on whitespace)."""
    from npdeep.text import Word2Vec  # another part of issue 10; absent in older trees

    import re
    token = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
    corpus = []
    for path in sorted(glob.glob(os.path.join(CORPORA, "*.txt"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                words = token.findall(line.lower())
                if words:
                    corpus.append(words)
    model = Word2Vec(sentences=corpus, vector_size=args.vector_size, window=5,
                     min_count=args.min_count, sg=1, negative=5, epochs=args.epochs_w2v,
                     seed=args.seed)
    return model.wv


def evaluate_accuracy(model, X, Y) -> float:
    return float((npdeep.predict(model, X).argmax(axis=1) == Y).mean())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=SENTENCES, help="a __label__NAME sentence file")
    parser.add_argument("--vectors", default=GLOVE,
                        help="a GloVe text file (no header) of word vectors")
    parser.add_argument("--word2vec", action="store_true",
                        help="train the vectors with npdeep's Word2Vec on shared/data/text "
                        "instead of reading --vectors")
    parser.add_argument("--vector-size", type=int, default=100)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--epochs-w2v", type=int, default=3)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--epochs", type=int, default=60, help="epochs of each classifier")
    parser.add_argument("--n-a", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--mini-batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sentences, labels, classes = read_labelled(args.data)
    train, test = split(len(sentences), args.test_fraction, args.seed)
    if args.word2vec:
        kv = train_word2vec(args)
        source = f"npdeep Word2Vec on {CORPORA} ({args.epochs_w2v} epochs)"
    else:
        kv = npdeep.text.load_glove(args.vectors)
        source = args.vectors
    tokens, types = coverage(kv, sentences)
    print(f"{len(sentences)} sentences, classes {classes}; {len(train)} train / {len(test)} test")
    print(f"vectors: {source}: {len(kv)} words of {kv.vector_size}; they cover {tokens:.0%} "
          f"of the words ({types:.0%} of the distinct words)")

    results = {"coverage_tokens": tokens, "coverage_types": types}
    for name, build in (("v1 (average)", lambda: emojify_v1(kv, len(classes))),
                        ("v2 (LSTM)", lambda: emojify_v2(kv, len(classes), n_a=args.n_a))):
        npdeep.manual_seed(args.seed)
        model = build()
        X = encode_sentences(model.vocab, sentences)
        optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=args.learning_rate)
        t0 = time.perf_counter()
        history = npdeep.fit(model, F.cross_entropy, optimizer, (X[train], labels[train]),
                             epochs=args.epochs, mini_batch_size=args.mini_batch_size,
                             verbose=0, seed=args.seed)
        train_accuracy = evaluate_accuracy(model, X[train], labels[train])
        test_accuracy = evaluate_accuracy(model, X[test], labels[test])
        key = name.split()[0]
        results[key] = {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                        "final_cost": history.train["cost"][-1],
                        "seconds": time.perf_counter() - t0}
        print(f"emojify_{name}: train accuracy {train_accuracy:.3f}, test accuracy "
              f"{test_accuracy:.3f} ({time.perf_counter() - t0:.1f} s)")
    print(f"majority class on test: {np.bincount(labels[test]).max() / len(test):.3f}; "
          f"total {time.perf_counter() - started:.1f} s")
    return results


if __name__ == "__main__":
    main()
