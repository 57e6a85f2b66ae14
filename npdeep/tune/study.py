"""A study folder: the search's settings and every finished trial, written as each finishes.

::

    STUDY/
      study.json      the settings: method, seed, space (and each coarse-to-fine round's),
                      the objective's training configuration when it has one, the stopping rule
      trials.json     one record per finished trial (sampled values, status, dev score per
                      epoch, final score, run folder, error, attempts)
      trials.csv      the same, one row per trial, for a spreadsheet
      trials/trial-0007/   each trial's run folder (fit's checkpoint, history, scores)

trials.json and trials.csv are rewritten atomically (temporary file, then rename) after every
trial, so an interrupted driver loses no finished trial, and ``resume`` skips them.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil

from npdeep.train.checkpoint import write_text_atomic

STUDY_FILE, TRIALS_JSON, TRIALS_CSV = "study.json", "trials.json", "trials.csv"
TRIALS_DIR = "trials"
FINISHED = ("ok", "stopped", "failed")


class Study:
    """A study's settings and records, backed by its folder.

    Attributes:
        folder: the study folder.
        settings: what study.json holds (method, seed, space, mode, ...).
        records: {index: record} of the finished trials.
    """

    def __init__(self, folder: str, settings: dict, records: dict | None = None):
        self.folder, self.settings = os.fspath(folder), settings
        self.records = dict(records or {})

    # ------------------------------------------------------------------ files
    @classmethod
    def create(cls, folder, settings: dict, overwrite: bool = False) -> "Study":
        """A new study in ``folder``; one already there is refused unless overwrite."""
        folder = os.fspath(folder)
        if os.path.exists(os.path.join(folder, STUDY_FILE)) and not overwrite:
            raise ValueError(f"'{folder}' already holds a study ({STUDY_FILE}); continue it "
                             "with resume=True (npdeep tune --resume --study DIR), replace it "
                             "with overwrite=True, or choose another folder")
        os.makedirs(folder, exist_ok=True)
        for name in (TRIALS_JSON, TRIALS_CSV):
            if os.path.exists(os.path.join(folder, name)):
                os.remove(os.path.join(folder, name))
        # The old study's run folders go too: a new trial must not resume an old checkpoint.
        shutil.rmtree(os.path.join(folder, TRIALS_DIR), ignore_errors=True)
        study = cls(folder, settings)
        study.save_settings()
        return study

    @classmethod
    def open(cls, folder) -> "Study":
        """The study in ``folder`` with its finished trials.

        Raises:
            FileNotFoundError: for a folder without study.json.
            ValueError: for a study.json or trials.json that is not valid JSON.
        """
        folder = os.fspath(folder)
        path = os.path.join(folder, STUDY_FILE)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no {STUDY_FILE} in '{folder}'; pass a study folder "
                                    "written by npdeep.tune (npdeep tune --study DIR)")
        settings = _read_json(path)
        records = {}
        trials_path = os.path.join(folder, TRIALS_JSON)
        if os.path.exists(trials_path):
            records = {int(r["index"]): r for r in _read_json(trials_path)}
        return cls(folder, settings, records)

    def save_settings(self) -> None:
        write_text_atomic(os.path.join(self.folder, STUDY_FILE),
                          json.dumps(self.settings, indent=1))

    def record(self, record: dict) -> None:
        """Add a finished trial and rewrite trials.json and trials.csv (atomically)."""
        self.records[int(record["index"])] = record
        trials = self.trials()
        write_text_atomic(os.path.join(self.folder, TRIALS_JSON), json.dumps(trials, indent=1))
        write_text_atomic(os.path.join(self.folder, TRIALS_CSV), _csv_text(trials))

    def run_dir(self, index: int) -> str:
        return os.path.join(self.folder, TRIALS_DIR, f"trial-{index:04d}")

    # ------------------------------------------------------------------ queries
    @property
    def mode(self) -> str:
        return self.settings.get("mode", "max")

    def trials(self) -> list:
        """The finished trials' records, by index."""
        return [self.records[i] for i in sorted(self.records)]

    def finished(self) -> set:
        return {i for i, r in self.records.items() if r.get("status") in FINISHED}

    def ranked(self) -> list:
        """Scored trials best first (ties: the lower index first), then the failed ones."""
        sign = -1.0 if self.mode == "max" else 1.0
        scored = [r for r in self.trials() if _finite(r.get("score"))]
        failed = [r for r in self.trials() if not _finite(r.get("score"))]
        return sorted(scored, key=lambda r: (sign * r["score"], r["index"])) + failed

    def best(self) -> dict | None:
        """The best trial's record (None when no trial has a score)."""
        ranked = self.ranked()
        return ranked[0] if ranked and _finite(ranked[0].get("score")) else None

    def table(self, top: int | None = None) -> str:
        """The trials best first as a text table: rank, trial, round, status, score, values.

        The run folders and times are left out, so two studies with the same seed give the
        same table wherever and however often they ran.
        """
        ranked = self.ranked()[:top] if top else self.ranked()
        names = sorted(self.settings.get("space", {})) or sorted(
            {k for r in ranked for k in r["params"]})
        header = ["rank", "trial", "round", "status", "score", "epochs", *names]
        rows = [header]
        for rank, r in enumerate(ranked, 1):
            score = f"{r['score']:.4f}" if _finite(r.get("score")) else "-"
            rows.append([str(rank), str(r["index"]), str(r.get("round", 0)), r["status"], score,
                         str(r.get("epochs", "")), *(_shown(r["params"].get(n)) for n in names)])
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
        errors = [f"trial {r['index']}: {r['error']}" for r in ranked if r.get("error")]
        return "\n".join(lines + (["", "errors:"] + errors if errors else []))


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(f"'{path}' is not valid JSON ({error.msg} at line {error.lineno}); "
                         "it should be written by npdeep.tune") from None


def _csv_text(trials: list) -> str:
    names = sorted({k for r in trials for k in r["params"]})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", "round", "status", "score", *names, "epochs", "dev_scores",
                     "attempts", "seconds", "run_dir", "error"])
    for r in trials:
        scores = ";".join("" if s is None else repr(s) for s in r.get("scores", []))
        writer.writerow([r["index"], r.get("round", 0), r["status"],
                         "" if r.get("score") is None else repr(r["score"]),
                         *(r["params"].get(n, "") for n in names), r.get("epochs", ""),
                         scores, len(r.get("attempts", [])), f"{r.get('seconds', 0):.2f}",
                         r.get("run_dir", ""), r.get("error") or ""])
    return out.getvalue()
