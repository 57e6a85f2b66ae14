"""What the fused recurrent layers share: lengths and their masks, time order, the packed output.

Every fused sequence op (rnn, lstm, gru) runs one direction of one layer over a batch-first
sequence X (m, T_x, n_x). Inside, it works time-major and in PROCESSING order: step k reads
x⟨t_k⟩ with t_k = k going forwards and t_k = T_x − 1 − k going backwards (the reverse half of
a bidirectional layer), so that the time loop, the saved gate values and the backward through
time are the same code for both directions.

Padded batches: ``lengths[i]`` is the number of real steps of example i. Step t is active for
example i when t < lengths[i]. At an inactive step the state is carried unchanged and the
output is 0, so the final state of each example is its state after its own last real step;
going backwards, each example's first processed real step is its own last one, t = lengths[i]
− 1, because the inactive (padded) steps t >= lengths[i] come first and change nothing. The
same mask makes the gradient of every padded step exactly zero: each gate's dZ is multiplied
by it.

The op's single output packs the outputs and the final state(s) along the time axis:
(m, T_x + k, n_a) with out[:, :T_x] = a⟨1..T_x⟩ (0 at padded steps), out[:, T_x] = the final
a, and for the LSTM out[:, T_x + 1] = the final c. (npdeep's Functions have one output; the
layer slices the pieces it needs, and a slice nobody uses costs nothing in backward.)
"""
from __future__ import annotations

import weakref

import numpy as np

# ALIGN, empty_aligned and take_aligned live beside the pool; the recurrent modules reach them
# here, as common.empty_aligned.
from npdeep.functional.buffers import ALIGN, empty_aligned, pool, take_aligned  # noqa: F401
from npdeep.tensor import Tensor


def give_back_when_freed(ctx, *arrays) -> None:
    """Return ``arrays`` (what a Function's forward saved) to the pool when ``ctx`` is freed.

    The node is freed after its backward (the engine drops it unless retain_graph=True), or
    when its graph is dropped unused (evaluation), or at once under no_grad. Until then the
    arrays stay its own, so a retained graph can run backward again.
    """
    weakref.finalize(ctx, pool.give, *arrays)


def check_lengths(lengths, m: int, T_x: int, where: str):
    """``lengths`` as an int array (m,) with 1 <= lengths <= T_x, or None when every example
    uses all T_x steps (nothing to mask: the fast path).

    Raises:
        ValueError / TypeError naming ``where``, the shapes and the bad values.
    """
    if lengths is None:
        return None
    if isinstance(lengths, Tensor):
        lengths = lengths.data
    array = np.asarray(lengths)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and array.size and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{where}: lengths must be integers (the number of real steps of "
                            f"each example); got dtype {array.dtype}")
    if array.shape != (m,):
        raise ValueError(f"{where}: lengths must have shape (m,) = ({m},), one length per "
                         f"example of X, but got {array.shape}")
    bad = (array < 1) | (array > T_x)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"{where}: every length must be in [1, T_x] = [1, {T_x}] for X with "
                         f"T_x = {T_x} steps; lengths[{i}] = {int(array[i])}. Pad X to the "
                         "longest sequence, or drop empty sequences.")
    if np.all(array == T_x):
        return None
    return array.astype(np.int64)


def step_mask(lengths, T_x: int, reverse: bool, dtype):
    """M (T_x, m, 1) in processing order: 1 where step k is a real step of example i, else 0
    (None when there is nothing to mask)."""
    if lengths is None:
        return None
    t = np.arange(T_x)[::-1] if reverse else np.arange(T_x)
    return (t[:, None] < lengths[None, :]).astype(dtype)[:, :, None]


def to_processing_order(X: np.ndarray, reverse: bool) -> np.ndarray:
    """X (m, T_x, n_x) -> (T_x, m, n_x), C-contiguous (a pool array), step k = x⟨t_k⟩."""
    X_tm = X.transpose(1, 0, 2)
    out = take_aligned(X_tm.shape, X.dtype)
    np.copyto(out, X_tm[::-1] if reverse else X_tm)
    return out


