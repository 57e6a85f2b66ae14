"""``npdeep tune``: hyperparameter search over ``npdeep train``'s settings, here or on Dask.

::

    npdeep tune --data digits --trials 20 --search "learning_rate=log(1e-4,1e-1)" \\
        --search "hidden=choice(64,128,256)" --search "keep_prob=uniform(0.5,1)"
    npdeep tune ... --workers 2                      # a local Dask cluster of 2 processes
    npdeep tune ... --scheduler tcp://host:8786      # a cluster started elsewhere
    npdeep tune --resume --study DIR                 # continue; finished trials are kept
    npdeep tune --report --study DIR                 # the table and the plots
"""
from __future__ import annotations

import argparse
import shlex
import sys

from npdeep.cli.parser import _count, _hidden

DEFAULT_STUDY = "studies/{data}-{model}"


def add_parsers(sub, formatter_class) -> None:
    """Adds ``npdeep tune`` to the ``npdeep`` parser."""
    from npdeep.cli.recipes import DATASET_DEFAULTS, MODELS

    tune = sub.add_parser(
        "tune", help="hyperparameter search: random or coarse to fine, here or on Dask",
        formatter_class=formatter_class,
        description="Search the training settings of `npdeep train` (course 2, week 3): random "
        "values on the right scale, optionally coarse to fine. Each trial is a run folder "
        "under STUDY/trials; STUDY/trials.csv and trials.json record every finished trial. "
        "With --workers or --scheduler the trials run on Dask (pip install npdeep[cluster]).")
    tune.add_argument("--search", action="append", default=[], metavar="SPEC",
                      help="a hyperparameter and its range, repeatable: NAME=log(a,b), "
                      "NAME=uniform(a,b), NAME=int(a,b), NAME=one_minus_log(a,b), "
                      "NAME=choice(v1,v2,...); e.g. learning_rate=log(1e-4,1e-1)")
    tune.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                      dest="fixed", help="a fixed training setting, repeatable, e.g. "
                      "optimizer=momentum (default: the data set's)")
    tune.add_argument("--data", choices=sorted(DATASET_DEFAULTS), default="digits",
                      help="the data set")
    tune.add_argument("--model", choices=sorted(MODELS), default="mlp", help="the architecture")
    tune.add_argument("--epochs", type=_count, help="epochs per trial (default: the data set's)")
    tune.add_argument("--trials", type=_count, default=20, help="trials in all")
    tune.add_argument("--method", choices=("random", "coarse-to-fine"), default="random",
                      help="random search, or rounds of it, each zoomed into the best region")
    tune.add_argument("--rounds", type=_count, default=3,
                      help="with coarse-to-fine: rounds (the trials are split among them)")
    tune.add_argument("--keep", type=float, default=0.25,
                      help="with coarse-to-fine: the fraction of a round's best trials that "
                      "sets the next round's ranges")
    tune.add_argument("--stopping", choices=("none", "median"), default="none",
                      help="median: stop a trial whose best dev score is below the median of "
                      "the finished trials' at the same epoch")
    tune.add_argument("--grace-epochs", type=_count, default=3, dest="grace_epochs",
                      help="with --stopping median: epochs every trial trains first")
    tune.add_argument("--executor", choices=("local", "dask"),
                      help="local: one trial after another here; dask: on a Dask cluster "
                      "(default: dask with --workers or --scheduler, else local)")
    tune.add_argument("--workers", type=_count,
                      help="a local Dask cluster of this many single-threaded worker "
                      "processes (default with --executor dask: one per core)")
    tune.add_argument("--scheduler", metavar="ADDRESS",
                      help="a running Dask scheduler, e.g. tcp://host:8786; the study "
                      "folder must be on a filesystem every worker sees")
    tune.add_argument("--timeout", type=float, default=10.0,
                      help="seconds to wait for the scheduler")
    tune.add_argument("--seed", type=int, default=0,
                      help="the study's seed: trial i's values derive from (seed, i); also "
                      "the data split's and the initial weights' seed")
    tune.add_argument("--study", help="the study folder (default: studies/DATA-MODEL)")
    mode = tune.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="continue the study in --study with its saved settings; finished "
                      "trials are not rerun")
    mode.add_argument("--overwrite", action="store_true",
                      help="replace the study already in --study")
    mode.add_argument("--report", action="store_true",
                      help="only write the report of --study: report.txt and PNG plots")
    tune.add_argument("--top", type=_count, default=10, help="rows of the table printed")
    tune.add_argument("--data-root", dest="data_root",
                      help="folder with the data set's files (MNIST)")
    tune.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                      help="0 silent, 1 a line per finished trial, 2 also each epoch "
                      "(local executor)")
    tune.set_defaults(handler=cmd_tune)


