"""``npdeep bleu HYP REF [REF...]``: BLEU of a translation file, the line sacrebleu prints."""
from __future__ import annotations

SMOOTH_METHODS = ("exp", "none", "floor", "add-k")
TOKENIZE = ("13a", "none", "intl", "char")


def add_parsers(sub, formatter_class) -> None:
    """Adds ``npdeep bleu`` to the ``npdeep`` parser."""
    bleu = sub.add_parser(
        "bleu", help="BLEU of a translation against one or more references",
        formatter_class=formatter_class,
        description="Corpus BLEU (as sacrebleu computes it) of HYP, one output sentence per "
        "line, against the reference files REF (each one sentence per line, as many lines as "
        "HYP; several files: several references per sentence). Prints "
        "'BLEU|signature = score p1/p2/p3/p4 (BP = ...)'; with --sentence, one such line "
        "per sentence (sentence BLEU: exp smoothing and the effective order by default).")
    bleu.add_argument("hypothesis", metavar="HYP", help="the system output file")
    bleu.add_argument("references", metavar="REF", nargs="+", help="reference file(s)")
    bleu.add_argument("--tokenize", choices=TOKENIZE, default="13a",
                      help="13a: WMT's mteval-v13a; none: already tokenized; intl: "
                      "mteval-v14 international; char: every character a token")
    bleu.add_argument("--smooth", choices=SMOOTH_METHODS, default="exp",
                      help="the smoothing of orders with no match")
    bleu.add_argument("--smooth-value", type=float, dest="smooth_value", default=None,
                      help="floor's value (default 0.1) or add-k's k (default 1)")
    bleu.add_argument("--lowercase", "-lc", action="store_true",
                      help="compare lower-cased text")
    bleu.add_argument("--sentence", action="store_true",
                      help="one score per sentence instead of the corpus score")
    bleu.set_defaults(handler=cmd_bleu)


def _read_lines(path: str) -> list:
    with open(path, encoding="utf-8") as f:
        # One sentence per line: only the line break goes, so an empty line stays a sentence.
        return [line.rstrip("\r\n") for line in f]


def cmd_bleu(args) -> int:
    from npdeep.text.bleu import corpus_bleu, sentence_bleu

    hypotheses = _read_lines(args.hypothesis)
    streams = [_read_lines(path) for path in args.references]
    for path, stream in zip(args.references, streams):
        if len(stream) != len(hypotheses):
            raise ValueError(f"{path} has {len(stream)} lines but {args.hypothesis} has "
                             f"{len(hypotheses)}; each reference file needs one line per "
                             "hypothesis")
    settings = dict(tokenize=args.tokenize, smooth_method=args.smooth,
                    smooth_value=args.smooth_value, lowercase=args.lowercase)
    if args.sentence:
        for i, hypothesis in enumerate(hypotheses):
            result = sentence_bleu(hypothesis, [stream[i] for stream in streams], **settings)
            print(result.format(signature=True))
    else:
        print(corpus_bleu(hypotheses, streams, **settings).format(signature=True))
    return 0
