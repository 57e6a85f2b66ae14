"""Training: the fit loop, History, callbacks (early stopping) and safetensors checkpoints."""
from npdeep.train.callbacks import Callback, EarlyStopping
from npdeep.train.checkpoint import load, save
from npdeep.train.history import History
from npdeep.train.loop import TrainingDivergedError, evaluate, fit, predict
