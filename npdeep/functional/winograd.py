"""The 3 × 3, stride-1 convolution by Winograd's minimal filtering, F(2 × 2, 3 × 3), and
F(4 × 4, 3 × 3) where the compiled path runs.

Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016), section 4:
every 2 × 2 block of outputs ("tile") is computed from the 4 × 4 patch of input d under it as

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A

with the constant matrices of winograd_transforms.py. Over channels the elementwise product
⊙ becomes a sum, so the 16 positions of the 4 × 4 transformed tile are 16 independent matrix
products of (tiles, n_C_prev) @ (n_C_prev, n_C): 16 multiplications per 4 outputs instead of
9 per one, 2.25x fewer than im2col + GEMM. The transforms Bᵀ·B and Aᵀ·A hold only 0 and ±1: they are
additions over strided views of a block of images, with no loop over tiles (tile (t_h, t_w)
starts at row 2·t_h and column 2·t_w, so "row i of every tile" is the view
X[..., i : i + 2·n_tH : 2, :]). Where numba is installed (npdeep[fast]) compiled loops do the
same transforms in one pass each (npdeep.kernels.winograd, compared with these in the tests);
the products stay in BLAS either way. The compiled path takes the larger tiles of
F(4 × 4, 3 × 3) (section 4.2: 6 × 6 patches, Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A with BT4, G4,
AT4; 36 products per 16 outputs, 4x fewer multiplications than im2col), whose transforms are
loops of a dozen multiply-adds per value that only a compiled kernel runs fast; the
NumPy path stays on F(2 × 2, 3 × 3). Everything below is written for F(2 × 2) and holds for
F(4 × 4) with 4 → 6 (α), 16 → 36 (α²) and tiles of 4 × 4 outputs.

Symbols (the course's, as in conv.py): m examples; n_H_prev, n_W_prev, n_C_prev the input's
height, width and channels; n_C filters; W (3, 3, n_C_prev, n_C); n_tH = ⌈n_H/2⌉ and
n_tW = ⌈n_W/2⌉ tiles per image; P = m·n_tH·n_tW tiles in all.
Output size (stride 1): n_H = n_H_prev + pad_top + pad_bottom − 2, and likewise n_W.

Memory is NHWC: the GEMMs are (tiles, n_C_prev) @ (n_C_prev, n_C), and every strided view
of a tile row or column still reads runs of n_C_prev contiguous channels. The batch is
processed a block of whole images at a time (CHUNK_BYTES of V and M), so that the transformed
tiles are still in cache when the GEMMs read them; backward rebuilds V block by block rather
than keeping it (4x the input) in memory.

Backward is the same algorithm transposed (the adjoint of each linear step, in reverse):
dM = A dY Aᵀ per tile, dV = Uᵀ-products (16 GEMMs), dX = B dV Bᵀ added back into the
overlapping input patches, and dU = dM·Vᵀ (16 GEMMs) gives dW = Gᵀ dU G.

Float error: the transforms add at most 4 terms per stage with coefficients ±1 and ±½ (exact
in binary), so the rounding is a few ulps of |d|·|g| sums, like the direct sum; measured
(tests/functional/test_winograd.py) float32 Z, dA_prev and dW differ from the float64 result
by 1e-7 to 6e-7 of their largest entry on unit-normal inputs, as im2col's float32 GEMM does
(the test's bound is 5e-6). F(4 × 4)'s transforms have coefficients up to 8 (G4's are
1/4, 1/6, 1/12, 1/24, not exact in binary): its float32 error is larger, measured 1e-6 to
2.5e-6 of the largest entry, still within the same bound.
"""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.autograd import Function
from npdeep.functional.conv import check_conv_input
from npdeep.functional.winograd_transforms import (AT, AT4, BT, BT4, G, G4,  # noqa: F401
                                                   _input_transform, _input_transform_adjoint,
                                                   _output_transform,
                                                   _output_transform_adjoint)
from npdeep.tensor import Tensor
from npdeep.threads import batch_blocks, map_blocks

def supports(W_shape: tuple, stride: int) -> bool:
    """Whether this algorithm applies: 3 × 3 filters at stride 1 (any padding)."""
    return tuple(W_shape[:2]) == (3, 3) and stride == 1


