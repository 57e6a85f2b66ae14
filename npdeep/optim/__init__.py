"""Optimizers (GD, momentum, RMSprop, Adam), learning-rate schedules and gradient clipping."""
from npdeep.optim.adam import Adam
from npdeep.optim.clip import clip_grad_norm, clip_grad_value
from npdeep.optim.gd import GD
from npdeep.optim.momentum import Momentum
from npdeep.optim.optimizer import Optimizer
from npdeep.optim.rmsprop import RMSprop
from npdeep.optim.schedules import (ExponentialDecay, InverseSqrtDecay, InverseTimeDecay,
                                    Schedule, StaircaseDecay)
