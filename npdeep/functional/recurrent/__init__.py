"""Recurrent layers as fused ops over whole sequences: rnn, lstm, gru, and their one-step cells.

Each op runs one direction of one layer; npdeep.nn's RNN, LSTM and GRU stack them (layers,
directions, dropout between layers). Shared machinery (lengths, masks, time order) is in
:mod:`npdeep.functional.recurrent.common`.
"""
from npdeep.functional.recurrent.gru import gru, gru_cell
from npdeep.functional.recurrent.lstm import lstm, lstm_cell
from npdeep.functional.recurrent.rnn import rnn, rnn_cell

__all__ = ["rnn", "rnn_cell", "lstm", "lstm_cell", "gru", "gru_cell"]
