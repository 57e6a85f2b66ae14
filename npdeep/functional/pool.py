"""Pooling: max, average and global average over f × f windows of NHWC images.

Symbols (the course's): m examples; n_H_prev, n_W_prev, n_C the input's height, width and
channels; f the window size; stride the step s between windows (default f). Pooling has no
padding and keeps the channels; the output has
n_H = ⌊(n_H_prev − f)/stride⌋ + 1 rows (the same for n_W): rows and columns that do not fill
a whole window are dropped ("floor" mode, as in PyTorch and Keras).
"""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.autograd import Function
from npdeep.functional.conv import output_size
from npdeep.functional.conv_direct import copy_to_batch_last
from npdeep.functional.buffers import empty_aligned
from npdeep.kernels.pool import is_batch_last, is_channel_major
from npdeep.validation import check_int
from npdeep.tensor import Tensor
from npdeep.threads import batch_blocks, map_blocks


def check_pool_input(A_shape: tuple, f: int, stride: int, where: str) -> tuple:
    """Validate a pooling call; return the output's (n_H, n_W)."""
    if len(A_shape) != 4:
        raise ValueError(f"{where} expected input of shape (m, n_H, n_W, n_C) but got "
                         f"{tuple(A_shape)}; images are 4-D NHWC arrays")
    n_H_prev, n_W_prev = A_shape[1], A_shape[2]
    if n_H_prev < f or n_W_prev < f:
        raise ValueError(f"{where}: the image of size {n_H_prev}x{n_W_prev} (input "
                         f"{tuple(A_shape)}) is smaller than the {f}x{f} window; images are "
                         "NHWC (m, n_H, n_W, n_C)")
    return pooled_size(A_shape, f, stride)


def pooled_size(A_shape: tuple, f: int, stride: int) -> tuple:
    """(n_H, n_W) of a pool's output: ⌊(n_H_prev − f)/stride⌋ + 1 (no padding)."""
    return (output_size(A_shape[1], f, stride, (0, 0)),
            output_size(A_shape[2], f, stride, (0, 0)))


def _offsets(f: int, stride: int, n_H: int, n_W: int):
    """For each of the f·f positions (i, j) in a window, the strided slice that takes that
    position of every window at once: A[:, i + stride·h, j + stride·w] for all h, w."""
    for i in range(f):
        for j in range(f):
            yield (slice(None), slice(i, i + stride * (n_H - 1) + 1, stride),
                   slice(j, j + stride * (n_W - 1) + 1, stride))


def memory_layout(A: np.ndarray) -> str:
    """"batch_last" ((n_C, n_H, n_W, m) memory: conv2d's "rows" outputs), "channel_major"
    ((n_C, m, n_H, n_W): its im2col outputs) or "nhwc" (anything else)."""
    if is_batch_last(A):
        return "batch_last"
    return "channel_major" if is_channel_major(A) else "nhwc"


def _new_like(shape: tuple, dtype, layout: str, zeros: bool) -> np.ndarray:
    """A new (m, n_H, n_W, n_C) array in the memory layout of the input (memory_layout):
    elementwise ops between arrays of one memory order run several times faster than between
    an NHWC and a channel-major one (e.g. ReLU's backward after this), and a batch-last array
    (64-byte aligned) is the next "rows" convolution's input as it is."""
    m, n_H, n_W, n_C = shape
    if layout == "batch_last":
        new = empty_aligned((n_C, n_H, n_W, m), dtype)
        if zeros:
            new[...] = 0
        return new.transpose(3, 1, 2, 0)
    new = np.zeros if zeros else np.empty
    if layout == "channel_major":
        return new((n_C, m, n_H, n_W), dtype).transpose(1, 2, 3, 0)
    return new(shape, dtype)


