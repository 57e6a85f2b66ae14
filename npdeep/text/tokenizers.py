"""The tokenizers BLEU is computed with: sacrebleu's "13a" (mteval-v13a), "intl", "char", "none".

BLEU counts n-grams of tokens, so the score depends on how a sentence is cut into tokens; a
score is only comparable with another computed with the same tokenizer. These follow the
definitions sacrebleu uses (and names in its signature ``tok:13a``):

    none   the line as given, split on whitespace (the text is already tokenized)
    13a    mteval-v13a.pl, WMT's standard: punctuation and symbols become tokens, except a
           period or comma between digits (3.5, 1,000) and a dash not after a digit
    intl   mteval-v14.pl --international-tokenization: Unicode punctuation (category P*) split
           off unless between digits, Unicode symbols (S*) always split off
    char   every character is a token (whitespace dropped)

Each takes one line (str) and returns the tokenized line, tokens joined by single spaces.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from npdeep.validation import check_choice

# mteval-v13a's language-dependent part (Western languages): symbols and most ASCII
# punctuation become tokens; a period or comma only when not next to a digit on that side;
# a dash only after a digit (so "well-known" stays one token but "1990-2000" splits).
_RULES_13A = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)
_ESCAPES = (("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"))


@lru_cache(maxsize=2**16)
def tokenize_13a(line: str) -> str:
    """mteval-v13a tokenization (WMT's): ``"Hello, world."`` -> ``"Hello , world ."``."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:  # the SGML escapes of the WMT files
        for escaped, char in _ESCAPES:
            line = line.replace(escaped, char)
    # NOTE: the spaces around the line make a final period a token (the "13a" difference
    # from "intl", which leaves "1990." whole).
    line = f" {line} "
    for pattern, replacement in _RULES_13A:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())


def tokenize_none(line: str) -> str:
    """No tokenization: the line as it is (BLEU then splits it on whitespace)."""
    return line


@lru_cache(maxsize=2**16)
def tokenize_char(line: str) -> str:
    """Every character a token: ``"ab c"`` -> ``"a b c"`` (chrF-like BLEU for CJK text)."""
    return " ".join(line)


def _category(char: str) -> str:
    return unicodedata.category(char)[0]


def _split_pairs(line: str, first, second, replace) -> str:
    """``re.sub`` of a two-character pattern (first char test, second char test), scanning
    left to right without overlap as the regular expression engine does."""
    out = []
    i, n = 0, len(line)
    while i < n:
        if i + 1 < n and first(line[i]) and second(line[i + 1]):
            out.append(replace(line[i], line[i + 1]))
            i += 2
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


@lru_cache(maxsize=2**16)
def tokenize_intl(line: str) -> str:
    """mteval-v14 international tokenization, on Unicode categories.

    Three passes, as the Perl script's substitutions: (non-digit)(punctuation) -> "x p ",
    (punctuation)(non-digit) -> " p x", and every symbol -> " s ".
    NOTE: like mteval-v14 (and unlike 13a) a number followed by the line's final period keeps it:
    "in 1990." has tokens "in", "1990." — kept on purpose, for the same scores.
    """
    def is_punct(c):
        return _category(c) == "P"

    def not_digit(c):
        return _category(c) != "N"

    line = _split_pairs(line, not_digit, is_punct, lambda a, b: f"{a} {b} ")
    line = _split_pairs(line, is_punct, not_digit, lambda a, b: f" {a} {b}")
    line = "".join(f" {c} " if _category(c) == "S" else c for c in line)
    return " ".join(line.split())


TOKENIZERS = {"13a": tokenize_13a, "none": tokenize_none, "intl": tokenize_intl,
              "char": tokenize_char}


def get_tokenizer(name: str, where: str = "get_tokenizer"):
    """The tokenizer function called ``name`` (one of ``TOKENIZERS``)."""
    return TOKENIZERS[check_choice(name, "tokenize", where, TOKENIZERS)]
