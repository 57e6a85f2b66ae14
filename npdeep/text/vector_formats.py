"""The word-vector file formats: word2vec text and binary, and GloVe text.

word2vec text (Mikolov's word2vec.c, ``-binary 0``; gensim's ``binary=False``):

    V n_e                      a header line: vocabulary size and vector length
    word v1 v2 ... v_{n_e}     one line per word, fields separated by single spaces

GloVe text (Pennington et al.'s glove.6B.*.txt) is the same without the header line.

word2vec binary (``-binary 1``): the same header line, then per word its UTF-8 bytes, one
space, and n_e little-endian float32 values (4·n_e bytes); word2vec.c writes a newline after
each vector and gensim does not, so the reader skips newlines before a word.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from npdeep.train.checkpoint import atomic_write

_FLOAT32_LE = np.dtype("<f4")


def _check_limit(limit, where: str):
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"The 'limit' parameter of {where} must be an int >= 1 or None. "
                         f"Got {limit!r} instead.")


def _parse_header(line: str, path, where: str) -> tuple[int, int]:
    parts = line.split()
    try:
        V, n_e = int(parts[0]), int(parts[1])
        if len(parts) != 2 or V < 0 or n_e < 1:
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"{where}: '{path}' does not start with a word2vec header line "
                         f"'V n_e' (got {line.strip()[:60]!r}); for a GloVe file (no header) "
                         "pass no_header=True") from None
    return V, n_e


def _keep_first(word: str, seen: set, path) -> bool:
    """Append unless ``word`` was seen: gensim, too, keeps the first copy of a duplicate."""
    if word in seen:
        warnings.warn(f"load_word2vec_format: duplicate word {word!r} in '{path}'; keeping "
                      "its first vector", stacklevel=3)
        return False
    seen.add(word)
    return True


def _load_text(path, no_header: bool, limit, encoding: str, unicode_errors: str, where: str):
    words, rows, seen = [], [], set()
    V, n_e, n_read = None, None, 0
    with open(path, encoding=encoding, errors=unicode_errors) as f:
        for line_no, line in enumerate(f, start=1):
            if V is None and not no_header:
                V, n_e = _parse_header(line, path, where)
                continue
            # rstrip: word2vec.c writes a space before the newline.
            parts = line.rstrip().split(" ")
            if parts == [""]:
                continue  # a blank line (a trailing newline at the end of the file)
            if n_e is None:
                n_e = len(parts) - 1
                if n_e < 1:
                    raise ValueError(f"{where}: line {line_no} of '{path}' has no vector "
                                     f"values: {line.strip()[:60]!r}")
            if len(parts) < n_e + 1:
                raise ValueError(f"{where}: line {line_no} of '{path}' has "
                                 f"{len(parts) - 1} values but the vectors have n_e = {n_e}")
            # A word may itself hold spaces (GloVe 840B has a few): the vector is the last
            # n_e fields, and the word everything before them.
            word = " ".join(parts[:-n_e])
            try:
                row = np.array(parts[-n_e:], dtype=np.float32)
            except ValueError:
                raise ValueError(f"{where}: line {line_no} of '{path}' has a value that is not "
                                 f"a number: {line.strip()[:60]!r}") from None
            n_read += 1
            if _keep_first(word, seen, path):
                words.append(word)
                rows.append(row)
            if limit is not None and len(words) >= limit:
                break
    if V is not None and limit is None and n_read < V:
        raise ValueError(f"{where}: '{path}' promises {V} words in its header but holds "
                         f"{len(words)}; the file is truncated")
    if not words:
        raise ValueError(f"{where}: '{path}' holds no word vectors")
    return words, np.stack(rows)


def _load_binary(path, limit, encoding: str, unicode_errors: str, where: str):
    with open(path, "rb") as f:
        data = f.read()
    end = data.find(b"\n")
    if end < 0:
        raise ValueError(f"{where}: '{path}' has no header line 'V n_e'")
    V, n_e = _parse_header(data[:end].decode("ascii", errors="replace"), path, where)
    count = V if limit is None else min(V, int(limit))
    width = 4 * n_e
    words, rows, seen = [], [], set()
    pos = end + 1
    for k in range(count):
        while pos < len(data) and data[pos:pos + 1] == b"\n":
            pos += 1
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + width > len(data):
            raise ValueError(f"{where}: '{path}' ends after {k} of the {V} words its header "
                             "promises; the file is truncated")
        word = data[pos:space].decode(encoding, errors=unicode_errors)
        row = np.frombuffer(data, dtype=_FLOAT32_LE, count=n_e, offset=space + 1)
        pos = space + 1 + width
        if _keep_first(word, seen, path):
            words.append(word)
            rows.append(row)
    if not words:
        raise ValueError(f"{where}: '{path}' holds no word vectors")
    return words, np.stack(rows).astype(np.float32)


def load_word2vec_format(path, binary: bool = False, no_header: bool = False,
                         limit: int | None = None, encoding: str = "utf-8",
                         unicode_errors: str = "strict") -> tuple[list, np.ndarray]:
    """Read word vectors from a word2vec (text or binary) or GloVe (text, no header) file.

    Args:
        path: the file.
        binary: the word2vec binary format (else text).
        no_header: the text has no 'V n_e' line (GloVe's format); n_e is read off the first
            line. Only for text.
        limit: read only the first ``limit`` words (the most frequent, in both tools' files).
        encoding, unicode_errors: how the words are decoded (``unicode_errors="ignore"`` for
            files cut in the middle of a character, as some are).

    Returns:
        (words, vectors): a list of V words and a (V, n_e) float32 array.

    Raises:
        ValueError: naming the file (and line) for a missing or malformed header, a line with
            the wrong number of values, a non-number, or a truncated file.
    """
    where = "load_word2vec_format"
    _check_limit(limit, where)
    if binary and no_header:
        raise ValueError(f"{where}: no_header=True is only for text files (GloVe); the "
                         "word2vec binary format always has a header")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: no such file '{path}'")
    if binary:
        return _load_binary(path, limit, encoding, unicode_errors, where)
    return _load_text(path, no_header, limit, encoding, unicode_errors, where)


def _format_row(row: np.ndarray) -> str:
    # str() of a NumPy float32 is its shortest round-trip form, so '0.418' stays '0.418'
    # and a text file reads back bit for bit.
    return " ".join(str(x) for x in row)


def save_word2vec_format(path, words, vectors, binary: bool = False,
                         write_header: bool = True) -> None:
    """Write word vectors in the word2vec text or binary format, atomically.

    Args:
        path: the file to write (replaced whole, or left as it was on any failure).
        words: the V words; none may hold whitespace (the formats separate by spaces).
        vectors: (V, n_e) array, written as float32.
        binary: the word2vec binary format (else text).
        write_header: the 'V n_e' line; ``False`` (text only) writes GloVe's format.

    Raises:
        ValueError: for a word with whitespace, a shape mismatch, or a binary file without
            a header.
    """
    where = "save_word2vec_format"
    words = list(words)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{where} expected vectors of shape ({len(words)}, n_e) for "
                         f"{len(words)} words but got {vectors.shape}")
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"{where}: the word {word!r} is empty or holds whitespace, "
                             "which the word2vec formats cannot store")
    if binary and not write_header:
        raise ValueError(f"{where}: the word2vec binary format needs its header; "
                         "write_header=False is only for text (GloVe's format)")
    V, n_e = vectors.shape
    header = f"{V} {n_e}\n"

    def write(tmp):
        if binary:
            little = vectors.astype(_FLOAT32_LE)
            with open(tmp, "wb") as f:
                f.write(header.encode("ascii"))
                for word, row in zip(words, little):
                    # The newline after each vector is word2vec.c's; both readers skip it.
                    f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            with open(tmp, "w", encoding="utf-8") as f:
                if write_header:
                    f.write(header)
                for word, row in zip(words, vectors):
                    f.write(f"{word} {_format_row(row)}\n")

    atomic_write(path, write)


def load_glove(path, limit: int | None = None, encoding: str = "utf-8"):
    """Read a GloVe text file (``word v1 ... v_{n_e}`` per line, no header) as KeyedVectors.

    Example:
        >>> kv = npdeep.text.load_glove("glove.6B.50d.txt")
        >>> kv.vector_size                                   # 50
    """
    from npdeep.text.keyed_vectors import KeyedVectors
    return KeyedVectors.load_word2vec_format(path, binary=False, no_header=True, limit=limit,
                                             encoding=encoding)