def _in_layout(dA: np.ndarray, layout: str) -> np.ndarray:
    """dA in the memory order of the pooling's input: one transposing copy of the small
    (pooled) array, instead of every later op striding across two orders."""
    if layout == "batch_last" and not is_batch_last(dA):
        out = _new_like(dA.shape, dA.dtype, layout, zeros=False)
        copy_to_batch_last(dA, out.transpose(3, 1, 2, 0))
        return out
    if layout == "channel_major" and not is_channel_major(dA):
        return np.ascontiguousarray(dA.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    if layout == "nhwc" and not dA.flags.c_contiguous:
        return np.ascontiguousarray(dA)
    return dA


def _blocks(A_prev: np.ndarray, f: int, n_H: int, n_W: int) -> np.ndarray:
    """Non-overlapping windows (stride == f) as a view (m, n_H, f, n_W, f, n_C): window (h, w)
    is [:, h, :, w, :, :]. The rows and columns left over (floor mode) are cropped. Splitting
    an axis never copies, so writes through the view land in A_prev, whatever its strides."""
    m, _, _, n_C = A_prev.shape
    return A_prev[:, :n_H * f, :n_W * f].reshape(m, n_H, f, n_W, f, n_C)


def _first_max(xs: list) -> tuple:
    """Elementwise max of equally shaped arrays, and for k >= 1 the boolean masks
    ``later[k-1]``: xs[k] is strictly larger than every earlier x (ties go to the first)."""
    if len(xs) == 1:
        return xs[0].copy(order="K"), []
    best = np.maximum(xs[0], xs[1])
    later = [xs[1] > xs[0]]
    for x in xs[2:]:
        later.append(x > best)
        np.maximum(best, x, out=best)
    return best, later


def _winner(later: list) -> np.ndarray:
    """The index of the winner of _first_max: the last k whose ``later[k-1]`` is set, else 0."""
    won = np.zeros(later[0].shape, np.int8)
    for k, mask in enumerate(later, start=1):
        np.copyto(won, k, where=mask)
    return won


# Threads (npdeep.threads): every pooling is independent per image, so the batch is cut into
# blocks of whole images and each thread pools its own block into its own slice of the output.
# Max and average pooling compute each output from its window in a fixed order, so the result
# is the same bit for bit whatever the thread count. A block needs MIN_ELEMENTS_PER_THREAD
# input values to be worth a thread (about 50 µs of elementwise work).
MIN_ELEMENTS_PER_THREAD = 100_000
# Batch-last 2x2 windows run vectorized over the images, at about memory speed (LeNet-5's
# first pool, 128x28x28x6: forward 0.03 ms, backward 0.04 on one thread), less than a
# thread's hand-off costs: they take a block per thread only from this many input values.
MIN_BATCH_LAST_ELEMENTS_PER_THREAD = 2_000_000


def _each_block(shape: tuple, fn, layout: str = "nhwc") -> list:
    """[fn(images) for each block of images]: fn takes a slice of the batch axis."""
    per_image = max(1, int(np.prod(shape[1:])))
    least = (MIN_BATCH_LAST_ELEMENTS_PER_THREAD if layout == "batch_last"
             else MIN_ELEMENTS_PER_THREAD)
    blocks = batch_blocks(shape[0], min_per_thread=-(-least // per_image))
    return map_blocks(lambda block: fn(slice(*block)), blocks)


class MaxPool2d(Function):
    # NOTE: ties. When several entries of a window equal its max, the whole gradient goes to
    # the first of them in row-major order inside the window, as PyTorch does (the course's
    # create_mask_from_window would give it to every tied entry; the two agree whenever each
    # window's max is unique, e.g. for continuous inputs).

    @staticmethod
    def forward(ctx, A_prev, f=2, stride=2):
        m, _, _, n_C = A_prev.shape
        n_H, n_W = pooled_size(A_prev.shape, f, stride)
        ctx.shape, ctx.f, ctx.stride = A_prev.shape, f, stride
        ctx.layout = memory_layout(A_prev)
        A = _new_like((m, n_H, n_W, n_C), A_prev.dtype, ctx.layout, zeros=False)
        if kernels.active():  # compiled (npdeep[fast]); the NumPy code below is its reference
            ctx.winner = winner = kernels.max_pool_winners(A, f)
            _each_block(A_prev.shape, lambda images: kernels.max_pool_forward(
                A_prev, f, stride, A, winner, images), ctx.layout)
            return A
        if stride == f == 2:
            # The max in two passes over halves of the input: the two rows of every window
            # first (for NHWC input, long contiguous runs), then the two entries left. The
            # winners (ties: the first, row-major) are found in the backward, from A.
            V = _blocks(A_prev, f, n_H, n_W)  # (m, n_H, 2, n_W, 2, n_C)

            def pool(images):
                rows = np.maximum(V[images, :, 0], V[images, :, 1])  # (m, n_H, n_W, 2, n_C)
                np.maximum(rows[:, :, :, 0], rows[:, :, :, 1], out=A[images])

            _each_block(A_prev.shape, pool)
            ctx.V, ctx.A = V, A
            return A
        if stride == f:
            # Two stages, each over one axis of the window: the first max along each window
            # row (j), then the first row (i) holding the max. That is the row-major first
            # max; each stage remembers which entry won ("later" masks: entry k beat all
            # entries before it), per block of images.
            V = _blocks(A_prev, f, n_H, n_W)

            def pool(images):
                row_max, j_later = [], []
                for i in range(f):
                    best, later = _first_max([V[images, :, i, :, j] for j in range(f)])
                    row_max.append(best)
                    j_later.append(later)
                A[images], i_later = _first_max(row_max)
                return images, i_later, j_later

            ctx.later = _each_block(A_prev.shape, pool)
            return A

        def pool(images):
            A_block = A[images]
            for k, index in enumerate(_offsets(f, stride, n_H, n_W)):
                if k == 0:
                    A_block[...] = A_prev[images][index]
                else:
                    np.maximum(A_block, A_prev[images][index], out=A_block)

        _each_block(A_prev.shape, pool)
        ctx.A_prev, ctx.A = A_prev, A
        return A

    @staticmethod
    def backward(ctx, dA):
        f, stride = ctx.f, ctx.stride
        n_H, n_W = dA.shape[1], dA.shape[2]
        if hasattr(ctx, "winner"):  # the forward ran compiled
            dA = _in_layout(dA, ctx.layout)
            dA_prev = _new_like(ctx.shape, dA.dtype, ctx.layout,
                                zeros=kernels.needs_zeros(ctx.shape, f, stride))
            _each_block(ctx.shape, lambda images: kernels.max_pool_backward(
                dA, ctx.winner, f, stride, dA_prev, images), ctx.layout)
            return dA_prev
        if stride == f:
            dA = _in_layout(dA, ctx.layout)
            covered = ctx.shape[1] == n_H * f and ctx.shape[2] == n_W * f
            dA_prev = _new_like(ctx.shape, dA.dtype, ctx.layout, zeros=not covered)
            dV = _blocks(dA_prev, f, n_H, n_W)
            if f == 2:
                V, A = ctx.V, ctx.A

                def route(images):
                    # Entry (i, j) wins where it equals the max and no earlier entry
                    # (row-major) did; the last one wins wherever none of the first three did.
                    dA_block, A_block, V_block, dV_block = dA[images], A[images], V[images], \
                        dV[images]
                    taken = V_block[:, :, 0, :, 0] == A_block
                    np.multiply(dA_block, taken, out=dV_block[:, :, 0, :, 0])
                    for i, j in ((0, 1), (1, 0)):
                        won = V_block[:, :, i, :, j] == A_block
                        np.greater(won, taken, out=won)  # won and not taken
                        taken |= won
                        np.multiply(dA_block, won, out=dV_block[:, :, i, :, j])
                    np.multiply(dA_block, ~taken, out=dV_block[:, :, 1, :, 1])

                _each_block(ctx.shape, route)
                return dA_prev
            # Which row won each window, and which entry won inside each row; entry (i, j)
            # gets dA where both match, 0 elsewhere: one product per entry, written straight
            # into its strided place in dA_prev (no routed temporaries).
            if f == 1:  # every window is one entry
                dV[:, :, 0, :, 0] = dA
                return dA_prev

            def route(later):  # f >= 3 here
                images, i_later, j_later = later
                i_won = _winner(i_later)
                for i in range(f):
                    row_won = i_won == i
                    j_won = _winner(j_later[i])
                    for j in range(f):
                        np.multiply(dA[images], (j_won == j) & row_won,
                                    out=dV[images, :, i, :, j])

            map_blocks(route, ctx.later)  # the forward's blocks, with their masks
            return dA_prev
        # Overlapping (or spaced) windows: an entry may win several windows; gradients add.
        A_prev, A = ctx.A_prev, ctx.A
        dA_prev = np.zeros_like(A_prev, dtype=dA.dtype)

        def route(images):
            A_block, A_prev_block, dA_block, dA_prev_block = A[images], A_prev[images], \
                dA[images], dA_prev[images]
            taken = np.zeros(A_block.shape, dtype=bool)  # windows whose max was routed
            for index in _offsets(f, stride, n_H, n_W):
                mask = A_prev_block[index] == A_block
                mask &= ~taken
                taken |= mask
                dA_prev_block[index] += dA_block * mask

        _each_block(ctx.shape, route)
        return dA_prev


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, A_prev, f=2, stride=2):
        m, _, _, n_C = A_prev.shape
        n_H, n_W = pooled_size(A_prev.shape, f, stride)
        ctx.shape, ctx.f, ctx.stride = A_prev.shape, f, stride
        ctx.layout = memory_layout(A_prev)
        A = _new_like((m, n_H, n_W, n_C), A_prev.dtype, ctx.layout, zeros=False)
        if kernels.active():  # compiled (npdeep[fast]); the NumPy code below is its reference
            _each_block(A_prev.shape, lambda images: kernels.avg_pool_forward(
                A_prev, f, stride, A, images), ctx.layout)
            return A

        def pool(images):
            A_block, A_prev_block = A[images], A_prev[images]
            for k, index in enumerate(_offsets(f, stride, n_H, n_W)):
                if k == 0:
                    A_block[...] = A_prev_block[index]
                else:
                    np.add(A_block, A_prev_block[index], out=A_block)
            A_block *= 1.0 / (f * f)

        _each_block(A_prev.shape, pool)
        return A

    @staticmethod
    def backward(ctx, dA):
        f, stride = ctx.f, ctx.stride
        n_H, n_W = dA.shape[1], dA.shape[2]
        dA = _in_layout(dA, ctx.layout)
        if kernels.active():  # compiled (npdeep[fast]); the NumPy code below is its reference
            dA_prev = _new_like(ctx.shape, dA.dtype, ctx.layout,
                                zeros=kernels.needs_zeros(ctx.shape, f, stride))
            _each_block(ctx.shape, lambda images: kernels.avg_pool_backward(
                dA, f, stride, dA_prev, images), ctx.layout)
            return dA_prev
        covered = stride == f and ctx.shape[1] == n_H * f and ctx.shape[2] == n_W * f
        dA_prev = _new_like(ctx.shape, dA.dtype, ctx.layout, zeros=not covered)

        def spread(images):
            share = dA[images] * (1.0 / (f * f))  # an equal share each
            if stride == f:
                # One strided copy per window entry: a single broadcast assignment would run
                # its innermost loop over the f entries of a window row only, several times
                # slower.
                dV = _blocks(dA_prev[images], f, n_H, n_W)
                for i in range(f):
                    for j in range(f):
                        dV[:, :, i, :, j] = share
            else:
                dA_prev_block = dA_prev[images]
                for index in _offsets(f, stride, n_H, n_W):
                    dA_prev_block[index] += share

        _each_block(ctx.shape, spread)
        return dA_prev


class GlobalAvgPool2d(Function):
    @staticmethod
    def forward(ctx, A_prev):
        ctx.shape = A_prev.shape
        return A_prev.mean(axis=(1, 2))

    @staticmethod
    def backward(ctx, dA):
        m, n_H_prev, n_W_prev, n_C = ctx.shape
        share = dA * (1.0 / (n_H_prev * n_W_prev))  # (m, n_C)
        return np.broadcast_to(share[:, None, None, :], ctx.shape).copy()


def _pool_args(A_prev, f, stride, where):
    f = check_int(f, "f", where)
    stride = f if stride is None else check_int(stride, "stride", where)
    if not isinstance(A_prev, Tensor):
        A_prev = Tensor(A_prev)
    check_pool_input(A_prev.shape, f, stride, where)
    return A_prev, f, stride


def max_pool2d(A_prev, f: int, stride: int | None = None) -> Tensor:
    """Max pooling: A[i, h, w, c] = max over the f × f window at (h·s, w·s) of channel c.

    n_H = ⌊(n_H_prev − f)/stride⌋ + 1 and n_W likewise (no padding).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C) images (NHWC).
        f: window size, an int >= 1.
        stride: step s between windows, an int >= 1; defaults to f (windows do not overlap).

    Returns:
        A: (m, n_H, n_W, n_C).

    Raises:
        ValueError: when A_prev is not 4-D, is smaller than the window, or f/stride < 1.

    NOTE: the gradient of a window goes to the first maximal entry (row-major) when several
    are tied, as in PyTorch.

    Example:
        >>> max_pool2d(A_prev, 2).shape  # (m, 28, 28, 6) -> (m, 14, 14, 6)
    """
    A_prev, f, stride = _pool_args(A_prev, f, stride, "max_pool2d")
    return MaxPool2d.apply(A_prev, f=f, stride=stride)


def avg_pool2d(A_prev, f: int, stride: int | None = None) -> Tensor:
    """Average pooling: A[i, h, w, c] = mean over the f × f window at (h·s, w·s) of channel c.

    n_H = ⌊(n_H_prev − f)/stride⌋ + 1 and n_W likewise (no padding).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C) images (NHWC).
        f: window size, an int >= 1.
        stride: step s between windows, an int >= 1; defaults to f.

    Returns:
        A: (m, n_H, n_W, n_C).

    Raises:
        ValueError: when A_prev is not 4-D, is smaller than the window, or f/stride < 1.
    """
    A_prev, f, stride = _pool_args(A_prev, f, stride, "avg_pool2d")
    return AvgPool2d.apply(A_prev, f=f, stride=stride)


def global_avg_pool2d(A_prev) -> Tensor:
    """The mean of each channel over all positions (ResNet's and Inception's last pooling).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C).

    Returns:
        A: (m, n_C).

    Raises:
        ValueError: when A_prev is not 4-D.
    """
    if not isinstance(A_prev, Tensor):
        A_prev = Tensor(A_prev)
    if A_prev.ndim != 4:
        raise ValueError(f"global_avg_pool2d expected input of shape (m, n_H, n_W, n_C) but "
                         f"got {tuple(A_prev.shape)}; images are 4-D NHWC arrays")
    return GlobalAvgPool2d.apply(A_prev)
