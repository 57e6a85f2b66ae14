"""Debiasing word vectors (Bolukbasi et al. 2016, "Man is to Computer Programmer as Woman is
to Homemaker?"), as the course's "Operations on word vectors" does it.

1. A bias direction g: for one pair, e_{w1} − e_{w2} (the course's g = e_woman − e_man); for
   several, the first principal component of the pairs' centred differences (the paper's
   §5: for each pair, e_w − μ_pair of both words, then PCA).
2. Neutralize a word that should be neutral ("receptionist"): remove its projection on g,
       e_bias = (e·g / ‖g‖²) g,   e_debiased = e − e_bias.
3. Equalize a pair that should differ only along g ("actor", "actress"): move both to the
   same distance from every neutralized word, opposite along g. With μ = (e_{w1} + e_{w2})/2,
       μ_B = (μ·g/‖g‖²) g,  μ_⊥ = μ − μ_B,  e_{wB} = (e_w·g/‖g‖²) g,
       e_{wB}^corrected = √|1 − ‖μ_⊥‖²| · (e_{wB} − μ_B) / ‖(e_w − μ_⊥) − μ_B‖,
       e_w ← e_{wB}^corrected + μ_⊥.
   The formula assumes unit vectors (the course normalizes GloVe first): then both words
   come out of unit length too.

Every function returns the new vectors; ``inplace=True`` also writes them into ``kv``.
"""
from __future__ import annotations

import numpy as np


def _pairs(pairs, where: str) -> list:
    if (isinstance(pairs, (tuple, list)) and len(pairs) == 2
            and all(isinstance(w, str) for w in pairs)):
        return [tuple(pairs)]  # one pair
    pairs = [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 or not all(isinstance(w, str) for w in p) for p in pairs):
        raise ValueError(f"{where} expected a pair of words ('woman', 'man') or a list of "
                         f"pairs; got {pairs!r}")
    return pairs


def bias_direction(kv, pairs) -> np.ndarray:
    """The bias direction g from definitional pairs such as ("woman", "man").

    Args:
        kv: KeyedVectors.
        pairs: one pair (w1, w2) — then g = e_{w1} − e_{w2} — or a list of pairs — then g is
            the first principal component (unit length) of the differences e_w − μ_pair of
            every word from its pair's mean, signed to agree with the mean of e_{w1} − e_{w2}.

    Returns:
        g, shape (n_e,) float64.

    Raises:
        KeyError: naming a word outside the vocabulary.  ValueError: for malformed pairs.

    Example:
        >>> g = bias_direction(kv, [("woman", "man"), ("she", "he"), ("mother", "father")])
    """
    pairs = _pairs(pairs, "bias_direction")
    diffs = np.array([kv.get_vector(a).astype(np.float64) - kv.get_vector(b)
                      for a, b in pairs])  # (n_pairs, n_e)
    if len(pairs) == 1:
        return diffs[0]
    # e_a − μ = (e_a − e_b)/2 and e_b − μ = −(e_a − e_b)/2: the centred rows, already of mean 0.
    centred = np.concatenate([diffs / 2, -diffs / 2])  # (2·n_pairs, n_e)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    g = Vt[0]
    return g if g @ diffs.mean(axis=0) >= 0 else -g


def _check_g(g, kv, where: str) -> np.ndarray:
    g = np.asarray(g, dtype=np.float64)
    if g.shape != (kv.vector_size,):
        raise ValueError(f"{where} expected g of shape ({kv.vector_size},) (n_e) but got "
                         f"{g.shape}")
    if not np.any(g):
        raise ValueError(f"{where}: the bias direction g is zero")
    return g


def project(e, g) -> np.ndarray:
    """The projection of e on g: (e·g / ‖g‖²) g. e, g: (n_e,) → (n_e,)."""
    e = np.asarray(e, dtype=np.float64)
    return (e @ g) / (g @ g) * g


def neutralize(kv, word: str, g, inplace: bool = False) -> np.ndarray:
    """e − (e·g / ‖g‖²) g: the word's vector with its component along g removed.

    Args:
        kv: KeyedVectors.  word: the word to neutralize.  g: (n_e,) the bias direction.
        inplace: also write the result into ``kv``.

    Returns:
        (n_e,) float64, orthogonal to g (|e·g| / ‖g‖ at float64 rounding, about 1e-17).

    Raises:
        KeyError: naming the word when it is not in the vocabulary; ValueError for a g of
        the wrong shape or zero.
    """
    g = _check_g(g, kv, "neutralize")
    e = kv.get_vector(word).astype(np.float64)
    e_debiased = e - project(e, g)
    if inplace:
        kv.vectors[kv.get_index(word)] = e_debiased
    return e_debiased


def equalize(kv, pair, g, inplace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Make the two words of ``pair`` differ only along g, symmetric about the neutral axis.

    The course's equalize (see the module doc for the formula): afterwards e_{w1}·g =
    −e_{w2}·g, both share the part μ_⊥ orthogonal to g, so every neutralized word is equally
    far from both.

    Args:
        kv: KeyedVectors.  pair: (w1, w2).  g: (n_e,) the bias axis.
        inplace: also write both results into ``kv``.

    Returns:
        (e_w1, e_w2), each (n_e,) float64.

    Raises:
        KeyError: naming a word not in the vocabulary; ValueError for a malformed pair, a g
        of the wrong shape or zero, or a pair of two equal vectors (no direction to keep).
    """
    g = _check_g(g, kv, "equalize")
    pairs = _pairs(pair, "equalize")
    if len(pairs) != 1:
        raise ValueError(f"equalize expected one pair of words (w1, w2); got {pair!r}")
    w1, w2 = pairs[0]
    e_w1 = kv.get_vector(w1).astype(np.float64)
    e_w2 = kv.get_vector(w2).astype(np.float64)
    mu = (e_w1 + e_w2) / 2
    mu_B = project(mu, g)
    mu_orth = mu - mu_B
    e_w1B, e_w2B = project(e_w1, g), project(e_w2, g)
    scale = np.sqrt(np.abs(1 - mu_orth @ mu_orth))
    # (e_w − μ_⊥) − μ_B = e_w − μ: the same length for both words (e_w1 − μ = −(e_w2 − μ)).
    norm1 = np.linalg.norm(e_w1 - mu_orth - mu_B)
    norm2 = np.linalg.norm(e_w2 - mu_orth - mu_B)
    if norm1 == 0 or norm2 == 0:
        raise ValueError(f"equalize: {w1!r} and {w2!r} have the same vector; there is no "
                         "difference to equalize")
    corrected_e_w1B = scale * (e_w1B - mu_B) / norm1
    corrected_e_w2B = scale * (e_w2B - mu_B) / norm2
    e1 = corrected_e_w1B + mu_orth
    e2 = corrected_e_w2B + mu_orth
    if inplace:
        kv.vectors[kv.get_index(w1)] = e1
        kv.vectors[kv.get_index(w2)] = e2
    return e1, e2
