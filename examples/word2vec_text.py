"""Course 5, week 2: word vectors learned from two novels, side by side with gensim.

Word2Vec (skip-gram with negative sampling) on War and Peace and Pride and Prejudice
(../shared/data/text), then the vectors' analogy accuracy (questions-words.txt: per section,
questions with a word outside the vocabulary skipped) and Spearman's ρ on WordSim-353 and
SimLex-999, against gensim 4 trained with the same settings on the same tokens, for each of
the given seeds. npdeep's compiled (numba) path, and its NumPy path for the first seed.

The corpus: War and Peace one paragraph a line; Pride and Prejudice's hard-wrapped lines
joined into paragraphs (blank lines end one), the table of contents before "Chapter I." and
the Project Gutenberg licence after "*** END OF" cut; each paragraph a sentence, tokenized by
npdeep.text.word2vec_data.simple_tokenize (lower-cased runs of a-z). About 0.70 M words.

    python examples/word2vec_text.py --seeds 1,2,3,4,5,6,7,8 --no-numpy --out results/

Measured (706,227 words, vocabulary 7,379 at min_count 5; skip-gram, n_e 100, window 5,
k 5, sample 1e-3, 5 epochs, 2 threads; run alone under the shared lock on 2 cores, 71 s for
the 16 trainings). Means over seeds 1-8 (standard error of the mean in brackets); analogy:
3,080 of the 19,544 questions have all four words in the vocabulary; WordSim-353: 108 known
pairs, SimLex-999: 483:

    model           analogy          WS-353 rho       SL-999 rho       words/s
    npdeep numba    0.0644 (0.0015)  0.0584 (0.0065)  0.1293 (0.0028)  989k
    gensim 4.4      0.0626 (0.0011)  0.0624 (0.0071)  0.1335 (0.0031)  793k
    npdeep numpy    0.0653           0.0817           0.1379           140k (seed 1 only)
    npdeep GloVe    0.0321           -0.0123          0.0079           146k (seed 1, 25 epochs)

Per seed, npdeep − gensim: analogy +0.0017 ± 0.0016, WS-353 −0.0040 ± 0.0069 (mean ±
standard error over the 8 paired seeds): on a corpus this small both differences are
inside the seed-to-seed noise. GloVe at these settings (window 10, x_max 100) is far
behind word2vec on 0.7 M words. The run's JSON is written to OUT/word2vec_text.json; with
the first model it prints the course's debiasing figures (projections on g after
neutralize of order 1e-17; equalized pairs' projections exactly opposite).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import time

import numpy as np

from npdeep import kernels
from npdeep.text import GloVe, KeyedVectors, Word2Vec
from npdeep.text.debias import bias_direction, equalize, neutralize
from npdeep.text.embedding_eval import section_accuracy
from npdeep.text.word2vec_data import simple_tokenize

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
BOOKS = (os.path.join(DATA, "text", "war_and_peace.txt"),
         os.path.join(DATA, "text", "pride_and_prejudice_pg1342.txt"))
ANALOGIES = os.path.join(DATA, "embeddings", "questions-words.txt")
SIMILARITY = {"wordsim353": os.path.join(DATA, "embeddings", "wordsim353.tsv"),
              "simlex999": os.path.join(DATA, "embeddings", "simlex999.txt")}


def paragraphs(path: str) -> list:
    """A book's paragraphs as strings: lines joined up to each blank line; a Gutenberg file's
    front matter (before 'Chapter I.') and licence (from '*** END OF') are left out."""
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\r\n", "\n")
    end = text.find("*** END OF")
    if end >= 0:
        text = text[:end]
    start = text.find("Chapter I.]")  # P&P's first chapter heading (after its contents)
    if start >= 0:
        text = text[start:]
    blocks = re.split(r"\n[ \t]*\n", text)
    if len(blocks) == 1:  # no blank lines: one paragraph a line already
        return text.split("\n")
    return [" ".join(block.split("\n")) for block in blocks]


def corpus(paths=BOOKS, limit: int | None = None) -> list:
    """The token lists of every paragraph of the books (the first ``limit`` with a limit)."""
    sentences = []
    for path in paths:
        for paragraph in paragraphs(path):
            tokens = simple_tokenize(paragraph)
            if tokens:
                sentences.append(tokens)
    return sentences[:limit] if limit else sentences


def evaluate(wv) -> dict:
    """Analogy accuracy (total and per section, with counts) and ρ on each similarity set."""
    score, sections = wv.evaluate_word_analogies(ANALOGIES)
    total = sections[-1]
    result = {"analogy": score,
              "analogy_answered": len(total["correct"]) + len(total["incorrect"]),
              "analogy_skipped": total["skipped"],
              "sections": {s["section"]: {"accuracy": section_accuracy(s),
                                          "correct": len(s["correct"]),
                                          "answered": len(s["correct"]) + len(s["incorrect"])}
                           for s in sections[:-1]}}
    for name, path in SIMILARITY.items():
        pairs = wv.evaluate_word_pairs(path)
        result[name] = pairs.spearman
        result[f"{name}_pairs"] = pairs.n_pairs
    return result


GENDER_PAIRS = [("she", "he"), ("her", "his"), ("woman", "man"), ("mother", "father"),
                ("daughter", "son"), ("girl", "boy"), ("sister", "brother")]
NEUTRAL = ["doctor", "servant", "soldier", "officer", "cook", "nurse", "general", "coachman",
           "footman", "valet", "governess", "housekeeper"]
EQUALIZE = [("princess", "prince"), ("countess", "count"), ("wife", "husband"),
            ("queen", "king"), ("lady", "gentleman")]


def debias_report(wv) -> dict:
    """The course's debiasing on the trained vectors (unit length, float64, as the course
    uses GloVe): g from the gender pairs (first principal component), neutralize the
    occupations, equalize the gendered pairs; the projections on g before and after."""
    kv = KeyedVectors(wv.index_to_key, wv.unit_vectors(), dtype=np.float64)
    pairs = [p for p in GENDER_PAIRS if p[0] in kv and p[1] in kv]
    neutral = [w for w in NEUTRAL if w in kv]
    if not pairs or not neutral:
        return None  # a corpus without these words (a quick check on a small text)
    g = bias_direction(kv, pairs)
    unit_g = g / np.linalg.norm(g)
    before = {w: float(kv[w] @ unit_g) for w in neutral}
    for w in neutral:
        neutralize(kv, w, g, inplace=True)
    after = {w: float(kv[w] @ unit_g) for w in neutral}
    equalized = {}
    for w1, w2 in (p for p in EQUALIZE if p[0] in kv and p[1] in kv):
        old = (float(kv[w1] @ unit_g), float(kv[w2] @ unit_g))
        e1, e2 = equalize(kv, (w1, w2), g, inplace=True)
        gap = max(abs(np.linalg.norm(e1 - kv[w]) - np.linalg.norm(e2 - kv[w])) for w in neutral)
        equalized[f"{w1}/{w2}"] = {"before": old, "after": (float(e1 @ unit_g),
                                                              float(e2 @ unit_g)),
                                   "max_distance_gap": float(gap)}
    return {"pairs": pairs, "neutral_before": before, "neutral_after": after,
            "max_abs_after": max(abs(v) for v in after.values()) if after else None,
            "equalized": equalized}


def print_debias(report: dict) -> None:
    print(f"debiasing (first npdeep model; g = first principal component of "
          f"{len(report['pairs'])} gender pairs):")
    print("  neutralize, projection on g/|g| before -> after: " + ", ".join(
        f"{w} {report['neutral_before'][w]:+.3f} -> {v:+.1e}"
        for w, v in report["neutral_after"].items()))
    for pair, e in report["equalized"].items():
        print(f"  equalize {pair}: projections ({e['before'][0]:+.3f}, {e['before'][1]:+.3f})"
              f" -> ({e['after'][0]:+.4f}, {e['after'][1]:+.4f}); distances to the "
              f"neutralized words differ by at most {e['max_distance_gap']:.1e}")


def train_npdeep(sentences, settings: dict, compiled: bool) -> tuple:
    with kernels.use(compiled):
        model = Word2Vec(sentences=sentences, **settings)
    return model.wv, model.words_per_second, model.path


def train_gensim(sentences, settings: dict) -> tuple:
    from gensim.models import Word2Vec as GensimWord2Vec

    model = GensimWord2Vec(**settings)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    seconds = time.perf_counter() - start
    # Scored by the same code as npdeep's vectors (tests/text/test_embedding_eval.py checks
    # that it equals gensim's own evaluate_word_analogies and evaluate_word_pairs).
    wv = KeyedVectors(list(model.wv.index_to_key), model.wv.vectors)
    return wv, model.epochs * model.corpus_total_words / seconds, "gensim"


def train_glove(sentences, settings: dict, epochs: int) -> tuple:
    """GloVe (window 10, x_max 100, α 3/4, AdaGrad η 0.05) with Word2Vec's n_e and min_count;
    its words/s: the corpus's words times epochs over the AdaGrad passes' time."""
    model = GloVe(sentences, vector_size=settings["vector_size"],
                  min_count=settings["min_count"], epochs=epochs, seed=settings["seed"])
    n_words = sum(map(len, sentences))
    return model.wv, epochs * n_words / model.train_seconds, "numpy"


def _row(name: str, seed: int, r: dict) -> str:
    return (f"{name:<14} {seed:>4} {r['analogy']:>8.4f} {r['analogy_answered']:>8} "
            f"{r['wordsim353']:>8.4f} {r['simlex999']:>8.4f} {r['words_per_s']:>10,.0f}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1", help="comma-separated seeds, e.g. 1,2,3")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--vector-size", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--sg", type=int, default=1, choices=(0, 1))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first LIMIT paragraphs (a quick check)")
    parser.add_argument("--books", nargs="+", default=list(BOOKS), help="the text files")
    parser.add_argument("--no-gensim", dest="gensim", action="store_false",
                        help="train npdeep only")
    parser.add_argument("--no-numpy", dest="numpy", action="store_false",
                        help="skip the NumPy path")
    parser.add_argument("--glove-epochs", type=int, default=0,
                        help="also fit GloVe for this many epochs, first seed (0: no GloVe)")
    parser.add_argument("--no-debias", dest="debias", action="store_false",
                        help="skip the debiasing figures")
    parser.add_argument("--out", default=None, help="folder for word2vec_text.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.perf_counter()

    sentences = corpus(args.books, args.limit)
    n_words = sum(map(len, sentences))
    print(f"corpus: {len(sentences):,} paragraphs, {n_words:,} words "
          f"({', '.join(os.path.basename(b) for b in args.books)})")
    base = dict(vector_size=args.vector_size, window=args.window, min_count=args.min_count,
                negative=args.negative, sample=args.sample, sg=args.sg, epochs=args.epochs,
                workers=args.workers, alpha=0.025, min_alpha=0.0001)
    # Compile (or load from numba's cache) the training loop before anything is timed.
    train_npdeep([["warm", "up"]] * 4, {**base, "min_count": 1, "epochs": 1}, True)
    runs, debias = [], None
    for i, seed in enumerate(seeds):
        settings = {**base, "seed": seed}
        trainers = [("npdeep numba", lambda: train_npdeep(sentences, settings, True))]
        if args.numpy and i == 0:
            trainers.append(("npdeep numpy", lambda: train_npdeep(sentences, settings, False)))
        if args.gensim:
            trainers.append(("gensim", lambda: train_gensim(sentences, settings)))
        if args.glove_epochs and i == 0:
            trainers.append(("npdeep GloVe",
                             lambda: train_glove(sentences, settings, args.glove_epochs)))
        for name, train in trainers:
            wv, words_per_s, path = train()
            result = {"name": name, "seed": seed, "path": path, "vocabulary": len(wv),
                      "words_per_s": words_per_s, **evaluate(wv)}
            runs.append(result)
            if i == 0 and name == "npdeep numba" and args.debias:
                debias = debias_report(wv)
    print(f"vocabulary: {runs[0]['vocabulary']:,} words (min_count {args.min_count})")
    print(f"{'model':<14} {'seed':>4} {'analogy':>8} {'answered':>8} {'WS-353':>8} "
          f"{'SL-999':>8} {'words/s':>10}")
    for r in runs:
        print(_row(r["name"], r["seed"], r))
    summary = {}
    for name in dict.fromkeys(r["name"] for r in runs):
        mine = [r for r in runs if r["name"] == name]
        summary[name] = {key: float(np.mean([r[key] for r in mine]))
                         for key in ("analogy", "wordsim353", "simlex999", "words_per_s")}
        print(f"{name + ' mean':<19} {summary[name]['analogy']:>8.4f} {'':>8} "
              f"{summary[name]['wordsim353']:>8.4f} {summary[name]['simlex999']:>8.4f} "
              f"{summary[name]['words_per_s']:>10,.0f}")
    first = runs[0]["sections"]
    print("analogy sections (first seed):", ", ".join(
        f"{s} {v['correct']}/{v['answered']}" for s, v in first.items() if v["answered"]))
    if debias is not None:
        print_debias(debias)
    result = {"words": n_words, "settings": base, "seeds": seeds, "runs": runs,
              "summary": summary, "debias": debias, "seconds": time.perf_counter() - started}
    print(f"{result['seconds']:.0f} s")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "word2vec_text.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
