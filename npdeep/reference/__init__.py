"""The course's explicit step-by-step implementations, written as the course writes them.

Examples are stacked in columns here (X of shape (n_x, m)), as in the course notebooks. Learners
read these next to the notes; the tests use them as the independent reference that the engine
must agree with. Every function is importable by its course name from this package:

    from npdeep.reference import initialize_parameters_deep, L_model_forward, conv_forward

- :mod:`~npdeep.reference.initialization`: the course's initializations, drawing the
  notebooks' random numbers when seeded;
- :mod:`~npdeep.reference.dnn`: course 1's L-layer network step by step;
- :mod:`~npdeep.reference.cnn`: course 4's convolution and pooling step by step;
- :mod:`~npdeep.reference.rnn`: course 5's basic RNN step by step, ``clip`` and ``sample``
  (examples in columns, time last: x of shape (n_x, m, T_x));
- :mod:`~npdeep.reference.lstm`: course 5's LSTM step by step;
- :mod:`~npdeep.reference.gru`: the full GRU written the same way (and PyTorch's variant);
- :mod:`~npdeep.reference.char_rnn`: Dinosaur Island's training step (``optimize``).
"""
from npdeep.reference import char_rnn, cnn, dnn, gru, initialization, lstm, rnn
from npdeep.reference.char_rnn import optimize, rnn_step_backward, rnn_step_forward
from npdeep.reference.cnn import (conv_backward, conv_forward, conv_single_step,
                                  create_mask_from_window, distribute_value, pool_backward,
                                  pool_forward, zero_pad)
from npdeep.reference.dnn import (L_model_backward, L_model_forward, compute_cost,
                                  linear_activation_backward, linear_activation_forward,
                                  linear_backward, linear_forward, relu, relu_backward, sigmoid,
                                  sigmoid_backward, tanh, tanh_backward, update_parameters)
from npdeep.reference.gru import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from npdeep.reference.initialization import (initialize_parameters, initialize_parameters_deep,
                                             initialize_parameters_he,
                                             initialize_parameters_random,
                                             initialize_parameters_zeros)
from npdeep.reference.lstm import (lstm_backward, lstm_cell_backward, lstm_cell_forward,
                                   lstm_forward)
from npdeep.reference.rnn import (clip, rnn_backward, rnn_cell_backward, rnn_cell_forward,
                                  rnn_forward, sample)

__all__ = [
    # initialization (course 1 week 4, course 2 week 1)
    "initialize_parameters", "initialize_parameters_deep", "initialize_parameters_zeros",
    "initialize_parameters_random", "initialize_parameters_he",
    # the L-layer network (course 1 week 4)
    "sigmoid", "relu", "tanh", "sigmoid_backward", "relu_backward", "tanh_backward",
    "linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost",
    "linear_backward", "linear_activation_backward", "L_model_backward", "update_parameters",
    # convolution and pooling (course 4 week 1)
    "zero_pad", "conv_single_step", "conv_forward", "conv_backward", "pool_forward",
    "create_mask_from_window", "distribute_value", "pool_backward",
    # recurrent networks (course 5 week 1)
    "rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
    "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward",
    "gru_cell_forward", "gru_forward", "gru_cell_backward", "gru_backward", "clip", "sample",
    "rnn_step_forward", "rnn_step_backward", "optimize",
    # the modules
    "initialization", "dnn", "cnn", "rnn", "lstm", "gru", "char_rnn",
]