def from_processing_order(H: np.ndarray, reverse: bool) -> np.ndarray:
    """(T_x, m, n) in processing order -> the batch-first view (m, T_x, n) in time order."""
    return (H[::-1] if reverse else H).transpose(1, 0, 2)


def input_gradient(dZ2: np.ndarray, Wx: np.ndarray, T_x: int, m: int, reverse: bool,
                   add_to=None):
    """dX (m, T_x, n_x) = dZ·Wx of every step, in time order (its own array); with add_to
    (m, T_x, n_x), dZ·Wx is added into it in place and add_to returned (no array of its own:
    the bidirectional op's second direction)."""
    dXp = pool.take((T_x * m, Wx.shape[1]), dZ2.dtype)
    np.matmul(dZ2, Wx, out=dXp)
    dX_time = from_processing_order(dXp.reshape(T_x, m, -1), reverse)
    if add_to is not None:
        add_to += dX_time
        dX = add_to
    else:
        # NOTE: a copy always (ascontiguousarray returns the pool array itself when the view
        # is contiguous already, T_x = 1 or m = 1).
        dX = np.array(dX_time, order="C")
    pool.give(dXp)
    return dX


def pack_output(Y_proc: np.ndarray, finals: list, reverse: bool) -> np.ndarray:
    """The op's output (m, T_x + len(finals), n_a): outputs in time order, then the finals."""
    T_x, m, n_a = Y_proc.shape
    out = np.empty((m, T_x + len(finals), n_a), dtype=Y_proc.dtype)
    out[:, :T_x] = from_processing_order(Y_proc, reverse)
    for j, final in enumerate(finals):
        out[:, T_x + j] = final
    return out


def unpack_grad(dout: np.ndarray, T_x: int, n_finals: int, reverse: bool):
    """dJ/d(out) -> dY (T_x, m, n_a) in processing order (a pool array: give it back) and
    the finals' gradients (own arrays)."""
    dY = to_processing_order(dout[:, :T_x], reverse)
    finals = [np.array(dout[:, T_x + j]) for j in range(n_finals)]
    return dY, finals


def masked_output(S: np.ndarray, M) -> np.ndarray:
    """The outputs a⟨t⟩ (T_x, m, n_a) in processing order: the states after each step, 0 at
    padded steps (where the state was only carried)."""
    return S if M is None else S * M


def carry(d_new: np.ndarray, d_old: np.ndarray, M) -> np.ndarray:
    """Add the gradient that a padded step passes through unchanged: d_new + (1 − M)·d_old.

    d_new was computed from dZ that is already 0 at padded steps, so at a padded step the
    result is exactly d_old (the state was carried), and at a real step exactly d_new.
    """
    if M is None:
        return d_new
    d_new += (1.0 - M) * d_old
    return d_new


def carry_back(d: np.ndarray, d_new: np.ndarray, keep) -> tuple:
    """The in-place twin of carry for the fused loops: (d⟨t−1⟩, the spare buffer).

    d holds the gradient into step t, d_new the one step t passes back (0 at padded steps);
    keep (m, 1) is 1 − M⟨t⟩, or None without padding. Without padding the two buffers just
    swap; with it d becomes d_new + keep·d in place. The caller copies the last d back into
    its own buffer if the swaps left it in the spare one.
    """
    if keep is None:
        return d_new, d
    d *= keep
    d += d_new
    return d, d_new