# Where conv2d takes this algorithm instead of im2col. Measured (float32, "same", forward +
# backward, one thread, minimum of 25 interleaved rounds; ms for im2col / Winograd with the
# NumPy transforms / with the compiled ones):
#   32x16x16x64 -> 64    15.0 / 10.2 /  9.5     (1.5-1.6x faster)
#   16x8x8x128 -> 128     7.6 /  4.3 /  4.1     (1.8x)
#   32x16x16x32 -> 32     4.6 /  4.6 /  3.7     (1.0-1.2x)
#   32x32x32x16 -> 32     8.3 / 12.4 /  9.1     (slower: 16-channel GEMMs run far below
#   64x28x28x3 -> 16      2.0 / 10.6 /  6.1      BLAS's peak, and the transforms dominate)
# The compiled path runs F(4 × 4, 3 × 3) instead (4x fewer multiplications than im2col, and
# V and M 2.25x the input and output instead of 4x). Measured on a shared 2-core machine, one
# thread, median CPU ms of 6 interleaved rounds, im2col / compiled F(2 × 2) / compiled F(4 × 4):
#   32x16x16x64 -> 64    13.6 /  8.9 /  5.6
#   32x32x32x16 -> 32     7.7 /  8.7 /  6.6     (F(4 × 4) wins from 16 channels on ...
#   32x32x32x32 -> 16    12.5 / 10.5 /  7.9
#   32x16x16x32 -> 32     4.5 /  3.7 /  2.6
#   16x8x8x16 -> 32       0.40 / 0.38 / 0.35
#   32x16x16x16 -> 16     1.43 / 1.73 / 1.38    (... to even at 16 on both sides,
#   32x32x32x8 -> 16      2.7 /  4.5 /  4.5      but loses with fewer: the channel loop of
#   64x28x28x3 -> 16      2.0 /  6.6 /  5.8      the transforms is too short to vectorize)
# Outputs smaller than 4 × 4 (most of a tile cropped) were not measured and stay on im2col.
MIN_CHANNELS = 32
MIN_CHANNELS_COMPILED = (16, 32)  # (the fewer, the more) channels of input and output
MIN_OUTPUT = 4


def preferred(W_shape: tuple, stride: int, n_H: int, n_W: int) -> bool:
    """Whether conv2d should take Winograd for filters W_shape and an n_H × n_W output."""
    if not supports(W_shape, stride) or min(n_H, n_W) < MIN_OUTPUT:
        return False
    fewer, more = sorted(W_shape[2:4])
    if kernels.active():
        return fewer >= MIN_CHANNELS_COMPILED[0] and more >= MIN_CHANNELS_COMPILED[1]
    return fewer >= MIN_CHANNELS


def transform_filter(W: np.ndarray, G_=G) -> np.ndarray:
    """U = G g Gᵀ for every (input, output) channel pair: (3, 3, n_C_prev, n_C) -> (α, α, ...),
    α = 4 for F(2 × 2, 3 × 3)'s G, 6 for F(4 × 4, 3 × 3)'s G4."""
    G_ = G_.astype(W.dtype)
    return _sandwich(G_, W)


