"""Winograd F(2x2, 3x3): its transforms, gradient checks, im2col conv2d, the course's loops,
float32 error, blocks, PyTorch, and errors."""
import numpy as np
import pytest

from harness import assert_gradcheck, randn, to_torch, torch_or_skip
from npdeep import functional as F
from npdeep import kernels
from npdeep.functional import winograd
from npdeep.functional.winograd import Conv2dWinograd, conv2d_winograd
from npdeep.reference import cnn
from npdeep.tensor import Tensor

# (m, n_H_prev, n_W_prev, n_C_prev, n_C, padding): odd sizes (a cropped tile row/column),
# 1 x 1 images padded, m = 1, "valid", and ints.
CASES = [
    (2, 5, 5, 2, 3, "same"),
    (1, 6, 7, 3, 2, "valid"),
    (1, 1, 1, 2, 2, "same"),
    (3, 4, 3, 1, 1, 1),
    (1, 3, 3, 2, 2, "valid"),
    (2, 2, 5, 2, 1, 2),
    (1, 7, 4, 1, 3, 0),
]


def make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, seed=0):
    return (randn(m, n_H_prev, n_W_prev, n_C_prev, seed=seed), randn(3, 3, n_C_prev, n_C,
            seed=seed + 1), randn(n_C, seed=seed + 2))


def small_blocks(A, W, b, padding):
    """Blocks of one image each (chunk_bytes=1), so that every case crosses block edges."""
    pads = F.conv.check_conv_input(A.shape, W.shape, None if b is None else b.shape, 1, padding)
    return Conv2dWinograd.apply(A, W, b, pads=pads, chunk_bytes=1)


def test_transforms_match_the_papers_matrices():
    """The strided additions compute Bᵀ d B and Aᵀ M A of every tile, tile by tile."""
    rng = np.random.default_rng(0)
    n_tH, n_tW, n_C = 3, 2, 5
    X = rng.standard_normal((2, 2 * n_tH + 2, 2 * n_tW + 2, n_C))
    V = np.empty((4, 4, 2, n_tH, n_tW, n_C))
    winograd._input_transform(X, np.empty((4, 2, n_tH, X.shape[2], n_C)), V)
    M = rng.standard_normal((4, 4, 2, n_tH, n_tW, n_C))
    Y = np.empty((2, n_tH, 2, n_tW, 2, n_C))
    winograd._output_transform(M, np.empty((2, 4, 2, n_tH, n_tW, n_C)), Y)
    for i in range(2):
        for th in range(n_tH):
            for tw in range(n_tW):
                d = X[i, 2 * th:2 * th + 4, 2 * tw:2 * tw + 4]  # (4, 4, n_C)
                expected = np.einsum("ak,klc,bl->abc", winograd.BT, d, winograd.BT)
                np.testing.assert_allclose(V[:, :, i, th, tw], expected, atol=1e-12)
                m = M[:, :, i, th, tw]
                expected = np.einsum("ra,abc,sb->rsc", winograd.AT, m, winograd.AT)
                np.testing.assert_allclose(Y[i, th, :, tw], expected, atol=1e-12)


def test_filter_transform_is_G_g_Gt():
    W = randn(3, 3, 2, 3).data
    U = winograd.transform_filter(W)
    np.testing.assert_allclose(U[..., 1, 2], winograd.G @ W[..., 1, 2] @ winograd.G.T,
                               atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_gradcheck(case):
    m, n_H_prev, n_W_prev, n_C_prev, n_C, padding = case
    A, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C)
    assert_gradcheck(lambda A, W, b: conv2d_winograd(A, W, b, padding), [A, W, b])
    assert_gradcheck(lambda A, W, b: small_blocks(A, W, b, padding), [A, W, b])


def test_gradcheck_without_bias():
    A, W, _ = make_inputs(2, 5, 4, 2, 2)
    assert_gradcheck(lambda A, W: conv2d_winograd(A, W, None, "same"), [A, W])


@pytest.mark.parametrize("case", CASES)
def test_matches_im2col_conv2d(case):
    m, n_H_prev, n_W_prev, n_C_prev, n_C, padding = case
    A, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, seed=4)
    grads = []
    for conv in (lambda: conv2d_winograd(A, W, b, padding), lambda: small_blocks(A, W, b, padding),
                 lambda: F.conv2d(A, W, b, 1, padding)):
        A.grad = W.grad = b.grad = None
        Z = conv()
        Z.backward(np.random.default_rng(1).standard_normal(Z.shape))
        grads.append((Z.data, A.grad, W.grad, b.grad))
    for got in grads[:2]:
        for x, y in zip(got, grads[2]):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", [(2, 7, 6, 3, 4, 1), (1, 5, 5, 2, 2, 0), (1, 1, 1, 2, 3, 1)])
def test_matches_course_loops(case):
    m, n_H_prev, n_W_prev, n_C_prev, n_C, pad = case
    A, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, seed=7)
    Z_ref, cache = cnn.conv_forward(A.data, W.data, b.data.reshape(1, 1, 1, n_C),
                                    {"stride": 1, "pad": pad})
    Z = conv2d_winograd(A, W, b, pad)
    np.testing.assert_allclose(Z.data, Z_ref, rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(3).standard_normal(Z.shape)
    Z.backward(dZ)
    dA_prev_ref, dW_ref, db_ref = cnn.conv_backward(dZ, cache)
    np.testing.assert_allclose(A.grad, dA_prev_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, dW_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad, db_ref.reshape(n_C), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 9, 16, 8), (2, 16, 64, 32), (3, 7, 3, 5)])
