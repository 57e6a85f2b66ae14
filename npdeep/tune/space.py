"""Search spaces: each hyperparameter sampled at random on the right scale (course 2, week 3).

The course's rules:

- sample at random, not on a grid: with two hyperparameters and 25 trials a 5x5 grid tries
  5 values of the one that matters, random sampling 25;
- sample on the right scale: α in [1e-4, 1] as r = a + (b − a)·rand, α = 10^r (a = −4,
  b = 0), so each decade gets the same share of trials (:class:`LogUniform`); β of an
  exponentially weighted average in [0.9, 0.999] as 1 − β = 10^r with r in [−3, −1], because
  the average spans about 1/(1 − β) values and so is sensitive to β near 1
  (:class:`OneMinusLogUniform`);
- coarse to fine: zoom into the region of the best trials and sample more densely there
  (:meth:`Dimension.narrow`, in the dimension's own scale).

A space is a dict ``{name: dimension}``. A trial's values derive from the study's seed and
the trial's index alone (:func:`sample_space`), so a resumed study, or one run on another
executor, samples the same values.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["Uniform", "LogUniform", "IntUniform", "Choice", "OneMinusLogUniform",
           "sample_space", "parse_search", "parse_searches", "check_space"]


def _number(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number; got {type(value).__name__} "
                        f"{value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be a finite number; got {value}")
    return value


class Dimension:
    """One hyperparameter's range and how to sample it.

    ``scale`` names the sampling scale; ``to_scale``/``from_scale`` map a value to it and
    back (identity, log10, log10(1 − β)); a value is sampled uniformly in that scale.
    """

    scale = "linear"
    kind = "uniform"

    def __init__(self, low, high):
        where = type(self).__name__
        low, high = _number(low, "low", where), _number(high, "high", where)
        if low > high:
            raise ValueError(f"{where}({low:g}, {high:g}): the range is inverted (low > high); "
                             f"pass {where}({high:g}, {low:g})")
        if low == high:
            raise ValueError(f"{where}({low:g}, {high:g}): the range is empty (low == high); "
                             "fix the value instead of searching it")
        self.low, self.high = low, high

    def to_scale(self, value: float) -> float:
        return float(value)

    def from_scale(self, u: float) -> float:
        return float(u)

    def bounds(self) -> tuple:
        """(low, high) in the sampling scale."""
        a, b = self.to_scale(self.low), self.to_scale(self.high)
        return (min(a, b), max(a, b))

    def sample(self, rng: np.random.Generator):
        """r = a + (b − a)·rand in the sampling scale, mapped back to a value."""
        a, b = self.bounds()
        return self.from_scale(a + (b - a) * rng.random())

    def narrow(self, values: list, margin: float = 0.1) -> "Dimension":
        """The range around ``values`` (the best trials' values), in the sampling scale.

        The new range is [min, max] of the values in the sampling scale, widened on each side
        by ``margin`` times the old range's width and clipped to the old range, so it always
        lies inside the old one and holds every value given.
        """
        a, b = self.bounds()
        us = [self.to_scale(v) for v in values]
        pad = margin * (b - a)
        lo, hi = max(a, min(us) - pad), min(b, max(us) + pad)
        if hi - lo <= 0:  # one value at the edge: keep a sliver of width
            lo, hi = max(a, lo - pad), min(b, hi + pad)
        ends = sorted((self.from_scale(lo), self.from_scale(hi)))
        return self._like(ends[0], ends[1])

    def _like(self, low, high) -> "Dimension":
        return type(self)(low, high)

    def describe(self) -> str:
        return f"{self.kind}({self.low:g},{self.high:g})"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high}

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.low!r}, {self.high!r})"


class Uniform(Dimension):
    """A value uniform in [low, high] (e.g. keep_prob in [0.5, 1]).

    Example:
        >>> Uniform(0.5, 1.0).sample(np.random.default_rng(0))
    """


class LogUniform(Dimension):
    """α = 10^r with r uniform in [log10(low), log10(high)]: each decade gets the same share.

    Example:
        >>> LogUniform(1e-4, 1e-1)  # r in [-4, -1], α = 10**r
    """

    scale = "log"
    kind = "log"

    def __init__(self, low, high):
        where = type(self).__name__
        for name, value in (("low", low), ("high", high)):
            if _number(value, name, where) <= 0:
                raise ValueError(f"{where}({low:g}, {high:g}): a log scale needs low > 0 and "
                                 f"high > 0 (log10 of {value:g} does not exist); use "
                                 "Uniform for a range that includes 0")
        super().__init__(low, high)

    def to_scale(self, value: float) -> float:
        return math.log10(value)

    def from_scale(self, u: float) -> float:
        return float(10.0 ** u)


class OneMinusLogUniform(Dimension):
    """β with 1 − β = 10^r log-uniform: β in [0.9, 0.999] is r in [−3, −1].

    For exponentially weighted averages (momentum's β, Adam's β1 and β2): they average about
    1/(1 − β) values, so 0.999 -> 0.9995 matters far more than 0.9 -> 0.9005.

    Example:
        >>> OneMinusLogUniform(0.9, 0.999)
    """

    scale = "one_minus_log"
    kind = "one_minus_log"

    def __init__(self, low, high):
        where = type(self).__name__
        for name, value in (("low", low), ("high", high)):
            value = _number(value, name, where)
            if not 0 <= value < 1:
                raise ValueError(f"{where}({low:g}, {high:g}): β must be in [0, 1) so that "
                                 f"1 − β > 0 has a log; got {name}={value:g}")
        super().__init__(low, high)

    def to_scale(self, value: float) -> float:
        return math.log10(1.0 - value)

    def from_scale(self, u: float) -> float:
        return float(1.0 - 10.0 ** u)


class IntUniform(Dimension):
    """An integer uniform in [low, high], both included (e.g. the number of layers).

    Example:
        >>> IntUniform(1, 4)
    """

    kind = "int"

    def __init__(self, low, high):
        where = type(self).__name__
        for name, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{where}: {name} must be an int; got {value!r}")
        super().__init__(low, high)
        self.low, self.high = int(low), int(high)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    def narrow(self, values: list, margin: float = 0.1) -> "Dimension":
        pad = margin * (self.high - self.low)
        lo = max(self.low, math.floor(min(values) - pad))
        hi = min(self.high, math.ceil(max(values) + pad))
        if lo == hi:  # an IntUniform needs two values: add the neighbour inside the range
            if hi < self.high:
                hi += 1
            else:
                lo -= 1
        return IntUniform(lo, hi)

    def describe(self) -> str:
        return f"int({self.low},{self.high})"


class Choice(Dimension):
    """One of a list of values, each equally likely (e.g. hidden units 64, 128 or 256).

    Example:
        >>> Choice([64, 128, 256])
    """

    scale = "choice"
    kind = "choice"

    def __init__(self, values):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise TypeError(f"Choice: values must be a list of options; got {values!r}")
        values = list(values)
        if not values:
            raise ValueError("Choice([]): the list of values is empty; give at least one")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"Choice({values!r}): the values repeat; list each once")
        self.values = values

    def sample(self, rng: np.random.Generator):
        return self.values[int(rng.integers(len(self.values)))]

    def narrow(self, values: list, margin: float = 0.1) -> "Choice":
        """The options that the best trials used, in their original order."""
        kept = [v for v in self.values if v in values]
        return Choice(kept or self.values)

    def describe(self) -> str:
        return f"choice({','.join(map(str, self.values))})"

    def to_dict(self) -> dict:
        return {"kind": "choice", "values": list(self.values)}

    def __repr__(self) -> str:
        return f"Choice({self.values!r})"


KINDS = {"uniform": Uniform, "log": LogUniform, "int": IntUniform,
         "one_minus_log": OneMinusLogUniform, "choice": Choice}


def dimension_from_dict(data: dict) -> Dimension:
    """The inverse of ``Dimension.to_dict`` (for a study's saved settings)."""
    if data["kind"] == "choice":
        return Choice(data["values"])
    return KINDS[data["kind"]](data["low"], data["high"])


def check_space(space, where: str = "tune", known=None) -> dict:
    """A {name: Dimension} dict, checked; with ``known``, every name must be one of them.

    Raises:
        TypeError: for a space that is not a dict of dimensions.
        ValueError: for an empty space or an unknown hyperparameter name.
    """
    if not isinstance(space, dict):
        raise TypeError(f"{where}: space must be a dict {{name: dimension}}, e.g. "
                        "{'learning_rate': LogUniform(1e-4, 1e-1)}; got "
                        f"{type(space).__name__}")
    if not space:
        raise ValueError(f"{where}: the search space is empty; give at least one "
                         "hyperparameter to search")
    for name, dim in space.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{where}: hyperparameter names must be identifiers such as "
                             f"'learning_rate'; got {name!r}")
        if not isinstance(dim, Dimension):
            raise TypeError(f"{where}: space[{name!r}] must be a Uniform, LogUniform, "
                            f"IntUniform, Choice or OneMinusLogUniform; got {dim!r}")
        if known is not None and name not in known:
            raise ValueError(f"{where}: unknown hyperparameter {name!r}; the ones that can be "
                             f"searched are {', '.join(sorted(known))}")
    return dict(space)


def sample_space(space: dict, seed: int, index: int) -> dict:
    """Trial ``index``'s values: one draw per hyperparameter, from an RNG seeded by
    (seed, index) alone, in the names' sorted order (so the dict's order does not matter)."""
    rng = np.random.default_rng([int(seed), int(index)])
    return {name: space[name].sample(rng) for name in sorted(space)}


# ---------------------------------------------------------------------------- parsing text
_SEARCH = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*([a-z_]+)\s*\((.*)\)\s*$")
_SYNTAX = ("NAME=log(a,b), NAME=uniform(a,b), NAME=int(a,b), NAME=one_minus_log(a,b) or "
           "NAME=choice(v1,v2,...)")


def _literal(text: str):
    """'64' -> 64, '1e-3' -> 0.001, 'adam' -> 'adam', 'true' -> True."""
    text = text.strip().strip("'\"")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_search(text: str) -> tuple:
    """``"learning_rate=log(1e-4,1e-1)"`` -> ("learning_rate", LogUniform(1e-4, 1e-1)).

    Forms: ``log(a,b)``, ``uniform(a,b)``, ``int(a,b)``, ``one_minus_log(a,b)``,
    ``choice(v1,v2,...)``.

    Raises:
        ValueError: for text of another form, an unknown scale, or a bad range (naming it).
    """
    match = _SEARCH.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"--search {text!r}: expected {_SYNTAX}")
    name, kind, inner = match.groups()
    args = [_literal(part) for part in inner.split(",") if part.strip()]
    if kind == "choice":
        return name, Choice(args)
    if kind not in KINDS:
        raise ValueError(f"--search {text!r}: unknown scale {kind!r}; expected {_SYNTAX}")
    if len(args) != 2 or any(isinstance(a, (str, bool)) for a in args):
        raise ValueError(f"--search {text!r}: {kind}(a,b) takes two numbers; got {inner!r}")
    if kind != "int":
        args = [float(a) for a in args]
    try:
        return name, KINDS[kind](*args)
    except (TypeError, ValueError) as error:
        raise ValueError(f"--search {text!r}: {error}") from None


def parse_searches(texts) -> dict:
    """Several ``--search`` texts as one space; a name given twice is refused."""
    space = {}
    for text in texts:
        name, dim = parse_search(text)
        if name in space:
            raise ValueError(f"--search: {name!r} is given twice ({space[name].describe()} and "
                             f"{dim.describe()}); give each hyperparameter once")
        space[name] = dim
    return space