def _fixed_settings(texts) -> dict:
    from npdeep.tune.space import _literal

    fixed = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set {text!r}: expected NAME=VALUE, e.g. optimizer=momentum")
        value = _literal(value)
        if name.strip() == "hidden":  # as train's --hidden: sizes >= 1, comma-separated
            try:
                value = _hidden(str(value))
            except argparse.ArgumentTypeError as error:
                raise ValueError(f"--set {text!r}: {error}") from None
        fixed[name.strip()] = value
    return fixed


def split_trials(trials: int, rounds: int) -> list:
    """``trials`` over ``rounds`` as evenly as possible, the earlier rounds one larger:
    20 over 3 -> [7, 7, 6]."""
    if trials < rounds:
        raise ValueError(f"--trials {trials} is fewer than --rounds {rounds}: each round needs "
                         "at least one trial")
    return [trials // rounds + (1 if r < trials % rounds else 0) for r in range(rounds)]


def _search_arguments(args) -> tuple:
    """(search function, its keyword arguments) from the command line or a resumed study."""
    from npdeep.tune import (MedianStopping, TrainingObjective, coarse_to_fine, parse_searches,
                             random_search)
    from npdeep.tune.space import dimension_from_dict
    from npdeep.tune.stopping import stopping_from_dict
    from npdeep.tune.study import Study

    if args.resume:
        study = Study.open(args.study)
        settings = study.settings
        if "objective" not in settings:
            raise ValueError(f"'{args.study}' holds a study of a Python objective; resume it "
                             "from Python (random_search(..., resume=True))")
        objective = TrainingObjective.from_dict(settings["objective"])
        kwargs = dict(space={k: dimension_from_dict(v) for k, v in settings["space"].items()},
                      seed=settings["seed"], mode=settings["mode"], monitor=settings["monitor"],
                      stopping=stopping_from_dict(settings.get("stopping")), resume=True)
        if settings["method"] == "coarse-to-fine":
            kwargs.update(rounds=settings["rounds"], keep=settings["keep"],
                          trials_per_round=settings["trials_per_round"],
                          margin=settings["margin"])
            return coarse_to_fine, objective, kwargs
        return random_search, objective, dict(kwargs, n_trials=settings["n_trials"])
    if not args.search:
        raise ValueError("give at least one --search NAME=SCALE(...), e.g. --search "
                         "'learning_rate=log(1e-4,1e-1)'")
    space = parse_searches(args.search)
    objective = TrainingObjective(args.data, args.model, epochs=args.epochs, seed=args.seed,
                                  data_root=args.data_root, **_fixed_settings(args.fixed))
    stopping = MedianStopping(grace_epochs=args.grace_epochs) if args.stopping == "median" \
        else None
    kwargs = dict(space=space, seed=args.seed, stopping=stopping, overwrite=args.overwrite)
    if args.method == "coarse-to-fine":
        return coarse_to_fine, objective, dict(
            kwargs, rounds=args.rounds, keep=args.keep,
            trials_per_round=split_trials(args.trials, args.rounds))
    return random_search, objective, dict(kwargs, n_trials=args.trials)


def cmd_tune(args) -> int:
    from npdeep.tune.executors import SchedulerUnreachableError
    from npdeep.tune.report import write_report

    if args.study is None:
        if args.resume or args.report:
            raise ValueError(f"--{'resume' if args.resume else 'report'} needs --study DIR, "
                             "the study folder")
        args.study = DEFAULT_STUDY.format(data=args.data, model=args.model)
    if args.report:
        paths = write_report(args.study, top=args.top)
        print(paths["table"])
        shown = ", ".join(paths[k] for k in ("report", "scores", "rounds", "curves") if k in paths)
        print(f"\nwritten: {shown}")
        return 0
    executor = args.executor or ("dask" if args.workers or args.scheduler else "local")
    search, objective, kwargs = _search_arguments(args)
    print(f"Study '{args.study}': {search.__name__} over {', '.join(sorted(kwargs['space']))} "
          f"({objective!r}), executor {executor}", flush=True)
    try:
        study = search(objective, study=args.study, executor=executor, workers=args.workers,
                       scheduler=args.scheduler, timeout=args.timeout, verbose=args.verbose,
                       **kwargs)
    except (SchedulerUnreachableError, ImportError) as error:
        print(f"npdeep tune: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"Interrupted. Continue the study with: npdeep tune --resume --study "
              f"{shlex.quote(args.study)}", file=sys.stderr)
        return 130
    print()
    print(study.table(top=args.top))
    try:
        write_report(study, top=args.top)
        print(f"\nreport: {args.study}/report.txt, scores.png, curves.png")
    except ImportError:
        print("matplotlib is not installed: the plots were not drawn", file=sys.stderr)
    return 0
