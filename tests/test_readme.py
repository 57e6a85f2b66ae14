"""The README's course map points only at things that exist.

Every `npdeep.…` name in the map must import or resolve, every `tests/….py::test_name` it
cites must be a test function in that file (read with ast, nothing is imported or run), and
every `examples/….py` must exist. A row either says the idea is planned / not implemented or
names both the npdeep code and a test that checks it. Each course's table lists its weeks.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Weeks of each course of the Deep Learning Specialization.
COURSE_WEEKS = {1: {1, 2, 3, 4}, 2: {1, 2, 3}, 3: {1, 2}, 4: {1, 2, 3, 4}, 5: {1, 2, 3, 4}}

NAME = re.compile(r"npdeep(\.[A-Za-z_]\w*)+")
TEST = re.compile(r"(tests/[\w/]+\.py)::(\w+(?:::\w+)?)")
EXAMPLE = re.compile(r"examples/\w+\.py")
NOT_THERE = ("planned (issue", "not implemented")


def course_map(text: str) -> str:
    """The text of the README's "## Course map" section."""
    match = re.search(r"^## Course map\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "README.md has no '## Course map' section"
    return match.group(1)


def rows(section: str) -> list:
    """(course, cells) for every table row under a '### Course N' heading."""
    out, course = [], None
    for line in section.splitlines():
        heading = re.match(r"### Course (\d)", line)
        if heading:
            course = int(heading.group(1))
        elif line.startswith("|") and not re.match(r"\|[\s:|-]+\|?\s*$", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] != "week":  # the header row
                out.append((course, cells))
    return out


def resolve(name: str):
    """The object a dotted name means: the longest importable module, then attributes."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[i:]:
            obj = getattr(obj, attribute)  # AttributeError: the name does not exist
        return obj
    raise ModuleNotFoundError(name)


def defined_tests(path: str) -> set:
    """test_… functions of a test file (and Class::test_… methods), read with ast."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{item.name}" for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return {n for n in names if n.split("::")[-1].startswith("test")}


def problems(section: str) -> list:
    """Everything wrong with a course map, as readable lines (empty when all is well)."""
    found, weeks = [], {}
    table = rows(section)
    if not table:
        return ["the course map has no table rows under '### Course N' headings"]
    for course, cells in table:
        where = f"course {course}, row {cells[:2]}"
        if len(cells) != 5:
            found.append(f"{where}: {len(cells)} cells, expected 5 "
                         "(week | idea | npdeep | example | test)")
            continue
        week, idea, code, example, tests = cells
        if not week.isdigit():
            found.append(f"{where}: week {week!r} is not a number")
        else:
            weeks.setdefault(course, set()).add(int(week))
        spans = re.findall(r"`([^`]+)`", " ".join(cells))
        names = [s for s in spans if s.startswith("npdeep.")]
        for name in names:
            if not NAME.fullmatch(name):
                found.append(f"{where}: `{name}` is not a dotted name")
                continue
            try:
                resolve(name)
            except (ImportError, AttributeError) as error:
                found.append(f"{where}: `{name}` does not resolve ({error})")
        cited = [s for s in spans if s.startswith("tests/")]
        for span in cited:
            match = TEST.fullmatch(span)
            if not match:
                found.append(f"{where}: `{span}` is not tests/path.py::test_name")
            elif not (ROOT / match.group(1)).is_file():
                found.append(f"{where}: {match.group(1)} does not exist")
            elif match.group(2) not in defined_tests(match.group(1)):
                found.append(f"{where}: {match.group(1)} has no test {match.group(2)}")
        for span in (s for s in spans if s.startswith("examples/")):
            if not EXAMPLE.fullmatch(span) or not (ROOT / span).is_file():
                found.append(f"{where}: {span} does not exist")
        if any(marker in code for marker in NOT_THERE):
            continue
        if not names:
            found.append(f"{where}: names no npdeep code and does not say it is planned")
        if not cited:
            found.append(f"{where}: cites no test and does not say it is planned")
    for course, expected in COURSE_WEEKS.items():
        missing = expected - weeks.get(course, set())
        if missing:
            found.append(f"course {course}: no row for week(s) {sorted(missing)}")
    return found


def test_course_map_names_tests_and_examples_exist():
    section = course_map(README.read_text(encoding="utf-8"))
    assert problems(section) == []


def test_the_checker_finds_what_does_not_exist():
    # A map that cannot rot needs a checker that sees rot: each kind of bad entry is caught.
    good = ("| 1 | vectorization | `npdeep.functional.linear` | — | "
            "`tests/functional/test_linalg.py::test_matmul_matches_slow_loop` |")
    section = "\n".join(
        ["### Course 1: x", "| week | idea | npdeep | example | test |", "|---|---|---|---|---|",
         good,
         "| 2 | a | `npdeep.nn.NoSuchLayer` | — | `tests/test_tensor.py::test_properties` |",
         "| 3 | b | `npdeep.nn.Linear` | `examples/nothing.py` | "
         "`tests/functional/test_linalg.py::test_no_such_test` |",
         "| 4 | c | `npdeep.nn.Linear` | — | — |",
         "| 4 | d | planned (issue 9) | — | — |"])
    found = problems(section)
    assert any("npdeep.nn.NoSuchLayer` does not resolve" in p for p in found)
    assert any("has no test test_no_such_test" in p for p in found)
    assert any("examples/nothing.py does not exist" in p for p in found)
    assert any("cites no test" in p for p in found)
    assert any("course 2: no row for week(s) [1, 2, 3]" in p for p in found)
    assert not any("row ['1'" in p or "row ['4', 'd'" in p for p in found)


@pytest.mark.parametrize("name", ["npdeep.gradcheck", "npdeep.nn.Module.freeze",
                                  "npdeep.data.transforms.RandomCrop"])
def test_resolve_follows_modules_then_attributes(name):
    assert resolve(name) is not None
