"""Training: the fit loop, evaluate/predict, History, callbacks (early stopping), checkpoints.

One concern per module: ``fit`` (the loop), ``evaluate`` (evaluate, predict), ``sources``
((X, Y) pairs and DataLoaders as one mini-batch source), ``preflight`` (the checks before the
first step), ``metric_names`` (the metrics fit logs), ``progress`` (verbose output, Ctrl-C),
``resume`` (the training checkpoint), ``checkpoint`` (save/load, atomic safetensors files),
``history`` and ``callbacks``.
"""
from npdeep.train.callbacks import Callback, EarlyStopping
from npdeep.train.checkpoint import load, save
from npdeep.train.evaluate import evaluate, predict
from npdeep.train.fit import TrainingDivergedError, fit
from npdeep.train.history import History
from npdeep.train.metric_names import METRICS

__all__ = ["Callback", "EarlyStopping", "History", "METRICS", "TrainingDivergedError",
           "evaluate", "fit", "load", "predict", "save"]
