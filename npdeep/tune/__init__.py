"""Hyperparameter search (course 2, week 3): search spaces, random and coarse-to-fine search,
trials run locally or on a Dask cluster (optional extra ``cluster``)."""
