"""Recurrent layers as fused ops over whole sequences: rnn, lstm, gru, and their one-step cells.

Each op runs one direction of one layer; npdeep.nn's RNN, LSTM and GRU stack them (layers,
directions, dropout between layers). Shared machinery (lengths, masks, time order, the buffer
pool) is in :mod:`npdeep.functional.recurrent.common`.

Threads: the NumPy path does not split the batch over npdeep's threads (npdeep.threads); it
runs in the calling thread and BLAS uses its own threads. Measured on 2 cores (batch 32,
T_x = 50, n_a = 128, float32, one-thread BLAS): the LSTM's fwd + bwd on the whole batch took
13.1 ms, on half the batch 7.2 ms, and the two halves in two threads 14.2 ms: no gain. The
products are not the reason: 400 per-step GEMMs (16, 128) @ (128, 512) ran 1.97x as fast in
two threads as in one. The elementwise ops of a step are: about 25 NumPy calls per step on
arrays of 2,000-8,000 numbers, 1-3 µs each, ran 0.75x as fast in two threads as in one (each
call releases and retakes the GIL; two threads doing that contend for it at every call).
The compiled path (npdeep.kernels.recurrent: one GIL-free call a step, float32 LSTM and
reset-after GRU) does split the batch, but only once BLAS is pinned to one thread
(threads.blas_pinned()); before that one block with BLAS's own threads is faster.
"""
from npdeep.functional.recurrent.gru import gru, gru_cell
from npdeep.functional.recurrent.lstm import lstm, lstm_cell
from npdeep.functional.recurrent.rnn import rnn, rnn_cell

__all__ = ["rnn", "rnn_cell", "lstm", "lstm_cell", "gru", "gru_cell"]
