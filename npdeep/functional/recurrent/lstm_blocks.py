"""The fused LSTM's compiled path: each batch block's whole layer, in one direction or in both
(the bidirectional op), as ONE GIL-free call forward and one back per block and direction
(npdeep.kernels._lstm_numba.lstm_block_forward / lstm_block_backward).

The batch is cut into one block of examples per thread (kernels.recurrent.lstm_blocks); each
thread runs its block through every direction, so a bidirectional layer costs one hand-off
to the pool per pass, not one per direction. Inside a call nothing returns to Python: the
copy of the block's x⟨t⟩ next to its states, the time loop (one product a step for all four
gates on [a⟨t−1⟩; x⟨t⟩], then the elementwise work), the outputs written straight into the
op's packed output; back: the time loop (dZ, da⟨t−1⟩ = dZ·Wa, dx⟨t⟩ = dZ·Wx written straight
into dX), then the block's dW in one product. The saved arrays' layout is in _lstm_numba.

Per-block partial sums (dW, db) are added in block order after every block is done, so for
a given thread count the results are the same bits every run.

NumPy twin: LSTMSequence._forward_steps / _backward_steps (the path with the compiled kernels
off); tests/kernels/test_lstm_loops.py compares the two.
"""
from __future__ import annotations

import numpy as np

from npdeep.functional.recurrent import common
from npdeep.kernels import recurrent as compiled
from npdeep.threads import map_blocks


class Direction:
    """One direction of a layer on the compiled path: its inputs, its weights as the kernels
    take them, where its n_a columns go in the packed output, and (after forward) its
    blocks' saved arrays.

    Args:
        a0, c0: (m, n_a) initial states; W (4·n_a, n_a + n_x), b (4·n_a,) as lstm's.
        reverse: the direction runs from t = T_x down to 1.
        col: its first column in the packed output (0, or n_a for a reverse half).
    """

    def __init__(self, a0, c0, W, b, reverse: bool, col: int):
        n4, n_h = W.shape
        n_a = n4 // 4
        # Waᵀ, Wxᵀ with the σ columns halved (σ(z) = (1 + tanh(z/2))/2, see LSTMSequence),
        # and Wa, Wx as they are (for backward), in one compiled pass; b halved likewise.
        self.WaT = common.empty_aligned((n_a, n4), W.dtype)
        self.WxT = common.empty_aligned((n_h - n_a, n4), W.dtype)
        self.Wa = common.empty_aligned((n4, n_a), W.dtype)
        self.Wx = common.empty_aligned((n4, n_h - n_a), W.dtype)
        self.W = W  # until prepare()
        [self.b_h] = common.half_sigmoid_rows([b], 3 * n_a)
        self.a0, self.c0 = np.ascontiguousarray(a0), np.ascontiguousarray(c0)
        self.reverse, self.col = bool(reverse), col
        self.saved = None

    def prepare(self) -> None:
        """Fill WaT, WxT, Wa, Wx from W (one GIL-free compiled pass; see forward)."""
        compiled.lstm_weights(np.ascontiguousarray(self.W), self.WaT, self.WxT, self.Wa,
                              self.Wx)
        self.W = None


def time_mask(lengths, m: int, T_x: int, dtype):
    """(masked, Mt): Mt (m, T_x) 1 at each example's real steps, in time order; unmasked, a
    (1, 1) dummy the kernels ignore."""
    if lengths is None:
        return False, np.ones((1, 1), dtype=dtype)
    return True, (np.arange(T_x)[None, :] < lengths[:, None]).astype(dtype)


def forward(X, directions: list, lengths, out) -> None:
    """Run every direction over X (m, T_x, n_x) on the batch blocks; each writes its columns
    of ``out`` (m, T_x + 2, width): outputs a⟨t⟩ (0 at padded steps), final a, final c. Keeps
    what backward needs on each Direction; returns its saved arrays (pool arrays: the op
    gives them back when its context is freed)."""
    m, T_x, n_x = X.shape
    n_a = directions[0].a0.shape[1]
    dtype = X.dtype
    masked, Mt = time_mask(lengths, m, T_x, dtype)
    take = common.take_aligned
    approx = dtype == np.float32

    def run(block):
        start, stop = block
        rows = stop - start
        saved = []
        Za = common.empty_aligned((rows, 4 * n_a), dtype)
        for d in directions:
            H = take((T_x + 1, rows, n_a + n_x), dtype)
            G = take((T_x, rows, 4 * n_a), dtype)
            C = take((T_x + 1, rows, n_a), dtype)
            tanh_C = take((T_x, rows, n_a), dtype)
            compiled.lstm_block_forward(X, start, d.reverse, d.WaT, d.WxT, d.b_h, d.a0, d.c0, H,
                                        G, C, tanh_C, Za, out, d.col, Mt, masked, approx)
            saved.append((H, G, C, tanh_C))
        return saved

    blocks = compiled.lstm_blocks(m, T_x, n_a)
    if len(blocks) > 1 and len(directions) > 1:  # each direction's weights on its own thread
        map_blocks(Direction.prepare, directions)
    else:
        for d in directions:
            d.prepare()
    parts = map_blocks(run, blocks)
    for k, d in enumerate(directions):
        d.saved = (blocks, [part[k] for part in parts], masked, Mt)
    return [a for part in parts for arrays in part for a in arrays]