def check_sequence(X, n_x, where: str) -> Tensor:
    """X as a Tensor of shape (m, T_x, n_x), or a clear error (n_x None: any n_x)."""
    if not isinstance(X, Tensor):
        X = Tensor(X)
    if X.ndim != 3:
        hint = (" For a single sequence add the batch axis: X[None]." if X.ndim == 2 else "")
        expected = "(m, T_x, n_x)" + ("" if n_x is None else f" = (m, T_x, {n_x})")
        raise ValueError(f"{where} expected a batch of sequences of shape {expected} but got "
                         f"{tuple(X.shape)} (rank {X.ndim}).{hint}")
    if n_x is not None and X.shape[2] != n_x:
        raise ValueError(f"{where} expected input of shape (m, T_x, n_x) = (m, T_x, {n_x}) "
                         f"but got {tuple(X.shape)}: {X.shape[2]} features per step, not "
                         f"{n_x}. Sequences are batch-first (m, T_x, n_x).")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{where} expected at least one example and one step; got X of "
                         f"shape {tuple(X.shape)}")
    return X


def one_step_sequence(xt, where: str):
    """A cell's input x⟨t⟩ (m, n_x) as a sequence of one step (m, 1, n_x), or a clear error."""
    xt = xt if hasattr(xt, "ndim") else np.asarray(xt)
    if xt.ndim != 2:
        raise ValueError(f"{where}: xt must have shape (m, n_x) but got {tuple(xt.shape)}")
    return xt[:, None, :]


def check_state(state, m: int, n_a: int, where: str, name: str = "a0", dtype=None):
    """An initial state (m, n_a): a Tensor, or zeros for None."""
    if state is None:
        return Tensor(np.zeros((m, n_a), dtype=dtype))
    if not isinstance(state, Tensor):
        state = Tensor(state, dtype=dtype)
    if state.shape != (m, n_a):
        raise ValueError(f"{where}: the initial state {name} must have shape (m, n_a) = "
                         f"({m}, {n_a}) but got {tuple(state.shape)}")
    return state


def half_sigmoid_rows(arrays, n_sigmoid: int) -> list:
    """Copies of W parts and b with their first n_sigmoid rows (the sigmoid gates) halved.

    The fused ops compute σ(z) = (1 + tanh(z/2))/2: with these rows halved, the product
    gives z/2 for the sigmoid gates and z for the tanh candidate, so ONE tanh covers all the
    gates of a step (σ by e^(−z) needs an overflow cap: more passes over the gates).
    """
    halved = []
    for A in arrays:
        A = np.array(A)
        A[:n_sigmoid] *= 0.5
        halved.append(A)
    return halved


def split_weights(W: np.ndarray, n_a: int):
    """The course's W (G, n_a + n_x), acting on [a⟨t−1⟩; x⟨t⟩], split into the part on a⟨t−1⟩
    (G, n_a) and the part on x⟨t⟩ (G, n_x), each C-contiguous for BLAS."""
    Wa, Wx = empty_aligned((W.shape[0], n_a), W.dtype), empty_aligned(
        (W.shape[0], W.shape[1] - n_a), W.dtype)
    np.copyto(Wa, W[:, :n_a])
    np.copyto(Wx, W[:, n_a:])
    return Wa, Wx


def check_weights(W, b, n_gates: int, n_x: int, where: str, names: str):
    """W (n_gates·n_a, n_a + n_x) and b (n_gates·n_a,) as Tensors; returns n_a."""
    if W.ndim != 2 or W.shape[0] % n_gates or W.shape[1] != W.shape[0] // n_gates + n_x:
        raise ValueError(f"{where}: W must have shape ({n_gates}·n_a, n_a + n_x) for inputs "
                         f"with n_x = {n_x} ({names} stacked by rows, each acting on "
                         f"[a⟨t−1⟩; x⟨t⟩]) but got {tuple(W.shape)}")
    n_a = W.shape[0] // n_gates
    if b.shape != (n_gates * n_a,):
        raise ValueError(f"{where}: b must have shape ({n_gates}·n_a,) = ({n_gates * n_a},) "
                         f"for W of shape {tuple(W.shape)}, but got {tuple(b.shape)}")
    return n_a


def unpack(out, T_x: int, n_finals: int):
    """The packed output's pieces: Y (m, T_x, n_a) and the final states (m, n_a)."""
    return (out[:, :T_x],) + tuple(out[:, T_x + j] for j in range(n_finals))
