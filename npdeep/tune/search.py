"""Random search, coarse to fine, and (for the example only) grid search.

Each search writes a study folder (:mod:`npdeep.tune.study`) and returns the
:class:`~npdeep.tune.study.Study`. Trial ``i`` samples its values from (seed, i) alone, so
``resume=True`` after an interruption, or another executor, runs exactly the same trials;
finished trials are never rerun, and an unfinished one continues from its checkpoint.
"""
from __future__ import annotations

import itertools
import math
import sys
import tempfile

from npdeep.tune.executors import make_executor
from npdeep.tune.space import check_space, dimension_from_dict, sample_space
from npdeep.tune.stopping import MedianStopping
from npdeep.tune.study import Study
from npdeep.validation import check_choice, check_int


def random_search(objective, space: dict, n_trials: int, seed: int = 0, study=None,
                  resume: bool = False, overwrite: bool = False, executor="local",
                  workers: int | None = None, scheduler: str | None = None,
                  stopping: MedianStopping | None = None, mode: str = "max",
                  monitor: str = "dev_accuracy", verbose: int = 1, timeout: float = 10.0
                  ) -> Study:
    """Random search: ``n_trials`` trials, each with values drawn at random from ``space``.

    Args:
        objective: objective(params) or objective(params, trial) -> the dev score, or a
            :class:`~npdeep.tune.training.TrainingObjective`.
        space: {name: Uniform / LogUniform / IntUniform / Choice / OneMinusLogUniform}.
        n_trials: the number of trials.
        seed: the study's seed; trial i's values derive from (seed, i).
        study: the study folder (None: a new temporary folder).
        resume: continue the study in ``study``: finished trials are kept, not rerun.
        overwrite: replace a study already in ``study``.
        executor: "local" (one after another here), "dask", or a started
            DaskExecutor (``with DaskExecutor(workers=2) as cluster``) to share one cluster
            between searches.
        workers: with executor="dask", a LocalCluster of this many worker processes
            (default: one per core).
        scheduler: with executor="dask", the address of a running scheduler instead.
        stopping: a rule that stops hopeless trials early (e.g. MedianStopping()), or None.
        mode: "max" (accuracy) or "min" (a cost): which way the score is better.
        monitor: the fit log that a trial reports each epoch (Trial.fit's callback).
        verbose: 0 silent, 1 a line per finished trial, 2 also fit's line per epoch
            (local executor only).
        timeout: seconds to wait for the Dask scheduler.

    Returns:
        The Study (``.table()``, ``.best()``, ``.trials()``; its folder holds the records).

    Raises:
        ValueError: for a bad space, n_trials < 1, an unknown hyperparameter name (for a
            TrainingObjective), a study folder that holds another study, an unknown executor.
        SchedulerUnreachableError: when the scheduler does not answer within ``timeout``.

    Example:
        >>> space = {"learning_rate": LogUniform(1e-4, 1e-1), "hidden": Choice([64, 128])}
        >>> study = random_search(TrainingObjective("digits", epochs=10), space, 20, seed=0,
        ...                       study="studies/digits", executor="dask", workers=2)
        >>> print(study.table(top=5))
    """
    where = "random_search"
    n_trials = check_int(n_trials, "n_trials", where, 1)
    settings = _settings(where, objective, space, seed, mode, monitor, stopping,
                         method="random", n_trials=n_trials)
    study = _open_study(study, settings, resume, overwrite)
    space = {k: dimension_from_dict(v) for k, v in study.settings["space"].items()}
    specs = [_spec(study, i, 0, sample_space(space, seed, i), settings, verbose)
             for i in range(n_trials)]
    with make_executor(executor, workers, scheduler, timeout) as runner:
        _run(study, objective, specs, runner, stopping, verbose)
    return study