def _sandwich(L: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Σ_{i,j} L[a, i] X[i, j, c, n] L[b, j] for every (a, b): L X Lᵀ over the first two
    axes, as two tensordots (a quarter of the time of the same np.einsum, measured: its path
    search alone costs more than these small products)."""
    T = np.tensordot(L, X, axes=(1, 0))  # (a, j, c, n)
    S = np.tensordot(L, T, axes=(1, 1))  # (b, a, c, n)
    return np.ascontiguousarray(S.transpose(1, 0, 2, 3))


CHUNK_BYTES = 2 * 2**20  # V and M of one block of images (measured: 2-8 MiB run fastest on
# the NumPy path; the compiled F(4 × 4) path at two threads 5-7 % faster at 2 MiB than 4)


# Threads (npdeep.threads), as conv.py's im2col: the batch is cut into blocks of whole images,
# one per thread, each running its transforms and GEMMs start to finish on its own scratch
# buffers and writing its own slice of Z and dA_prev; the blocks' dU are added in block order,
# so a run is repeatable bit for bit at a given thread count. A block needs at least
# MIN_FLOPS_PER_THREAD multiply-adds (of its forward GEMMs) to be worth a thread.
MIN_FLOPS_PER_THREAD = 2_000_000
COMPILED_TILE = 4  # the output tile of the compiled path: F(4 × 4, 3 × 3)


class _Plan:
    """Shapes and the path of one Winograd convolution.

    Each thread's images are processed a block ("chunk") of whole images at a time, so that
    V and M (4x and 4·n_C/n_C_prev x the chunk's input) stay in cache between the transforms
    and the GEMMs that read them. Two paths: the NumPy transforms above, with tiles laid out
    (4, 4, images, n_tH, n_tW, n), or the compiled ones (npdeep.kernels.winograd, when
    npdeep.kernels.active()), tile-major (images, n_tH, n_tW, α², n). The GEMMs see both as
    (α², tiles, n).

    ``tile`` is the side of an output tile: 2 for F(2 × 2, 3 × 3) (α = 4, 16 GEMMs), 4 for
    F(4 × 4, 3 × 3) (α = 6, 36 GEMMs; the compiled path only). None picks 4 where the
    compiled path runs, else 2.
    """

    def __init__(self, A_shape: tuple, n_C: int, pads: tuple, dtype, chunk_bytes=None,
                 tile=None):
        m, n_H_prev, n_W_prev, n_C_prev = A_shape
        (top, bottom), (left, right) = pads
        self.compiled = kernels.active()
        self.t = tile if tile is not None else COMPILED_TILE if self.compiled else 2
        if self.t == 4 and not self.compiled:
            raise ValueError("Winograd F(4 x 4, 3 x 3) runs on the compiled path only "
                             "(npdeep.kernels.active() is False); use tile=2")
        self.alpha = self.t + 2
        self.positions = self.alpha * self.alpha  # α², the GEMMs of each pass
        self.G = G if self.t == 2 else G4
        self.n_H, self.n_W = n_H_prev + top + bottom - 2, n_W_prev + left + right - 2
        self.n_tH, self.n_tW = -(-self.n_H // self.t), -(-self.n_W // self.t)
        self.top, self.left = top, left
        self.A_shape, self.n_C, self.dtype = A_shape, n_C, np.dtype(dtype)
        self.tiles = self.n_tH * self.n_tW  # per image
        per_image = self.positions * self.tiles * (n_C_prev + n_C) * self.dtype.itemsize
        chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
        self.images = max(1, min(m, chunk_bytes // per_image))  # per chunk
        flops = self.positions * self.tiles * n_C_prev * n_C  # one image's forward GEMMs
        self.thread_blocks = batch_blocks(m, min_per_thread=-(-MIN_FLOPS_PER_THREAD // flops))

    def chunks(self, first: int, last: int) -> list:
        return [(i, min(i + self.images, last)) for i in range(first, last, self.images)]

    def padded(self) -> np.ndarray:
        """A zeroed (images, t·n_tH + 2, t·n_tW + 2, n_C_prev) buffer: the tile grid, with the
        image's zero padding (and one more zero row/column when n_H or n_W is odd)."""
        t = self.t
        return np.zeros((self.images, t * self.n_tH + 2, t * self.n_tW + 2, self.A_shape[3]),
                        self.dtype)

    def inside(self, X: np.ndarray, count: int) -> np.ndarray:
        """The view of X's first ``count`` images where the input goes (inside the padding)."""
        _, n_H_prev, n_W_prev, _ = self.A_shape
        return X[:count, self.top:self.top + n_H_prev, self.left:self.left + n_W_prev]

    def buffer(self, n: int) -> np.ndarray:
        """Room for the transformed tiles of one chunk, n channels each."""
        return np.empty(self.positions * self.images * self.tiles * n, self.dtype)

    def tiles_of(self, buffer: np.ndarray, count: int, n: int) -> np.ndarray:
        """The tiles of ``count`` images in buffer, in this path's layout (contiguous)."""
        shape = ((count, self.n_tH, self.n_tW, self.positions, n) if self.compiled
                 else (4, 4, count, self.n_tH, self.n_tW, n))
        return buffer[:self.positions * count * self.tiles * n].reshape(shape)

    def gemm_view(self, T: np.ndarray) -> np.ndarray:
        """(α², tiles, n): the operand of the α² GEMMs (a strided view when tile-major)."""
        if self.compiled:
            return T.reshape(-1, self.positions, T.shape[-1]).transpose(1, 0, 2)
        return T.reshape(16, -1, T.shape[-1])

    def fill_V(self, A_prev, X, V_buffer, start, stop) -> np.ndarray:
        """The transformed tiles V of images start..stop-1, as tiles_of gives them."""
        count, n_C_prev = stop - start, self.A_shape[3]
        np.copyto(self.inside(X, count), A_prev[start:stop])
        V = self.tiles_of(V_buffer, count, n_C_prev)
        if self.compiled:
            kernels.winograd.input_transform(X[:count], V, self.t)
        else:
            rows = np.empty((4, count, self.n_tH, X.shape[2], n_C_prev), self.dtype)
            _input_transform(X[:count], rows, V)
        return V

    def output(self, M: np.ndarray, Y: np.ndarray) -> None:
        if self.compiled:
            kernels.winograd.output_transform(M, Y, self.t)
        else:
            s = np.empty((2, 4, Y.shape[0], self.n_tH, self.n_tW, self.n_C), self.dtype)
            _output_transform(M, s, Y)

    def output_adjoint(self, dY: np.ndarray, dM: np.ndarray) -> None:
        if self.compiled:
            kernels.winograd.output_transform_adjoint(dY, dM, self.t)
        else:
            t = np.empty((4, dY.shape[0], self.n_tH, self.n_tW, 2, self.n_C), self.dtype)
            _output_transform_adjoint(dY, t, dM)

    def input_adjoint(self, dV: np.ndarray, dX: np.ndarray) -> None:
        if self.compiled:
            kernels.winograd.input_transform_adjoint(dV, dX, self.t)
        else:
            rows = np.empty((4, dX.shape[0], self.n_tH, dX.shape[2], self.A_shape[3]),
                            self.dtype)
            _input_transform_adjoint(dV, rows, dX)


def _forward_images(plan: _Plan, A_prev, U, Y, first: int, last: int, bias=None) -> None:
    """Y[first:last] (m, n_tH, t, n_tW, t, n_C) of images first..last-1, chunk by chunk."""
    X = plan.padded()
    V_buffer, M_buffer = plan.buffer(A_prev.shape[3]), plan.buffer(plan.n_C)
    for start, stop in plan.chunks(first, last):
        V = plan.fill_V(A_prev, X, V_buffer, start, stop)
        M = plan.tiles_of(M_buffer, stop - start, plan.n_C)
        np.matmul(plan.gemm_view(V), U, out=plan.gemm_view(M))  # the α² GEMMs
        plan.output(M, Y[start:stop])
        if bias is not None:  # while the chunk is in cache, in this block's thread
            Y[start:stop] += bias


def _backward_images(plan: _Plan, A_prev, U, dZ, dA_prev, need_dW: bool, first: int,
                     last: int):
    """dA_prev[first:last] (when dA_prev is not None), and this block's dU (when need_dW)."""
    m, n_H, n_W, n_C = dZ.shape
    n_C_prev, n_tH, n_tW = U.shape[1], plan.n_tH, plan.n_tW
    X = plan.padded() if need_dW else None
    dX = plan.padded() if dA_prev is not None else None
    V_buffer, dM_buffer = plan.buffer(n_C_prev), plan.buffer(n_C)
    t = plan.t
    dY = None  # made on first need: zeros in the cropped tail
    dU = np.zeros((plan.positions, n_C_prev, n_C), plan.dtype) if need_dW else None
    UT = np.ascontiguousarray(U.transpose(0, 2, 1))  # (measured: the dV GEMMs 27 % faster
    # with Uᵀ in memory than as BLAS's transposed operand, 16 -> 32 channels)
    exact = n_H == t * n_tH and n_W == t * n_tW  # no tile runs past the output's edge
    for start, stop in plan.chunks(first, last):
        count = stop - start
        if exact and dZ[start:stop].flags.c_contiguous:  # the tiles cover dZ: read it as is
            dY_chunk = dZ[start:stop]
        else:
            if dY is None:
                dY = np.zeros((plan.images, t * n_tH, t * n_tW, n_C), plan.dtype)
            dY[:count, :n_H, :n_W] = dZ[start:stop]
            dY_chunk = dY[:count]
        dM = plan.tiles_of(dM_buffer, count, n_C)
        plan.output_adjoint(dY_chunk.reshape(count, n_tH, t, n_tW, t, n_C), dM)
        dM_gemm = plan.gemm_view(dM)  # (α², tiles of the chunk, n_C)
        if need_dW:
            V = plan.gemm_view(plan.fill_V(A_prev, X, V_buffer, start, stop))
            dU += np.matmul(V.transpose(0, 2, 1), dM_gemm)  # α² GEMMs: (α², n_C_prev, n_C)
        if dA_prev is not None:
            dV = plan.tiles_of(V_buffer, count, n_C_prev)
            np.matmul(dM_gemm, UT, out=plan.gemm_view(dV))  # α² GEMMs
            plan.input_adjoint(dV, dX[:count])
            np.copyto(dA_prev[start:stop], plan.inside(dX, count))
    return dU


class Conv2dWinograd(Function):
    """Z = conv(A_prev, W) + b for 3 × 3 filters at stride 1, by Winograd F(2 × 2, 3 × 3).

    ``chunk_bytes`` sets the chunk size (tests make it small to cross chunk edges)."""

    @staticmethod
    def forward(ctx, A_prev, W, b, pads=((1, 1), (1, 1)), chunk_bytes=None, tile=None):
        dtype = np.result_type(A_prev, W)
        A_prev, W = A_prev.astype(dtype, copy=False), W.astype(dtype, copy=False)
        m, _, _, n_C_prev = A_prev.shape
        n_C = W.shape[3]
        plan = _Plan(A_prev.shape, n_C, pads, dtype, chunk_bytes, tile)
        n_tH, n_tW, t = plan.n_tH, plan.n_tW, plan.t
        U = transform_filter(W, plan.G).reshape(plan.positions, n_C_prev, n_C)  # (α², ...)
        Y = np.empty((m, n_tH, t, n_tW, t, n_C), dtype)
        bias = None if b is None else b.reshape(n_C).astype(dtype, copy=False)
        map_blocks(lambda block: _forward_images(plan, A_prev, U, Y, *block, bias),
                   plan.thread_blocks)
        Y = Y.reshape(m, t * n_tH, t * n_tW, n_C)[:, :plan.n_H, :plan.n_W]
        if any(ctx.needs_input_grad):
            ctx.A_prev, ctx.U, ctx.plan = A_prev, U, plan
            ctx.b_shape = None if b is None else b.shape
        return Y  # (m, n_H, n_W, n_C)

    @staticmethod
    def backward(ctx, dZ):
        A_prev, U, plan = ctx.A_prev, ctx.U, ctx.plan
        dtype = U.dtype
        n_C_prev, n_C = U.shape[1], U.shape[2]
        dZ = dZ.astype(dtype, copy=False)
        needs = ctx.needs_input_grad
        dA_prev = np.empty(A_prev.shape, dtype) if needs[0] else None
        need_db = len(needs) > 2 and needs[2] and ctx.b_shape is not None

        def backward_block(block):
            dU = _backward_images(plan, A_prev, U, dZ, dA_prev, needs[1], *block)
            first, last = block  # db's share of this block, in its own thread
            return dU, dZ[first:last].sum(axis=(0, 1, 2)) if need_db else None

        results = map_blocks(backward_block, plan.thread_blocks)
        dUs = [dU for dU, _ in results]
        dW = db = None
        if needs[1]:
            dU = dUs[0]
            for more in dUs[1:]:  # in block order: repeatable at a given thread count
                dU += more
            G_, alpha = plan.G.astype(dtype), plan.alpha
            dW = _sandwich(G_.T, dU.reshape(alpha, alpha, n_C_prev, n_C))  # Gᵀ dU G
        if need_db:
            db = results[0][1]
            for _, more in results[1:]:  # in block order, as dU
                db += more
            db = db.reshape(ctx.b_shape)  # (n_C,)
        return dA_prev, dW, db


def conv2d_winograd(A_prev, W, b=None, padding="same") -> Tensor:
    """The 3 × 3, stride-1 convolution of conv2d, computed by Winograd F(2 × 2, 3 × 3).

    Z[i, h, w, c] = Σ_{di, dj, c'} A_pad[i, h + di, w + dj, c'] · W[di, dj, c', c] + b[c],
    with n_H = n_H_prev + 2·pad − 2 (n_H = n_H_prev for "same", n_H_prev − 2 for "valid").
    The same values as conv2d up to float rounding, with 2.25x fewer multiplications.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input images (NHWC).
        W: (3, 3, n_C_prev, n_C) filters.
        b: (n_C,) biases (or (1, 1, 1, n_C)), or None.
        padding: "same", "valid" or an int pad >= 0, as conv2d.

    Returns:
        Z: (m, n_H, n_W, n_C).

    Raises:
        ValueError: when W is not 3 × 3, or as conv2d for bad shapes and hyperparameters.

    Example:
        >>> conv2d_winograd(A_prev, W, b, "same").shape  # (m, 32, 32, 16) -> (m, 32, 32, 32)
    """
    if tuple(W.shape[:2]) != (3, 3):
        raise ValueError(f"conv2d_winograd: W must have shape (3, 3, n_C_prev, n_C); got "
                         f"{tuple(W.shape)}; use conv2d for other filter sizes")
    if not isinstance(A_prev, Tensor):
        A_prev = Tensor(A_prev, dtype=W.dtype)
    pads = check_conv_input(A_prev.shape, tuple(W.shape), None if b is None else b.shape,
                            1, padding, where="conv2d_winograd")
    return Conv2dWinograd.apply(A_prev, W, b, pads=pads)
