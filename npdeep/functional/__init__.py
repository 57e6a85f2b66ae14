"""Differentiable operations on tensors, one concern per module."""
from npdeep.functional.activation import (leaky_relu, log_softmax, relu, sigmoid, softmax,
                                          tanh)
from npdeep.functional.attention import additive_attention
from npdeep.functional.conv import conv2d, zero_pad
from npdeep.functional.dropout import dropout
from npdeep.functional.embedding import embedding
from npdeep.functional.elementwise import (abs, add, clip, div, exp, log, maximum, mul, neg,
                                           pow, sqrt, sub, where)
from npdeep.functional.linalg import linear, matmul
from npdeep.functional.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                                    cross_entropy, l2_penalty, mse_loss)
from npdeep.functional.multitask import multitask_loss
from npdeep.functional.norm import batch_norm
from npdeep.functional.normalize import l2_normalize
from npdeep.functional.pool import avg_pool2d, global_avg_pool2d, max_pool2d
from npdeep.functional.recurrent import gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell
from npdeep.functional.reduce import argmax, argmin, max, mean, min, prod, std, sum, var
from npdeep.functional.shape import concatenate, flatten, getitem, reshape, stack, transpose
from npdeep.functional.triplet import triplet_loss
