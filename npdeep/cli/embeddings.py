"""``npdeep embeddings train | evaluate | analogy``: word vectors from the command line."""
from __future__ import annotations

import os

# The standard evaluation sets, beside the repository (as the other data sets are found).
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(_REPO, "..", "shared", "data", "embeddings")
ANALOGIES = os.path.join(DATA, "questions-words.txt")
SIMILARITY = (os.path.join(DATA, "wordsim353.tsv"), os.path.join(DATA, "simlex999.txt"))


def _add_vectors_argument(parser) -> None:
    parser.add_argument("--vectors", required=True,
                        help="a word-vector file: word2vec text (a 'V n_e' header line), "
                        "GloVe text (no header), or word2vec binary with --binary")
    parser.add_argument("--binary", action="store_true",
                        help="the file is in word2vec's binary format")


def add_parsers(sub, formatter_class) -> None:
    """Adds ``npdeep embeddings train|evaluate|analogy`` to the ``npdeep`` parser."""
    from npdeep.cli.parser import _count, _nonnegative  # here: the parser imports this module
    embeddings = sub.add_parser(
        "embeddings", help="train, evaluate and query word vectors",
        formatter_class=formatter_class,
        description="Word2Vec vectors from a text corpus, their analogy accuracy and "
        "word-similarity correlation, and analogies a : b :: c : ?.")
    actions = embeddings.add_subparsers(dest="action", metavar="ACTION", required=True,
                                        help="train, evaluate or analogy")

    train = actions.add_parser(
        "train", help="train Word2Vec on a corpus file", formatter_class=formatter_class,
        description="Word2Vec (skip-gram or CBOW with negative sampling) on a text file, one "
        "sentence a line, tokens split on whitespace; writes OUT/vectors.txt (word2vec text "
        "format, most frequent word first).")
    train.add_argument("--corpus", required=True, help="the corpus text file")
    train.add_argument("--out", default=os.path.join("runs", "embeddings"),
                       help="the folder to write vectors.txt into (created if needed)")
    train.add_argument("--vector-size", dest="vector_size", type=_count, default=100,
                       help="n_e, the length of each vector")
    train.add_argument("--window", type=_count, default=5, help="the largest context distance")
    train.add_argument("--min-count", dest="min_count", type=_count, default=5,
                       help="drop words with fewer occurrences")
    train.add_argument("--negative", type=_count, default=5, help="negatives per positive")
    train.add_argument("--epochs", type=_count, default=5, help="passes over the corpus")
    train.add_argument("--sg", type=int, choices=(0, 1), default=1, help="1 skip-gram, 0 CBOW")
    train.add_argument("--sample", type=_nonnegative, default=1e-3,
                       help="the subsampling threshold of frequent words (0: off)")
    train.add_argument("--seed", type=int, default=1, help="the seed of every draw")
    train.add_argument("--workers", type=_count, default=2,
                       help="threads (the compiled path; the NumPy path uses one)")
    train.add_argument("--lowercase", action="store_true", help="lower-case the corpus first")
    train.add_argument("--simple-tokens", action="store_true", dest="simple_tokens",
                       help="tokens are lower-cased runs of the letters a-z (punctuation "
                       "dropped: the form the analogy and similarity sets are in)")
    train.add_argument("--binary", action="store_true",
                       help="write vectors.bin in word2vec's binary format instead")
    train.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress bar")
    train.set_defaults(handler=cmd_train)

    evaluate = actions.add_parser(
        "evaluate", help="analogy accuracy and word-similarity Spearman rho",
        formatter_class=formatter_class,
        description="Accuracy on analogy questions (per section and in total; questions with "
        "an unknown word are skipped) and Spearman's rho on word-similarity sets. Without "
        "--analogies or --similarity, the standard sets where the project keeps them.")
    _add_vectors_argument(evaluate)
    evaluate.add_argument("--analogies", help="analogy questions (questions-words.txt format; "
                          f"default: {ANALOGIES} when there)")
    evaluate.add_argument("--similarity", nargs="+", metavar="FILE",
                          help="word-pair files 'w1<TAB>w2<TAB>score' (default: WordSim-353 "
                          "and SimLex-999 where the project keeps them)")
    evaluate.add_argument("--restrict-vocab", dest="restrict_vocab", type=_count,
                          default=300000, help="use only the first (most frequent) words")
    evaluate.set_defaults(handler=cmd_evaluate)

    analogy = actions.add_parser(
        "analogy", help="a is to b as c is to ?", formatter_class=formatter_class,
        description="The word d for which a : b :: c : d (the course's complete_analogy: "
        "argmax cos(e_b - e_a, e_d - e_c)), then gensim's most_similar(positive=[b, c], "
        "negative=[a]) list.")
    analogy.add_argument("words", nargs=3, metavar="WORD", help="a b c, e.g. man woman king")
    _add_vectors_argument(analogy)
    analogy.add_argument("--topn", type=_count, default=5, help="how many neighbours to list")
    analogy.set_defaults(handler=cmd_analogy)


