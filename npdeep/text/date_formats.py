"""Human-readable dates for the course's date translation task, made with Python's datetime.

Each date between 1950-01-01 and 2049-12-31 is written in one of :data:`FORMATS` (the range
of the course's Faker/Babel formats: ``3 May 1979``, ``5 Apr 09``, ``Tuesday, March 7 1983``,
``March 7, 1983``, ``07.03.83``, ``7/3/83``, ``07 March 1983``, ``1983-03-07``, ...) and
then, at random, kept as written, lower-cased or upper-cased. The target is the ISO
``YYYY-MM-DD``.

Every input is unambiguous:

- numeric formats put the day first (day, month, year), as the course's ``dd.MM.YY`` does;
  only the ISO format starts with the (four-digit) year;
- two-digit years stand for 1950–2049: 50–99 → 19xx, 00–49 → 20xx;
- weekday names are the real weekday of the date.

Format codes (a subset of the Unicode/Babel date patterns): ``d`` day, ``dd`` two-digit day,
``M`` month number, ``MM`` two-digit month, ``MMM`` Jan, ``MMMM`` January, ``EEE`` Tue,
``EEEE`` Tuesday, ``yy`` two-digit year, ``yyyy`` year.
"""
from __future__ import annotations

import datetime
import re

import numpy as np

from npdeep.validation import check_int

FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

FORMATS = (
    "d MMM yyyy",            # 3 May 1979
    "d MMM yy",              # 5 Apr 09
    "dd MMM yyyy",           # 03 May 1979
    "d MMM, yyyy",           # 3 May, 1979
    "dd, MMM yyyy",          # 03, May 1979
    "d MMMM yyyy",           # 3 May 1979 (full month name)
    "dd MMMM yyyy",          # 07 March 1983
    "d MMMM, yyyy",          # 7 March, 1983
    "d MMMM yy",             # 7 March 83
    "MMMM d yyyy",           # March 7 1983
    "MMMM d, yyyy",          # March 7, 1983
    "MMM d, yyyy",           # Mar 7, 1983
    "MMM d yy",              # Mar 7 83
    "EEEE, MMMM d yyyy",     # Tuesday, March 7 1983
    "EEEE, MMMM d, yyyy",    # Tuesday, March 7, 1983
    "EEEE d MMMM yyyy",      # Saturday 9 May 2018
    "EEE d MMM yyyy",        # Sat 9 May 2018
    "EEE, d MMM yy",         # Sat, 9 May 18
    "dd.MM.yy",              # 07.03.83
    "dd.MM.yyyy",            # 07.03.1983
    "d/M/yy",                # 7/3/83
    "dd/MM/yyyy",            # 07/03/1983
    "d MM yy",               # 7 03 83
    "yyyy-MM-dd",            # 1983-03-07
)
CASES = ("as written", "lower", "upper")
CASE_PROBABILITIES = (0.6, 0.3, 0.1)
LONGEST = 29  # "Wednesday, September 27, 2000": every human date fits T_x = 30

_FIELD = re.compile(r"d{1,2}|M{1,4}|E{3,4}|y{4}|y{2}")


def two_digit_year(year: int) -> str:
    """The two-digit form of a year in 1950–2049 (its last two digits)."""
    return f"{year % 100:02d}"


def format_date(date: datetime.date, pattern: str) -> str:
    """``date`` written in ``pattern`` (the codes of the module docstring).

    Example:
        >>> format_date(datetime.date(1983, 3, 7), "EEEE, MMMM d yyyy")
        'Monday, March 7 1983'
    """
    def field(match) -> str:
        code = match.group(0)
        return {"d": str(date.day), "dd": f"{date.day:02d}",
                "M": str(date.month), "MM": f"{date.month:02d}",
                "MMM": MONTHS[date.month - 1][:3], "MMMM": MONTHS[date.month - 1],
                "EEE": WEEKDAYS[date.weekday()][:3], "EEEE": WEEKDAYS[date.weekday()],
                "yy": two_digit_year(date.year), "yyyy": str(date.year)}[code]

    return _FIELD.sub(field, pattern)


def random_dates(n: int, rng: np.random.Generator) -> list:
    """n dates drawn uniformly from FIRST_DAY..LAST_DAY."""
    span = (LAST_DAY - FIRST_DAY).days + 1
    return [FIRST_DAY + datetime.timedelta(days=int(k)) for k in rng.integers(0, span, n)]


def generate(n: int, seed: int = 0) -> list:
    """n (human, ISO) pairs: random dates in random formats and cases, repeatable by seed.

    Args:
        n: how many pairs.
        seed: the same seed gives the same pairs (a generator of its own: npdeep's RNG is
            not touched).

    Returns:
        [(human, iso)], e.g. ("tuesday, march 7 1983", "1983-03-07").

    Example:
        >>> npdeep.text.dates.generate(2, seed=0)
    """
    n = check_int(n, "n", "generate", 0)
    seed = check_int(seed, "seed", "generate", 0)
    rng = np.random.default_rng(seed)
    dates = random_dates(n, rng)
    patterns = rng.integers(0, len(FORMATS), n)
    cases = rng.choice(len(CASES), size=n, p=CASE_PROBABILITIES)
    pairs = []
    for date, k, case in zip(dates, patterns, cases):
        human = format_date(date, FORMATS[k])
        if CASES[case] == "lower":
            human = human.lower()
        elif CASES[case] == "upper":
            human = human.upper()
        pairs.append((human, date.isoformat()))
    return pairs


def alphabet() -> list:
    """Every character a generated date can hold, sorted (the input vocabulary's tokens)."""
    chars = set("0123456789 ,./-")
    for name in MONTHS + WEEKDAYS:
        chars.update(name)
        chars.update(name.lower())
        chars.update(name.upper())
    return sorted(chars)