def coarse_to_fine(objective, space: dict, rounds: int = 3, trials_per_round: int = 10,
                   keep: float = 0.25, seed: int = 0, study=None, resume: bool = False,
                   overwrite: bool = False, executor="local", workers=None,
                   scheduler=None, stopping=None, mode: str = "max",
                   monitor: str = "dev_accuracy", margin: float = 0.1, verbose: int = 1,
                   timeout: float = 10.0) -> Study:
    """Coarse to fine: rounds of random search, each in the region of the last one's best.

    Round 0 samples ``space``. Each later round samples each hyperparameter in the range of
    the previous round's best ``keep`` trials, widened by ``margin`` of the old width on each
    side and clipped to the old range (:meth:`Dimension.narrow`), in the sampling scale: a
    log-scaled range shrinks in log space. Trial indices run on across rounds (round r holds the
    trials after those of the rounds before it), and each round's space is saved in study.json.

    Args:
        rounds: the number of rounds (1 is random search).
        trials_per_round: trials in each round (an int), or a list of one count per round.
        keep: the fraction (0 < keep < 1) or number (an int >= 1) of a round's best trials
            whose values define the next round's ranges.
        margin: the widening, as a fraction of the old range's width.
        others: as for :func:`random_search`.

    Returns:
        The Study; ``study.settings["round_spaces"]`` lists each round's space.
    """
    where = "coarse_to_fine"
    rounds = check_int(rounds, "rounds", where, 1)
    if isinstance(trials_per_round, (list, tuple)):
        if len(trials_per_round) != rounds:
            raise ValueError(f"{where}: trials_per_round lists {len(trials_per_round)} counts "
                             f"for {rounds} rounds; give one per round (or one int)")
        per_round = [check_int(n, "trials_per_round", where, 1) for n in trials_per_round]
    else:
        per_round = [check_int(trials_per_round, "trials_per_round", where, 1)] * rounds
    if isinstance(keep, bool) or not (isinstance(keep, int) and keep >= 1
                                      or isinstance(keep, float) and 0 < keep < 1):
        raise ValueError(f"The 'keep' parameter of {where} must be a fraction in (0, 1) or an "
                         f"int >= 1. Got {keep!r} instead.")
    settings = _settings(where, objective, space, seed, mode, monitor, stopping,
                         method="coarse-to-fine", rounds=rounds,
                         trials_per_round=per_round, keep=keep, margin=margin)
    study = _open_study(study, settings, resume, overwrite)
    round_space = {k: dimension_from_dict(v) for k, v in study.settings["space"].items()}
    with make_executor(executor, workers, scheduler, timeout) as runner:
        for r in range(rounds):
            if r > 0:
                round_space = _narrowed(study, round_space, r - 1, keep, margin)
            study.settings.setdefault("round_spaces", [])[r:] = [
                {k: d.to_dict() for k, d in round_space.items()}]
            study.save_settings()
            first = sum(per_round[:r])
            specs = [_spec(study, i, r, sample_space(round_space, seed, i), settings, verbose)
                     for i in range(first, first + per_round[r])]
            _run(study, objective, specs, runner, stopping, verbose)
    return study


def grid_search(objective, grid: dict, study=None, overwrite: bool = False,
                mode: str = "max", verbose: int = 1) -> Study:
    """Every combination of ``grid``'s values, one after another (to compare with random
    search: a grid tries only len(grid[name]) values of each hyperparameter, however many
    trials it runs). Trials are numbered in itertools.product order of the sorted names.

    Args:
        grid: {name: [values]}.
    """
    where = "grid_search"
    if not isinstance(grid, dict) or not grid or not all(
            isinstance(v, (list, tuple)) and v for v in grid.values()):
        raise ValueError(f"{where}: grid must be a dict {{name: [values, ...]}} with at least "
                         f"one value per name; got {grid!r}")
    names = sorted(grid)
    combos = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    settings = {"method": "grid", "mode": check_choice(mode, "mode", where, ("max", "min")),
                "monitor": "dev_accuracy", "grid": {n: list(grid[n]) for n in names},
                "n_trials": len(combos)}
    study = _open_study(study, settings, False, overwrite)
    specs = [_spec(study, i, 0, params, settings, verbose) for i, params in enumerate(combos)]
    with make_executor("local") as runner:
        _run(study, objective, specs, runner, None, verbose)
    return study


