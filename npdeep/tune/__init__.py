"""Hyperparameter search (course 2, week 3): search spaces, random and coarse-to-fine search,
trials run locally or on a Dask cluster (optional extra ``cluster``)."""
from npdeep.tune.space import (Choice, IntUniform, LogUniform, OneMinusLogUniform, Uniform,
                               parse_search, parse_searches, sample_space)

__all__ = ["Uniform", "LogUniform", "IntUniform", "Choice", "OneMinusLogUniform",
           "sample_space", "parse_search", "parse_searches"]
