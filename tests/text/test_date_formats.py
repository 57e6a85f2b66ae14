"""The date generator: every format parses back to its ISO target with an independent parser."""
import datetime
import re

import numpy as np
import pytest

from npdeep.text import date_formats
from npdeep.text.date_formats import FORMATS, format_date, generate

MONTHS = {name: k for k, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def parse(human: str) -> datetime.date:
    """A reference reader of the documented convention, sharing no code with the generator:
    a leading 4-digit number is ISO (year, month, day); otherwise a month name makes the
    numbers (day, year), and without one they are (day, month, year); two-digit years are
    50–99 → 19xx, 00–49 → 20xx; a weekday name must be the date's weekday."""
    words = [w for w in re.split(r"[ ,./-]+", human.lower()) if w]
    numbers = [w for w in words if w.isdigit()]
    names = [w for w in words if not w.isdigit()]
    month, weekday = None, None
    for name in names:
        months = [k for full, k in MONTHS.items() if full == name or full[:3] == name]
        days = [k for k, full in enumerate(WEEKDAYS) if full == name or full[:3] == name]
        assert len(months) + len(days) == 1, (human, name)
        if months:
            month = months[0]
        else:
            weekday = days[0]
    if len(numbers[0]) == 4:
        year, month, day = (int(n) for n in numbers)
    elif month is not None:
        day, year = (int(n) for n in numbers)
    else:
        day, month, year = (int(n) for n in numbers)
    if year < 100:
        year += 1900 if year >= 50 else 2000
    date = datetime.date(year, month, day)
    assert weekday is None or date.weekday() == weekday, human
    return date


def test_every_format_parses_back_on_many_dates():
    rng = np.random.default_rng(0)
    dates = date_formats.random_dates(300, rng) + [date_formats.FIRST_DAY,
                                                   date_formats.LAST_DAY,
                                                   datetime.date(2000, 2, 29),
                                                   datetime.date(1999, 12, 31)]
    for pattern in FORMATS:
        for date in dates:
            human = format_date(date, pattern)
            assert parse(human) == date, (pattern, human)
            assert parse(human.lower()) == date and parse(human.upper()) == date


def test_generated_pairs_parse_back_and_fit_T_x():
    pairs = generate(3000, seed=5)
    for human, iso in pairs:
        assert parse(human).isoformat() == iso, human
        assert len(human) <= 30 and len(iso) == 10
    years = [int(iso[:4]) for _, iso in pairs]
    assert min(years) >= 1950 and max(years) <= 2049
    # Every format and case shows up (lower- and upper-case variants included).
    assert any(h.islower() for h, _ in pairs) and any(h.isupper() for h, _ in pairs)
    assert any(h[0].isupper() and not h.isupper() for h, _ in pairs)


def test_the_issue_examples():
    cases = {("d MMM yyyy", (1979, 5, 3)): "3 May 1979",
             ("d MMM yy", (2009, 4, 5)): "5 Apr 09",
             ("EEEE, MMMM d yyyy", (1983, 3, 8)): "Tuesday, March 8 1983",
             ("MMMM d, yyyy", (1983, 3, 7)): "March 7, 1983",
             ("dd.MM.yy", (1983, 3, 7)): "07.03.83",
             ("d/M/yy", (1983, 3, 7)): "7/3/83",
             ("dd MMMM yyyy", (1983, 3, 7)): "07 March 1983",
             ("yyyy-MM-dd", (1983, 3, 7)): "1983-03-07",
             ("EEEE d MMMM yyyy", (2018, 5, 9)): "Wednesday 9 May 2018",
             ("d MMM yy", (1950, 1, 1)): "1 Jan 50",
             ("d MMM yy", (2049, 12, 31)): "31 Dec 49"}
    for (pattern, ymd), text in cases.items():
        assert format_date(datetime.date(*ymd), pattern) == text


def test_longest_is_the_bound():
    longest = max(len(format_date(date, pattern)) for pattern in FORMATS
                  for date in [datetime.date(2000, 9, 27), datetime.date(1950, 9, 20)])
    assert longest == date_formats.LONGEST <= 30


def test_seeded_and_repeatable():
    assert generate(50, seed=3) == generate(50, seed=3)
    assert generate(50, seed=3) != generate(50, seed=4)
    assert generate(0, seed=1) == []


def test_alphabet_covers_every_character():
    chars = set(date_formats.alphabet())
    for human, _ in generate(2000, seed=9):
        assert set(human) <= chars


def test_bad_arguments():
    with pytest.raises(ValueError, match="The 'n' parameter of generate must be an int >= 0"):
        generate(-1)
    with pytest.raises(ValueError, match="The 'seed' parameter of generate"):
        generate(3, seed=-2)
