"""Hyperparameter search (course 2, week 3): search spaces, random and coarse-to-fine search,
trials run locally or on a Dask cluster (optional extra ``cluster``)."""
from npdeep.tune.executors import DaskExecutor, LocalExecutor, SchedulerUnreachableError
from npdeep.tune.search import coarse_to_fine, grid_search, random_search
from npdeep.tune.space import (Choice, IntUniform, LogUniform, OneMinusLogUniform, Uniform,
                               parse_search, parse_searches, sample_space)
from npdeep.tune.stopping import MedianStopping
from npdeep.tune.study import Study
from npdeep.tune.trial import Trial
from npdeep.tune.training import TrainingObjective

__all__ = ["Uniform", "LogUniform", "IntUniform", "Choice", "OneMinusLogUniform",
           "sample_space", "parse_search", "parse_searches", "random_search", "coarse_to_fine",
           "grid_search", "Study", "Trial", "TrainingObjective", "MedianStopping",
           "LocalExecutor", "DaskExecutor", "SchedulerUnreachableError"]
