"""Vocabulary: the course's ``char_to_ix`` / ``ix_to_char`` as one object, saved with the model.

A vocabulary maps tokens (characters, or whitespace-separated words) to integer ids and back.
Three special tokens come first, with fixed ids:

    <pad> 0   fills the end of shorter sequences in a padded batch (never a target)
    <unk> 1   any token not seen when the vocabulary was built: encoding never fails
    <eos> 2   the end of a sequence (the course's "\\n" after each dinosaur name); also fed as
              the first input, so a model learns the distribution of first tokens

The other tokens follow in sorted order, so the same text always gives the same ids.
"""
from __future__ import annotations

import json
from collections import Counter

import numpy as np

from npdeep.train.checkpoint import write_text_atomic
from npdeep.validation import check_choice, check_int

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
SPECIALS = (PAD, UNK, EOS)
LEVELS = ("char", "word")


class Vocabulary:
    """Tokens and their ids; ``encode`` text to ids, ``decode`` ids to text.

    Args:
        tokens: the ordinary tokens (characters or words), without the specials; duplicates
            are refused.
        level: "char" (a token is a character; decode joins with "") or "word" (tokens are
            split on whitespace; decode joins with " ").

    Attributes:
        pad_id, unk_id, eos_id: 0, 1, 2.
        tokens: every token by id, the specials first.

    Raises:
        ValueError: for an empty token list (an empty vocabulary), a duplicate token, or a
            token that is one of the specials.

    Example:
        >>> vocab = Vocabulary.build(["emma", "olivia"])
        >>> vocab.encode("emma")                  # array([4, 7, 7, 3])
        >>> vocab.decode(vocab.encode("emz"))     # 'em<unk>'
    """

    def __init__(self, tokens, level: str = "char"):
        where = "Vocabulary"
        self.level = check_choice(level, "level", where, LEVELS)
        tokens = list(tokens)
        if not tokens:
            raise ValueError(f"{where}: the vocabulary is empty (no tokens besides "
                             f"{', '.join(SPECIALS)}); build it from a non-empty text")
        for token in tokens:
            if not isinstance(token, str) or not token:
                raise TypeError(f"{where}: tokens must be non-empty strings; got {token!r}")
            if token in SPECIALS:
                raise ValueError(f"{where}: {token!r} is a special token and is added by the "
                                 "vocabulary itself; leave it out of tokens")
            if level == "char" and len(token) != 1:
                raise ValueError(f"{where}: a character vocabulary holds single characters; "
                                 f"got {token!r} (use level='word' for words)")
        self.tokens = list(SPECIALS) + tokens
        self.index = {token: i for i, token in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            counts = Counter(tokens)
            repeated = sorted(t for t, n in counts.items() if n > 1)
            raise ValueError(f"{where}: tokens must be unique; repeated: {repeated[:10]}")
        self.pad_id, self.unk_id, self.eos_id = (self.index[s] for s in SPECIALS)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, text, level: str = "char", min_count: int = 1) -> "Vocabulary":
        """The vocabulary of ``text``: every token seen at least ``min_count`` times.

        Args:
            text: a string, or a list of strings (lines, e.g. one name per line).
            level: "char" or "word".
            min_count: rarer tokens are left out (they encode as <unk>).

        Raises:
            ValueError: for an empty text, or when no token is frequent enough.
        """
        where = "Vocabulary.build"
        check_choice(level, "level", where, LEVELS)
        min_count = check_int(min_count, "min_count", where, 1)
        lines = [text] if isinstance(text, str) else list(text)
        counts = Counter()
        for line in lines:
            if not isinstance(line, str):
                raise TypeError(f"{where}: text must be a string or a list of strings; got an "
                                f"item of type {type(line).__name__}")
            counts.update(line if level == "char" else line.split())
        if not counts:
            raise ValueError(f"{where}: the text is empty (no {level}s in it); pass the text "
                             "to learn the vocabulary from")
        tokens = sorted(t for t, n in counts.items() if n >= min_count)
        if not tokens:
            raise ValueError(f"{where}: no {level} occurs {min_count} times or more; lower "
                             "min_count")
        return cls(tokens, level=level)

    # ------------------------------------------------------------------ ids
    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token) -> bool:
        return token in self.index

    def split(self, text: str) -> list:
        """``text`` as a list of tokens (its characters, or its whitespace-separated words)."""
        if not isinstance(text, str):
            raise TypeError(f"Vocabulary.encode: text must be a string; got "
                            f"{type(text).__name__}")
        return list(text) if self.level == "char" else text.split()

    def encode(self, text: str, add_eos: bool = False) -> np.ndarray:
        """The ids of ``text``'s tokens, (n,) int64; unknown tokens become <unk>."""
        unk = self.unk_id
        ids = [self.index.get(token, unk) for token in self.split(text)]
        if add_eos:
            ids.append(self.eos_id)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids, stop_at_eos: bool = True) -> str:
        """The text of ``ids``: <pad> is dropped; decoding stops at the first <eos> (or
        writes it as "<eos>" with ``stop_at_eos=False``).

        Raises:
            ValueError: for an id outside [0, len(vocab)).
        """
        ids = np.asarray(ids).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"Vocabulary.decode: ids must lie in [0, {len(self)}); got values "
                             f"from {ids.min()} to {ids.max()}")
        pieces = []
        for i in ids.tolist():
            if i == self.eos_id and stop_at_eos:
                break
            if i != self.pad_id:
                pieces.append(self.tokens[i])
        return ("" if self.level == "char" else " ").join(pieces)

    # ------------------------------------------------------------------ saving
    def to_json(self) -> str:
        """The vocabulary as JSON text: {"level": ..., "tokens": [...without specials]}."""
        return json.dumps({"level": self.level, "tokens": self.tokens[len(SPECIALS):]},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Vocabulary":
        """The vocabulary that ``to_json`` wrote.

        Raises:
            ValueError: for text that is not such JSON.
        """
        try:
            data = json.loads(text)
            level, tokens = data["level"], data["tokens"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"Vocabulary.from_json: expected the JSON written by "
                             f"Vocabulary.to_json ({{\"level\": ..., \"tokens\": [...]}}); "
                             f"could not read it: {error}") from None
        return cls(tokens, level=level)

    def save(self, path: str) -> None:
        """Write ``to_json()`` to ``path`` atomically (a temporary file, then a rename)."""
        write_text_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str) -> "Vocabulary":
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())

    def __eq__(self, other) -> bool:
        return (isinstance(other, Vocabulary) and self.level == other.level
                and self.tokens == other.tokens)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens, level={self.level!r})"