def test_float32_error_is_that_of_float_rounding(shape):
    """Float32 Z, dA_prev and dW within 5e-6 of the float64 values, relative to their largest
    entry (measured 1e-7 to 6e-7, as im2col's float32 GEMM)."""
    m, n, n_C_prev, n_C = shape
    A, W, b = make_inputs(m, n, n, n_C_prev, n_C, seed=2)
    dZ = np.random.default_rng(5).standard_normal((m, n, n, n_C))
    Z64 = conv2d_winograd(A, W, b, "same")
    Z64.backward(dZ)
    A32, W32, b32 = (Tensor(t.data.astype(np.float32), requires_grad=True) for t in (A, W, b))
    Z32 = conv2d_winograd(A32, W32, b32, "same")
    assert Z32.dtype == np.float32
    Z32.backward(dZ.astype(np.float32))
    for x32, x64 in ((Z32.data, Z64.data), (A32.grad, A.grad), (W32.grad, W.grad)):
        assert np.abs(x32 - x64).max() / np.abs(x64).max() < 5e-6


def test_only_the_needed_gradients():
    A, W, b = make_inputs(2, 4, 4, 2, 3)
    A.requires_grad = False
    Z = conv2d_winograd(A, W, b)
    Z.backward(np.ones(Z.shape))
    assert A.grad is None and W.grad is not None and b.grad is not None


def test_matches_torch():
    torch = torch_or_skip()
    A, W, b = make_inputs(2, 7, 6, 3, 4, seed=9)
    Z = conv2d_winograd(A, W, b, "same")
    R = np.random.default_rng(0).standard_normal(Z.shape)
    Z.backward(R)
    tA, tW, tb = to_torch(A), to_torch(W), to_torch(b)
    tZ = torch.nn.functional.conv2d(tA.permute(0, 3, 1, 2), tW.permute(3, 2, 0, 1), tb,
                                    padding=1).permute(0, 2, 3, 1)
    (tZ * torch.tensor(R)).sum().backward()
    np.testing.assert_allclose(Z.data, tZ.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in ((A, tA), (W, tW), (b, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_rejects_other_filter_sizes():
    A, W, b = make_inputs(1, 5, 5, 2, 2)
    with pytest.raises(ValueError, match=r"conv2d_winograd: W must have shape \(3, 3, n_C_prev, "
                                         r"n_C\); got \(5, 5, 2, 2\); use conv2d"):
        conv2d_winograd(A, randn(5, 5, 2, 2), b)
    with pytest.raises(ValueError, match=r"conv2d_winograd expected input of shape"):
        conv2d_winograd(randn(1, 2, 5, 5), W, b)


@pytest.mark.parametrize("compiled", [False, True])
def test_conv2d_takes_winograd_where_it_is_faster(compiled):
    """3 x 3, stride 1, >= 32 channels in and out (compiled: >= 16 and >= 32): conv2d runs
    Winograd, with im2col's values."""
    if compiled and not kernels.available():
        pytest.skip("numba is not installed")
    with kernels.use(compiled):
        check_conv2d_takes_winograd(compiled)


def check_conv2d_takes_winograd(compiled):
    A, W, b = make_inputs(2, 6, 5, 32, 33, seed=3)
    Z = F.conv2d(A, W, b, 1, "same")
    assert isinstance(Z._ctx, Conv2dWinograd)
    Z.backward(np.ones(Z.shape))
    grads = A.grad, W.grad, b.grad
    A.grad = W.grad = b.grad = None
    pads = F.conv.check_conv_input(A.shape, W.shape, b.shape, 1, "same")
    Z_im2col = F.conv.Conv2d.apply(A, W, b, stride=1, pads=pads)
    Z_im2col.backward(np.ones(Z.shape))
    np.testing.assert_allclose(Z.data, Z_im2col.data, rtol=1e-10, atol=1e-12)
    for got, expected in zip(grads, (A.grad, W.grad, b.grad)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    im2col_there = [((3, 3, 8, 32), 1), ((3, 3, 16, 16), 1), ((3, 3, 32, 32), 2),
                    ((5, 5, 32, 32), 1)]
    winograd_there = [((3, 3, 16, 32), 1), ((3, 3, 32, 16), 1)]
    if not compiled:
        im2col_there, winograd_there = im2col_there + winograd_there, []
    for W_shape, stride in im2col_there + winograd_there:
        Z = F.conv2d(randn(1, 8, 8, W_shape[2]), randn(*W_shape), None, stride, "same")
        expected = Conv2dWinograd if (W_shape, stride) in winograd_there else F.conv.Conv2d
        assert isinstance(Z._ctx, expected), (W_shape, stride)


def test_threads_split_the_batch_repeatably(monkeypatch):
    """Blocks of images on two threads: the same bits run to run, im2col's values up to
    rounding, and the same values as one thread up to the order of dW's sum over blocks."""
    import npdeep
    monkeypatch.setattr(winograd, "MIN_FLOPS_PER_THREAD", 1)  # split even this small batch
    A, W, b = make_inputs(5, 6, 7, 3, 4, seed=8)
    dZ = np.random.default_rng(2).standard_normal((5, 6, 7, 4))
    before = npdeep.get_num_threads()
    runs = []
    try:
        for threads in (2, 2, 1):
            npdeep.set_num_threads(threads)
            A.grad = W.grad = b.grad = None
            Z = small_blocks(A, W, b, "same")
            Z.backward(dZ)
            runs.append((Z.data, A.grad, W.grad, b.grad))
    finally:
        npdeep.set_num_threads(before)
    for x, y, z in zip(*runs):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_allclose(x, z, rtol=1e-12, atol=1e-12)
