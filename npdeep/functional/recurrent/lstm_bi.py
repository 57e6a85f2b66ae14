"""Both directions of one bidirectional LSTM layer as ONE Function.

On the compiled path (npdeep.functional.recurrent.lstm_blocks) each batch block's thread
runs the block through both directions, one after the other: one hand-off to the pool per
pass instead of one per direction, and the reverse direction's dX products add into the
forward's (dX = dX_forward + dX_reverse, beta = 1), rows written in place. Elsewhere each
direction is LSTMSequence's NumPy path, one after the other. Either way the layer's graph has
one node instead of two plus a concatenation (and its slices), and dX is summed here, not by
the autograd engine; each direction's arithmetic is its LSTMSequence's.

Measured (benchmarks: --only lstm_bi2 --rounds 11, two layers, batch 32, T_x 50, n_x 64,
n_a 128, float32, 2 shared cores; ratio torch / npdeep, median [IQR]): two lstm calls
0.89 [0.87-0.90]; this op 0.91 [0.90-0.93] and 0.95 [0.94-0.96].

NOTE: running the two directions at once, one per thread, each over the whole batch (no
batch split inside a direction), measured slower: 0.70 [0.69-0.73] and 0.89 [0.87-0.92]
against 0.91 and 0.95 for the batch split, interleaved runs. Likely why: the two threads
then stream two different weight sets and twice-as-large gate buffers through caches the
two cores share (the AVX-512 products scale only about 1.45x on two threads here, see
npdeep.kernels._lstm_numba), while the two halves of one direction share one Wa.

Output, packed as common's (one output per Function), both directions side by side on the
feature axis: (m, T_x + 2, 2·n_a) with out[:, :T_x] = [Y_forward, Y_reverse] (what the
bidirectional layer returns), out[:, T_x] = [a_T forward, a_T reverse], out[:, T_x + 1] =
[c_T forward, c_T reverse].
"""
from __future__ import annotations

from npdeep.autograd import Function
from npdeep.functional.recurrent import common, lstm_blocks
from npdeep.functional.recurrent.lstm import LSTMSequence
from npdeep.kernels import recurrent as compiled


class _Direction:
    """The context one direction's LSTMSequence keeps (saved arrays, needs_input_grad); a
    plain object, so that its saved buffers go back to the pool when the op's ctx is freed."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad


class LSTMBidirectional(Function):
    """Inputs X (m, T_x, n_x), then (a0, c0, W, b) of the forward direction, then those of the
    reverse direction, as lstm's; output packed as in the module's docstring."""

    @staticmethod
    def forward(ctx, X, a0, c0, W, b, a0_r, c0_r, W_r, b_r, lengths=None):
        m, T_x, _ = X.shape
        n_a = a0.shape[1]
        if compiled.lstm_whole_loops(X.dtype):  # both directions in each block's thread
            return lstm_blocks.apply_forward(
                ctx, X, [lstm_blocks.Direction(a0, c0, W, b, False, 0),
                         lstm_blocks.Direction(a0_r, c0_r, W_r, b_r, True, n_a)], lengths)
        out = common.empty_aligned((m, T_x + 2, 2 * n_a), X.dtype)
        needs = ctx.needs_input_grad
        dirs = (_Direction(needs[:5]), _Direction(needs[:1] + needs[5:9]))
        args = ((a0, c0, W, b), (a0_r, c0_r, W_r, b_r))
        for d in (0, 1):
            out[:, :, d * n_a:(d + 1) * n_a] = LSTMSequence.forward(
                dirs[d], X, *args[d], reverse=bool(d), lengths=lengths)
        ctx.saved = (dirs, n_a)
        return out

    @staticmethod
    def backward(ctx, dout):
        if isinstance(ctx.saved[0], str):  # "blocks": the compiled path
            return lstm_blocks.apply_backward(ctx, dout)
        dirs, n_a = ctx.saved
        dX, da, dc, dW, db = LSTMSequence.backward(dirs[0], dout[:, :, :n_a])
        # The reverse direction adds its dX into the forward's: dX_forward + dX_reverse.
        dX, da_r, dc_r, dW_r, db_r = LSTMSequence.backward(dirs[1], dout[:, :, n_a:], dX)
        return dX, da, dc, dW, db, da_r, dc_r, dW_r, db_r


def lstm_bidirectional(X, states, states_r, W, b, W_r, b_r, *, lengths=None):
    """One bidirectional LSTM layer: lstm forwards and lstm with reverse=True, fused.

    Args:
        X: (m, T_x, n_x) inputs, batch-first.
        states, states_r: (a0, c0) of the forward and of the reverse direction, each (m, n_a)
            or None for zeros.
        W, b; W_r, b_r: each direction's weights, (4·n_a, n_a + n_x) and (4·n_a,), as lstm's.
        lengths: (m,) ints in [1, T_x], or None (all T_x).

    Returns:
        (Y, (a_T, c_T), (a_T_r, c_T_r)): Y (m, T_x, 2·n_a) = [Y forward, Y reverse] on the
        feature axis (0 at padded steps); each direction's final states (m, n_a), after its
        own last real step.

    Raises:
        ValueError: for shapes that do not fit, or lengths outside [1, T_x].

    Example:
        >>> Y, (a_T, c_T), (a_r, c_r) = lstm_bidirectional(X, (None, None), (None, None),
        ...                                                W, b, W_r, b_r)
    """
    where = "lstm_bidirectional"
    X = common.check_sequence(X, None, where)
    m, T_x, n_x = X.shape
    n_a = common.check_weights(W, b, 4, n_x, where, "Wf, Wu, Wo, Wc")
    n_a_r = common.check_weights(W_r, b_r, 4, n_x, where, "Wf, Wu, Wo, Wc")
    if n_a_r != n_a:
        raise ValueError(f"{where}: both directions must have the same n_a; got W of shape "
                         f"{tuple(W.shape)} and W_r of shape {tuple(W_r.shape)}")
    initial = []
    for (a0, c0), suffix in ((states, ""), (states_r, "_r")):
        initial += [common.check_state(a0, m, n_a, where, "a0" + suffix, X.dtype),
                    common.check_state(c0, m, n_a, where, "c0" + suffix, X.dtype)]
    lengths = common.check_lengths(lengths, m, T_x, where)
    out = LSTMBidirectional.apply(X, initial[0], initial[1], W, b, initial[2], initial[3],
                                  W_r, b_r, lengths=lengths)
    Y = out[:, :T_x]
    finals = out[:, T_x:]
    return (Y, (finals[:, 0, :n_a], finals[:, 1, :n_a]),
            (finals[:, 0, n_a:], finals[:, 1, n_a:]))
