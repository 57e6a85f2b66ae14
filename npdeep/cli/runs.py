"""Run folders: the settings in config.json, resuming with them, never overwriting by mistake.

A run's settings are written once to config.json. ``--resume`` rebuilds the run from them, so
that nothing has to be repeated and nothing changes silently: a given option that differs from
the saved value is refused unless ``--allow-change`` is passed (then it is recorded). A fresh
run into a folder that already holds one is refused unless ``--overwrite`` is passed.
"""
from __future__ import annotations

import json
import os
import sys

from npdeep.cli.recipes import BETAS, BUILT_IN, DATASET_DEFAULTS, MODELS, optimizer_betas

# What ``train`` writes into a run folder; with --overwrite exactly these are replaced.
RUN_FILES = ("config.json", "model.safetensors", "preprocess.safetensors",
             "checkpoint.safetensors", "history.json", "curves.png", "results.json")
# The settings that define a run (config.json holds them with the derived input_shape,
# n_classes and class_names). A resumed run keeps them unless --allow-change is given; only
# --epochs (train further) and --data-root (the files moved) may differ freely.
SETTINGS = ("data", "model", "seed", "batch_norm", *DATASET_DEFAULTS["digits"])
FREE_ON_RESUME = ("epochs", "data_root")


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def read_config(path: str) -> dict:
    """A run's config.json, or a ValueError that names the file and what is wrong with it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ValueError(f"no config.json in '{os.path.dirname(path) or '.'}'; pass a run "
                         "folder written by npdeep train --out") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"'{path}' is not valid JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno}); it should be the config.json that npdeep "
                         "train wrote: repair it, or train the run again") from None
    if not isinstance(config, dict):
        raise ValueError(f"'{path}' holds a JSON {type(config).__name__}, not the settings "
                         "object that npdeep train writes; repair it or train the run again")
    missing = [k for k in (*SETTINGS, "input_shape") if k not in config]
    if missing:
        raise ValueError(f"'{path}' lacks the settings {', '.join(missing)}; it was not "
                         "written by npdeep train (or was edited): train the run again")
    if config["data"] not in DATASET_DEFAULTS or config["model"] not in MODELS:
        raise ValueError(f"'{path}' names data {config['data']!r} and model "
                         f"{config['model']!r}; known: data {sorted(DATASET_DEFAULTS)}, models "
                         f"{sorted(MODELS)}")
    return config


def _given(args) -> dict:
    """The settings typed on the command line (None means not given)."""
    keys = (*SETTINGS, *BETAS, "data_root")
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def _new_config(given: dict) -> dict:
    """The command-line settings over the data set's defaults over the built-in ones."""
    data = given.get("data", BUILT_IN["data"])
    config = {**BUILT_IN, **DATASET_DEFAULTS[data], "data_root": None}
    config.update(given)
    return config


def _resumed_config(saved: dict, given: dict, allow_change: bool, config_path: str) -> dict:
    """The saved settings; a given one that differs is refused unless allow_change."""
    changes = {k: (saved.get(k), v) for k, v in given.items()
               if k not in FREE_ON_RESUME and saved.get(k) != v}
    if changes and not allow_change:
        listed = "; ".join(f"{_flag(k)} {new!r} (the run has {old!r})"
                           for k, (old, new) in changes.items())
        raise ValueError(f"--resume continues the run with the settings in '{config_path}', "
                         f"but other values were given: {listed}. Drop those options, pass "
                         "--allow-change to change them for the rest of the run, or start a "
                         "new run (another --out, or --overwrite)")
    config = dict(saved)
    config.update(given)
    if changes:
        for k, (old, new) in changes.items():
            print(f"Changing {k} on resume: {old!r} -> {new!r}", flush=True)
        # Kept in config.json, so the record shows the run did not use one setting throughout.
        config.setdefault("changed_on_resume", []).append(
            {k: [old, new] for k, (old, new) in changes.items()})
    return config


def _existing_run_files(out: str, run_files=RUN_FILES) -> list:
    return [name for name in run_files if os.path.exists(os.path.join(out, name))]


def _trained(out: str) -> bool:
    """Whether the folder holds weights; config.json alone is a run that never started."""
    return any(os.path.exists(os.path.join(out, name))
               for name in ("checkpoint.safetensors", "model.safetensors"))


def train_config(args, out: str) -> dict:
    """The run's settings: from config.json on --resume, else from the command line. A β
    the optimizer has none of is refused here, before anything is written."""
    given = _given(args)
    config_path = os.path.join(out, "config.json")
    if args.resume and os.path.exists(config_path):
        config = _resumed_config(read_config(config_path), given, args.allow_change,
                                 config_path)
    elif args.resume:
        if _trained(out):
            raise ValueError(f"cannot resume '{out}': it has no config.json to rebuild the "
                             "run from; start afresh with --overwrite")
        config = _new_config(given)  # fit says it starts a new run (verbose >= 1)
    else:
        config = _new_config(given)
    optimizer_betas(config)  # (before an old run's files are cleared away)
    if not args.resume:
        clear_for_new_run(args, out)
    return config


def clear_for_new_run(args, out: str, run_files=RUN_FILES) -> None:
    """A run without --resume into ``out``: refuse --allow-change, and a folder that holds
    a trained run unless --overwrite; then remove the old run's ``run_files``."""
    if args.allow_change:
        raise ValueError("--allow-change only applies with --resume")
    existing = _existing_run_files(out, run_files)
    if _trained(out) and not args.overwrite:
        raise ValueError(f"'{out}' already holds a run ({', '.join(existing)}); continue it "
                         "with --resume, replace it with --overwrite, or pass another --out")
    for name in existing:  # no stale file of the old run may outlive it
        os.remove(os.path.join(out, name))


def draw_curves(history, out: str, title: str) -> None:
    """The run's learning curves to out/curves.png; a note instead without matplotlib."""
    try:
        history.plot(os.path.join(out, "curves.png"), title=title)
    except ImportError:
        print("matplotlib is not installed: curves.png not drawn", file=sys.stderr)


def task_config(args, out: str, keys, defaults: dict, read_saved, run_files) -> dict:
    """A task's run settings: on --resume the saved config.json's (``read_saved(out)``, which
    checks it is this task's run) with the command line's ``keys`` checked against it; else
    the command line's over ``defaults``, after refusing an existing run without --overwrite
    and removing the old run's ``run_files``."""
    given = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    config_path = os.path.join(out, "config.json")
    if args.resume:
        if os.path.exists(config_path):
            return _resumed_config(read_saved(out), given, args.allow_change, config_path)
        if args.allow_change:
            raise ValueError("--allow-change only applies with --resume")
    else:
        clear_for_new_run(args, out, run_files)
    config = dict(defaults)
    config.update(given)
    return config