# ---------------------------------------------------------------------------- internals
def _settings(where, objective, space, seed, mode, monitor, stopping, **extra) -> dict:
    known = getattr(objective, "known_hyperparameters", None)
    space = check_space(space, where, known)
    seed = check_int(seed, "seed", where, 0)
    if stopping is not None and not hasattr(stopping, "should_stop"):
        raise TypeError(f"{where}: stopping must be a rule such as MedianStopping(); got "
                        f"{stopping!r}")
    settings = {"method": extra.pop("method"), "seed": seed,
                "mode": check_choice(mode, "mode", where, ("max", "min")), "monitor": monitor,
                "space": {k: d.to_dict() for k, d in space.items()}, **extra,
                "stopping": stopping.to_dict() if stopping is not None else None}
    if hasattr(objective, "to_dict"):
        settings["objective"] = objective.to_dict()
    return settings


def _open_study(folder, settings: dict, resume: bool, overwrite: bool) -> Study:
    """A new study, or with resume the existing one (whose settings must match)."""
    if folder is None:
        if resume:
            raise ValueError("tune: resume=True needs the study folder (study=DIR)")
        folder = tempfile.mkdtemp(prefix="npdeep-study-")
    if resume and overwrite:
        raise ValueError("tune: resume=True continues the study and overwrite=True replaces "
                         "it; pass one of them")
    if resume:
        try:
            study = Study.open(folder)
        except FileNotFoundError:
            return Study.create(folder, settings)  # nothing to resume yet: a new study
        saved = {k: v for k, v in study.settings.items() if k != "round_spaces"}
        differs = sorted(k for k in set(saved) | set(settings)
                         if _jsonish(saved.get(k)) != _jsonish(settings.get(k)))
        if differs:
            raise ValueError(f"tune: cannot resume the study in '{folder}' with other "
                             f"settings ({', '.join(differs)} differ); resume it with the "
                             "settings it was started with, or start a new study")
        return study
    return Study.create(folder, settings, overwrite=overwrite)


def _jsonish(value):
    """Tuples as lists, as they come back from JSON."""
    import json

    return json.loads(json.dumps(value))


def _spec(study: Study, index: int, round_: int, params: dict, settings: dict,
          verbose: int) -> dict:
    return {"index": index, "round": round_, "params": params, "run_dir": study.run_dir(index),
            "mode": settings["mode"], "monitor": settings.get("monitor", "dev_accuracy"),
            "verbose": max(0, verbose - 1), "stopping": None, "peers": [], "pin_blas": False}


def _run(study: Study, objective, specs: list, runner, stopping, verbose: int) -> None:
    """Run the specs not yet finished, recording each record as it arrives."""
    done = study.finished()
    todo = [s for s in specs if s["index"] not in done]
    dask = runner.name == "dask"

    def prepare(spec):
        spec = dict(spec)
        spec["pin_blas"] = dask
        if dask:
            spec["verbose"] = 0  # a worker's output is not the user's terminal
        if stopping is not None:
            spec["stopping"] = stopping
            # The peers: trials with a lower index finished by now (every earlier one, for
            # the local executor, so that a study is repeatable).
            spec["peers"] = [r["scores"] for r in study.trials()
                             if r["index"] < spec["index"] and r["status"] != "failed"]
        return spec

    for record in runner.run(objective, todo, prepare):
        study.record(record)
        if verbose >= 1:
            print(_line(record, len(study.records)), flush=True)


def _line(record: dict, n_done: int) -> str:
    values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in sorted(record["params"].items()))
    score = record["score"]
    status = record["status"] if record["status"] != "failed" else f"failed: {record['error']}"
    shown = f"{score:.4f}" if isinstance(score, float) and math.isfinite(score) else "-"
    return f"trial {record['index']} [{n_done} done]: {shown} ({status}) {values}"


def _narrowed(study: Study, space: dict, round_: int, keep, margin: float) -> dict:
    """Round ``round_``'s best trials' region of ``space`` (unchanged without a scored trial)."""
    ranked = [r for r in study.ranked() if r.get("round", 0) == round_
              and r.get("score") is not None]
    if not ranked:
        print(f"coarse_to_fine: round {round_} has no scored trial; its space is kept",
              file=sys.stderr)
        return dict(space)
    n_keep = keep if isinstance(keep, int) else max(1, round(keep * len(ranked)))
    best = ranked[:n_keep]
    return {name: dim.narrow([r["params"][name] for r in best], margin)
            for name, dim in space.items()}