def load_vectors(path: str, binary: bool = False):
    """KeyedVectors from a word2vec text or binary file, or a GloVe file (no header line,
    told apart from word2vec text by its first line)."""
    from npdeep.text import KeyedVectors

    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such vectors file '{path}'")
    no_header = False
    if not binary:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline().split()
        no_header = not (len(first) == 2 and all(s.isdigit() for s in first))
    return KeyedVectors.load_word2vec_format(path, binary=binary, no_header=no_header)


def _sentences(path: str, tokenize):
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = tokenize(line)
            if words:
                yield words


def cmd_train(args) -> int:
    from npdeep.text import Word2Vec

    if not os.path.isfile(args.corpus):
        raise FileNotFoundError(f"no such corpus file '{args.corpus}'")
    from npdeep.text.word2vec_data import simple_tokenize

    if args.simple_tokens:
        corpus = dict(sentences=_sentences(args.corpus, simple_tokenize))
    elif args.lowercase:
        corpus = dict(sentences=_sentences(args.corpus, lambda line: line.lower().split()))
    else:
        corpus = dict(corpus_file=args.corpus)
    model = Word2Vec(**corpus, vector_size=args.vector_size, window=args.window,
                     min_count=args.min_count, negative=args.negative, epochs=args.epochs,
                     sg=args.sg, sample=args.sample, seed=args.seed, workers=args.workers,
                     progress=args.progress)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "vectors.bin" if args.binary else "vectors.txt")
    model.wv.save_word2vec_format(path, binary=args.binary)
    print(f"{len(model.wv)} words x {model.wv.vector_size}, {args.epochs} epochs over "
          f"{model.corpus_total_words} words in {model.train_seconds:.1f} s "
          f"({model.words_per_second:,.0f} words/s, {model.path} path); wrote {path}")
    return 0


def cmd_evaluate(args) -> int:
    analogies = args.analogies
    similarity = args.similarity
    if analogies is None and similarity is None:
        analogies = ANALOGIES if os.path.isfile(ANALOGIES) else None
        similarity = [p for p in SIMILARITY if os.path.isfile(p)]
        if analogies is None and not similarity:
            raise ValueError("no evaluation sets: give --analogies FILE and/or --similarity "
                             f"FILE (the standard ones are not in {DATA})")
    kv = load_vectors(args.vectors, args.binary)
    if analogies is not None:
        from npdeep.text.embedding_eval import section_accuracy

        score, sections = kv.evaluate_word_analogies(analogies,
                                                     restrict_vocab=args.restrict_vocab)
        print(f"{'section':<28} {'accuracy':>8} {'right':>6} {'asked':>6} {'skipped':>7}")
        for section in sections:
            answered = len(section["correct"]) + len(section["incorrect"])
            accuracy = section_accuracy(section)
            shown = f"{accuracy:8.4f}" if answered else f"{'-':>8}"
            print(f"{section['section']:<28} {shown} {len(section['correct']):>6} "
                  f"{answered:>6} {section['skipped']:>7}")
    for path in similarity or []:
        result = kv.evaluate_word_pairs(path, restrict_vocab=args.restrict_vocab)
        print(f"{os.path.basename(path)}: Spearman rho {result.spearman:.4f}, Pearson r "
              f"{result.pearson:.4f} over {result.n_pairs} pairs "
              f"({result.oov_ratio:.1f}% skipped: unknown words)")
    return 0


def cmd_analogy(args) -> int:
    a, b, c = args.words
    kv = load_vectors(args.vectors, args.binary)
    print(f"{a} : {b} :: {c} : {kv.analogy(a, b, c)}")
    for word, similarity in kv.most_similar(positive=[b, c], negative=[a], topn=args.topn):
        print(f"  {word:<20} {similarity:.4f}")
    return 0