def apply_forward(ctx, X, directions: list, lengths):
    """A Function's forward on this path (LSTMSequence's, one direction; LSTMBidirectional's,
    two): the packed output (m, T_x + 2, n_a per direction), the directions kept on ctx for
    apply_backward, their saved arrays given back to the pool when ctx is freed."""
    m, T_x, _ = X.shape
    width = len(directions) * directions[0].a0.shape[1]
    out = common.empty_aligned((m, T_x + 2, width), X.dtype)
    common.give_back_when_freed(ctx, *forward(X, directions, lengths, out))
    ctx.saved = ("blocks", directions)
    return out


def apply_backward(ctx, dout) -> tuple:
    """The Function's gradients after apply_forward: (dX, then (da0, dc0, dW, db) of each
    direction), its inputs being X and each direction's (a0, c0, W, b) in order."""
    directions = ctx.saved[1]
    needs = ctx.needs_input_grad
    dX, grads = backward(dout, directions, needs[0],
                         [needs[1 + 4 * k:5 + 4 * k] for k in range(len(directions))])
    return (dX,) + tuple(g for direction in grads for g in direction)


def backward(dout, directions: list, needs_dX: bool, needs: list):
    """The gradients of forward's inputs from dJ/d(out), dout (m, T_x + 2, width).

    Args:
        needs_dX: whether X needs its gradient (the sum over the directions).
        needs: per direction, (a0, c0, W, b) needs_input_grad.

    Returns:
        (dX or None, [(da0, dc0, dW, db) per direction, each None where not needed]).
    """
    dout = np.ascontiguousarray(dout)
    blocks, _, masked, Mt = directions[0].saved
    n_x = directions[0].Wx.shape[1]
    m, T_x = dout.shape[0], dout.shape[1] - 2
    n_a = directions[0].a0.shape[1]
    dtype = dout.dtype
    dX = np.empty((m, T_x, n_x), dtype=dtype) if needs_dX else np.empty((1, 1, 1), dtype)
    initial = [(np.empty((m, n_a), dtype), np.empty((m, n_a), dtype)) for _ in directions]

    def run(i):
        start, stop = blocks[i]
        rows = stop - start
        dG = common.take_aligned((T_x + 1, rows, 4 * n_a), dtype)
        d_a, d_c, spare = (np.empty((rows, n_a), dtype) for _ in range(3))
        sums = []
        for k, d in enumerate(directions):
            H, G, C, tanh_C = d.saved[1][i]
            want_dW = bool(needs[k][2])
            dW = (common.empty_aligned((4 * n_a, n_a + n_x), dtype) if want_dW
                  else np.empty((1, 1), dtype))
            db = np.empty(4 * n_a, dtype)
            compiled.lstm_block_backward(dout, start, d.reverse, d.col, d.Wa, d.Wx, H, G, C,
                                         tanh_C, dG, needs_dX, dX, 0.0 if k == 0 else 1.0,
                                         want_dW, dW, db, initial[k][0], initial[k][1], d_a, d_c,
                                         spare, Mt, masked)
            sums.append((dW if want_dW else None, db))
        common.pool.give(dG)
        return sums

    parts = map_blocks(run, list(range(len(blocks))))
    grads = []
    for k, d in enumerate(directions):
        dW, db = parts[0][k]
        for part in parts[1:]:  # the blocks' partial sums, in block order
            if dW is not None:
                dW += part[k][0]
            db += part[k][1]
        needs_a0, needs_c0, needs_W, needs_b = needs[k]
        grads.append((initial[k][0] if needs_a0 else None, initial[k][1] if needs_c0 else None,
                      dW if needs_W else None, db if needs_b else None))
    return (dX if needs_dX else None), grads
