"""conv2d and zero_pad: gradient checks, the course's loop reference, PyTorch, and errors."""
import contextlib

import numpy as np
import pytest

from harness import assert_gradcheck, randn, torch_or_skip, split_over_two_threads
from npdeep import functional as F
from npdeep import kernels, threads
from npdeep.functional import conv, conv_direct
from npdeep.kernels.pool import is_batch_last
from npdeep.reference import cnn
from npdeep.tensor import Tensor

# (m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding): small, since gradcheck is O(size²).
GRADCHECK_CASES = [
    (2, 5, 5, 2, 3, 3, 1, 0),
    (1, 5, 6, 2, 2, 3, 1, 1),
    (2, 6, 5, 1, 2, 2, 2, 0),
    (1, 7, 7, 2, 2, 3, 3, 2),
    (2, 4, 5, 2, 3, 1, 1, 0),
    (1, 6, 6, 1, 2, 5, 1, "same"),
    (2, 5, 4, 2, 2, 2, 1, "same"),
    (1, 7, 6, 2, 2, 3, 2, "same"),
    (1, 6, 7, 2, 1, 4, 3, "same"),
    (2, 5, 5, 2, 2, 3, 2, "valid"),
    (1, 1, 1, 3, 2, 1, 1, 0),  # 1 × 1 image, 1 × 1 filter
    (1, 1, 1, 1, 1, 1, 2, "same"),
]


def make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f, seed=0):
    A_prev = randn(m, n_H_prev, n_W_prev, n_C_prev, seed=seed)
    W = randn(f, f, n_C_prev, n_C, seed=seed + 1)
    b = randn(n_C, seed=seed + 2)
    return A_prev, W, b


def assert_stacked_convs_match_loops(m, seed):
    """conv2d("same", 2 -> 3 channels, f = 3) then conv2d(0, 3 -> 4, f = 2) on m random
    (7, 6, 2) images: outputs and every gradient equal the course's loops'."""
    A_prev, W1, b1 = make_inputs(m, 7, 6, 2, 3, 3, seed=seed)
    W2, b2 = randn(2, 2, 3, 4, seed=seed + 5), randn(4, seed=seed + 6)
    Z1 = F.conv2d(A_prev, W1, b1, 1, "same")
    Z2 = F.conv2d(Z1, W2, b2, 1, 0)
    dZ2 = np.random.default_rng(seed).standard_normal(Z2.shape)
    Z2.backward(dZ2)
    Z1_ref, cache1 = cnn.conv_forward(A_prev.data, W1.data, b1.data, {"stride": 1, "pad": 1})
    Z2_ref, cache2 = cnn.conv_forward(Z1_ref, W2.data, b2.data, {"stride": 1, "pad": 0})
    np.testing.assert_allclose(Z2.data, Z2_ref, rtol=1e-10, atol=1e-12)
    dZ1, dW2, db2 = cnn.conv_backward(dZ2, cache2)
    dA_prev, dW1, db1 = cnn.conv_backward(dZ1, cache1)
    for got, want in ((A_prev.grad, dA_prev), (W1.grad, dW1), (b1.grad, db1),
                      (W2.grad, dW2), (b2.grad, db2)):
        np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", GRADCHECK_CASES)
def test_conv2d_gradcheck(case):
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding = case
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    assert_gradcheck(lambda A, W, b: F.conv2d(A, W, b, stride, padding), [A_prev, W, b])


def test_conv2d_gradcheck_without_bias():
    A_prev, W, _ = make_inputs(2, 5, 5, 2, 2, 3)
    assert_gradcheck(lambda A, W: F.conv2d(A, W, None, 2, 1), [A_prev, W])


def test_conv2d_random_shapes_gradcheck():
    rng = np.random.default_rng(5)
    for trial in range(4):
        f = int(rng.choice([1, 2, 3]))
        stride = int(rng.integers(1, 4))
        padding = [0, 1, "same", "valid"][trial]
        n_H_prev, n_W_prev = (int(n) for n in rng.integers(f, f + 4, size=2))
        A_prev, W, b = make_inputs(int(rng.integers(1, 3)), n_H_prev, n_W_prev,
                                   int(rng.integers(1, 3)), int(rng.integers(1, 3)), f,
                                   seed=trial)
        assert_gradcheck(lambda A, W, b: F.conv2d(A, W, b, stride, padding), [A_prev, W, b])


REFERENCE_CASES = [
    (2, 7, 6, 3, 4, 3, 1, 0),
    (2, 7, 7, 3, 4, 3, 2, 1),
    (3, 9, 8, 2, 5, 2, 3, 2),
    (1, 5, 5, 4, 2, 5, 1, 2),
    (2, 6, 6, 2, 3, 1, 2, 0),
    (1, 1, 1, 2, 2, 1, 1, 0),
]


@pytest.mark.parametrize("case", REFERENCE_CASES)
def test_conv2d_matches_course_loops(case):
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, pad = case
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    b_course = b.data.reshape(1, 1, 1, n_C)
    Z_ref, cache = cnn.conv_forward(A_prev.data, W.data, b_course, {"stride": stride, "pad": pad})
    Z = F.conv2d(A_prev, W, b, stride, pad)
    np.testing.assert_allclose(Z.data, Z_ref, rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(3).standard_normal(Z.shape)
    Z.backward(dZ)
    dA_prev_ref, dW_ref, db_ref = cnn.conv_backward(dZ, cache)
    np.testing.assert_allclose(A_prev.grad, dA_prev_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, dW_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad, db_ref.reshape(n_C), rtol=1e-10, atol=1e-12)


def test_conv2d_accepts_the_course_bias_shape():
    A_prev, W, b = make_inputs(2, 5, 5, 2, 3, 3)
    b4 = Tensor(b.data.reshape(1, 1, 1, 3), requires_grad=True)
    Z = F.conv2d(A_prev, W, b4, 1, 1)
    np.testing.assert_allclose(Z.data, F.conv2d(A_prev, W, b, 1, 1).data)
    Z.sum().backward()
    assert b4.grad.shape == (1, 1, 1, 3)


def torch_conv(A_prev, W, b, stride, padding):
    """torch.nn.functional.conv2d on NHWC inputs (explicit asymmetric padding for "same")."""
    torch = torch_or_skip()
    f = W.shape[0]
    pads = conv.resolve_padding(padding, A_prev.shape[1], A_prev.shape[2], f, stride)
    X = A_prev.permute(0, 3, 1, 2)  # NHWC -> NCHW
    X = torch.nn.functional.pad(X, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
    Z = torch.nn.functional.conv2d(X, W.permute(3, 2, 0, 1), b, stride=stride)
    return Z.permute(0, 2, 3, 1)  # NCHW -> NHWC


TORCH_CASES = [
    (4, 10, 9, 3, 5, 3, 1, 0),
    (3, 11, 12, 4, 6, 3, 2, 1),
    (2, 13, 11, 2, 3, 5, 3, 2),
    (2, 8, 8, 3, 4, 4, 1, "same"),
    (2, 9, 7, 3, 4, 3, 2, "same"),
    (1, 8, 8, 1, 2, 2, 3, "same"),
    (2, 8, 8, 2, 3, 3, 1, "valid"),
    (1, 1, 1, 3, 2, 1, 1, 0),
]


@pytest.mark.parametrize("case", TORCH_CASES)
def test_conv2d_matches_torch(case):
    torch = torch_or_skip()
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding = case
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    Z = F.conv2d(A_prev, W, b, stride, padding)
    tensors = [torch.tensor(t.data, requires_grad=True) for t in (A_prev, W, b)]
    Z_torch = torch_conv(*tensors, stride, padding)
    np.testing.assert_allclose(Z.data, Z_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(4).standard_normal(Z.shape)
    Z.backward(dZ)
    Z_torch.backward(torch.tensor(dZ))
    for t, t_torch in zip((A_prev, W, b), tensors):
        np.testing.assert_allclose(t.grad, t_torch.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
def test_conv2d_same_padding_matches_torch_same():
    torch = torch_or_skip()
    A_prev, W, b = make_inputs(2, 7, 8, 2, 3, 4)  # even f: the extra zero goes bottom/right
    Z = F.conv2d(A_prev, W, b, 1, "same")
    Z_torch = torch.nn.functional.conv2d(torch.tensor(A_prev.data).permute(0, 3, 1, 2),
                                         torch.tensor(W.data).permute(3, 2, 0, 1),
                                         torch.tensor(b.data), padding="same")
    assert Z.shape == (2, 7, 8, 3)
    np.testing.assert_allclose(Z.data, Z_torch.permute(0, 2, 3, 1).numpy(), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("n_prev,f,stride,expected", [
    (28, 5, 1, (2, 2)), (32, 3, 1, (1, 1)), (64, 4, 1, (1, 2)), (7, 3, 2, (1, 1)),
    (8, 3, 2, (0, 1)), (5, 1, 3, (0, 0)), (6, 4, 3, (0, 1)), (10, 4, 3, (1, 2))])
def test_same_padding(n_prev, f, stride, expected):
    pads = conv.same_padding(n_prev, f, stride)
    assert pads == expected
    assert conv.output_size(n_prev, f, stride, pads) == -(-n_prev // stride)


def test_conv2d_float32_stays_float32():
    A_prev = Tensor(np.ones((2, 5, 5, 3), dtype=np.float32), requires_grad=True)
    W = Tensor(np.ones((3, 3, 3, 4), dtype=np.float32), requires_grad=True)
    Z = F.conv2d(A_prev, W, None, 1, "same")
    assert Z.dtype == np.float32
    Z.sum().backward()
    assert A_prev.grad.dtype == np.float32 and W.grad.dtype == np.float32
    assert Z.data[0, 2, 2, 0] == 27.0 and Z.data[0, 0, 0, 0] == 12.0


# ---------------------------------------------------------------------------- fast paths
def run_conv(A_prev, W, b, stride, padding, dZ, **settings):
    """Z and the three gradients of conv.Conv2d with the given internal settings (the
    "direct" and "rows" methods on the compiled path, which they need)."""
    A_prev, W, b = (Tensor(t.data.copy(), requires_grad=True) for t in (A_prev, W, b))
    pads = conv.resolve_padding(padding, A_prev.shape[1], A_prev.shape[2], W.shape[0], stride)
    compiled = settings.get("method") in ("direct", "rows")
    with kernels.use(True) if compiled else contextlib.nullcontext():
        Z = conv.Conv2d.apply(A_prev, W, b, stride=stride, pads=pads, **settings)
        Z.backward(dZ)
    return Z.data, A_prev.grad, W.grad, b.grad


def skip_unless_method_runs(method, stride):
    if method == "flat" and stride != 1:
        pytest.skip("the flat path is for stride 1")
    if method in ("direct", "rows") and stride != 1:
        pytest.skip(f"the {method} path is for stride 1")
    if method in ("direct", "rows") and not kernels.available():
        pytest.skip(f"the {method} path needs numba")


@pytest.mark.parametrize("case", [
    (3, 9, 7, 3, 4, 3, 1, 1), (2, 8, 8, 2, 3, 4, 1, "same"), (2, 6, 9, 1, 2, 5, 1, 0),
    (1, 1, 1, 2, 3, 1, 1, 0), (2, 5, 5, 3, 2, 1, 1, 2), (4, 6, 5, 2, 3, 2, 1, "valid")])
def test_flat_and_strided_paths_agree_across_blocks(case):
    """The stride-1 "flat" path, the general "strided" path, and both cut in many small
    blocks (a block edge inside images and inside windows) give the same Z and gradients; so
    does the compiled "direct" path (no column blocks), where numba is installed."""
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding = case
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    n_H = conv.output_size(n_H_prev, f, stride,
                           conv.resolve_padding(padding, n_H_prev, n_W_prev, f, stride)[0])
    n_W = conv.output_size(n_W_prev, f, stride,
                           conv.resolve_padding(padding, n_H_prev, n_W_prev, f, stride)[1])
    dZ = np.random.default_rng(6).standard_normal((m, n_H, n_W, n_C))
    reference = run_conv(A_prev, W, b, stride, padding, dZ, method="strided",
                         chunk_bytes=2**30)
    pads = conv.resolve_padding(padding, n_H_prev, n_W_prev, f, stride)
    image_bytes = ((n_H_prev + sum(pads[0])) * (n_W_prev + sum(pads[1]))
                   * (f * f * n_C_prev + 1) * 8)  # one padded image's columns, float64
    for method in ("flat", "strided") + (("direct", "rows") if kernels.available() else ()):
        # one block; a few columns; one column (image); blocks of two whole padded images
        for chunk_bytes in (2**30, 200, 1, 2 * image_bytes):
            got = run_conv(A_prev, W, b, stride, padding, dZ, method=method,
                           chunk_bytes=chunk_bytes)
            for x, y in zip(got, reference):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_strided_path_in_blocks_matches_course_loops():
    A_prev, W, b = make_inputs(3, 9, 8, 2, 3, 3)
    Z_ref, cache = cnn.conv_forward(A_prev.data, W.data, b.data, {"stride": 2, "pad": 1})
    dZ = np.random.default_rng(2).standard_normal(Z_ref.shape)
    Z, dA_prev, dW, db = run_conv(A_prev, W, b, 2, 1, dZ, chunk_bytes=1)
    for x, y in zip((Z, dA_prev, dW, db), (Z_ref,) + cnn.conv_backward(dZ, cache)):
        np.testing.assert_allclose(x, y.reshape(x.shape), rtol=1e-10, atol=1e-12)


def test_conv2d_backward_twice_with_retain_graph():
    A_prev, W, b = make_inputs(2, 6, 6, 2, 3, 3)
    Z = F.conv2d(A_prev, W, b, 1, 1)
    dZ = np.random.default_rng(0).standard_normal(Z.shape)
    Z.backward(dZ, retain_graph=True)
    first = [t.grad.copy() for t in (A_prev, W, b)]
    Z.backward(dZ)
    for t, g in zip((A_prev, W, b), first):
        np.testing.assert_allclose(t.grad, 2 * g, rtol=1e-12)


def test_stacked_convs_and_reused_buffers_match_loops():
    """A conv of a conv's output (a channel-major view), run twice on new values of the same
    shapes (the scratch buffers are reused), agrees with the course's loops each time."""
    for seed in (0, 10):
        assert_stacked_convs_match_loops(2, seed)


def test_conv2d_without_grad_and_first_layer():
    A_prev, W, b = make_inputs(2, 6, 6, 2, 3, 3)
    Z_ref = F.conv2d(A_prev, W, b, 1, 1).data
    from npdeep.autograd import no_grad
    with no_grad():
        np.testing.assert_allclose(F.conv2d(A_prev, W, b, 1, 1).data, Z_ref)
    X = Tensor(A_prev.data)  # a data batch: no gradient wanted for the input
    F.conv2d(X, W, b, 1, 1).sum().backward()
    assert X.grad is None and W.grad is not None


# ---------------------------------------------------------------------------- zero_pad
def test_zero_pad_matches_course_and_gradcheck():
    X = randn(2, 3, 4, 2)
    X_pad = F.zero_pad(X, 2)
    np.testing.assert_array_equal(X_pad.data, cnn.zero_pad(X.data, 2))
    assert X_pad.shape == (2, 7, 8, 2)
    assert_gradcheck(lambda X: F.zero_pad(X, 1), [X])
    assert_gradcheck(lambda X: F.zero_pad(X, ((0, 1), (2, 0))), [X])


def test_zero_pad_errors():
    with pytest.raises(ValueError, match=r"zero_pad expected X of shape \(m, n_H, n_W, n_C\) "
                                         r"but got \(3, 4\)"):
        F.zero_pad(np.ones((3, 4)), 1)
    with pytest.raises(ValueError, match=r"zero_pad: pad must be >= 0. Got -1 instead."):
        F.zero_pad(np.ones((1, 3, 4, 1)), -1)


# ---------------------------------------------------------------------------- errors
def test_conv2d_errors():
    W = np.ones((3, 3, 3, 8))
    with pytest.raises(ValueError, match=r"conv2d expected input of shape \(m, n_H, n_W, 3\) "
                                         r"but got \(16, 3, 64, 64\); images are NHWC — did "
                                         r"you pass NCHW\?"):
        F.conv2d(np.ones((16, 3, 64, 64)), W)
    with pytest.raises(ValueError, match=r"conv2d expected input of shape \(m, n_H, n_W, 3\) "
                                         r"but got \(16, 64, 64, 4\)$"):
        F.conv2d(np.ones((16, 64, 64, 4)), W)
    with pytest.raises(ValueError, match=r"conv2d expected input of shape \(m, n_H, n_W, 3\) "
                                         r"but got \(64, 64, 3\); images are 4-D"):
        F.conv2d(np.ones((64, 64, 3)), W)
    with pytest.raises(ValueError, match=r"conv2d: the \(padded\) image of size 2x5 is smaller "
                                         r"than the 3x3 filter \(input \(1, 2, 5, 3\), "
                                         r"padding=0\)"):
        F.conv2d(np.ones((1, 2, 5, 3)), W)
    with pytest.raises(ValueError, match=r"W must have shape \(f, f, n_C_prev, n_C\); got "
                                         r"\(3, 2, 3, 8\)"):
        F.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 2, 3, 8)))
    with pytest.raises(ValueError, match=r"b must have shape \(n_C,\) = \(8,\) for W of shape "
                                         r"\(3, 3, 3, 8\); got \(3,\)"):
        F.conv2d(np.ones((1, 5, 5, 3)), W, np.ones(3))
    with pytest.raises(ValueError, match=r"The 'stride' parameter of conv2d must be an int "
                                         r">= 1. Got 0 instead."):
        F.conv2d(np.ones((1, 5, 5, 3)), W, stride=0)
    with pytest.raises(ValueError, match=r"The 'padding' parameter of conv2d must be an int "
                                         r">= 0, 'valid' or 'same'. Got 'full' instead."):
        F.conv2d(np.ones((1, 5, 5, 3)), W, padding="full")
    with pytest.raises(ValueError, match=r"The 'padding' parameter of conv2d must be an int "
                                         r">= 0, 'valid' or 'same'. Got -1 instead."):
        F.conv2d(np.ones((1, 5, 5, 3)), W, padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: the input \(0, 5, 5, 3\) is empty"):
        F.conv2d(np.ones((0, 5, 5, 3)), W)


@pytest.mark.parametrize("method", ["flat", "strided", "direct", "rows"])
@pytest.mark.parametrize("case", [(3, 7, 6, 2, 3, 3, 1, "same"), (1, 6, 6, 1, 2, 2, 1, 0),
                                  (2, 7, 7, 2, 3, 3, 2, 1)])
def test_backward_takes_dZ_in_any_memory_order(method, case):
    """dJ/dZ arrives NHWC-contiguous (a user's array), channel-major (our layers' outputs) or
    strided; the backward reads the first two in place and must give the same gradients."""
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding = case
    skip_unless_method_runs(method, stride)
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    pads = conv.resolve_padding(padding, n_H_prev, n_W_prev, f, stride)
    n_H, n_W = (conv.output_size(n, f, stride, p) for n, p in zip((n_H_prev, n_W_prev), pads))
    dZ = np.random.default_rng(4).standard_normal((m, n_H, n_W, n_C))
    channel_major = np.ascontiguousarray(dZ.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    strided = np.zeros((m, n_H, 2 * n_W, n_C))[:, :, ::2]
    strided[...] = dZ
    assert not channel_major.flags.c_contiguous and not strided.flags.c_contiguous
    image_bytes = ((n_H_prev + sum(pads[0])) * (n_W_prev + sum(pads[1]))
                   * (f * f * n_C_prev + 1) * 8)  # one padded image's columns, float64
    # blocks of a few columns, and of whole images (dZ placed a block at a time)
    results = [run_conv(A_prev, W, b, stride, padding, g, method=method, chunk_bytes=chunk)
               for g in (dZ, channel_major, strided) for chunk in (300, image_bytes)]
    _, cache = cnn.conv_forward(A_prev.data, W.data, b.data,
                                {"stride": stride, "pad": pads[0][0]})  # pads are symmetric
    for got, want in zip(results[0][1:], cnn.conv_backward(dZ, cache)):
        np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-10, atol=1e-12)
    for other in results[1:]:
        for x, y in zip(other, results[0]):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- threads
@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(conv_direct, "ROWS_MIN_FLOPS_PER_THREAD", 0)
    with split_over_two_threads(monkeypatch, conv, "MIN_FLOPS_PER_THREAD"):
        yield


def with_threads(n, fn, *args, **kwargs):
    saved = threads.get_num_threads()
    threads.set_num_threads(n)
    try:
        return fn(*args, **kwargs)
    finally:
        threads.set_num_threads(saved)


@pytest.mark.parametrize("method", ["flat", "strided", "direct", "rows"])
@pytest.mark.parametrize("case", [(3, 7, 6, 2, 3, 3, 1, "same"), (2, 6, 6, 1, 2, 5, 1, 0),
                                  (5, 7, 7, 2, 3, 3, 2, 1), (4, 8, 8, 3, 4, 5, 1, "same"),
                                  (1, 5, 5, 2, 2, 3, 1, 1)])
def test_split_batch_matches_unsplit_and_course_loops(method, case, two_threads):
    """The batch cut in blocks across two threads (m = 1 stays one block) gives the gradients
    of one block and of the course's loops, for whole-batch and image-sized column blocks."""
    m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding = case
    skip_unless_method_runs(method, stride)
    A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
    pads = conv.resolve_padding(padding, n_H_prev, n_W_prev, f, stride)
    n_H, n_W = (conv.output_size(n, f, stride, p) for n, p in zip((n_H_prev, n_W_prev), pads))
    if method == "rows":  # the rows of the output are split, not the batch
        assert len(conv_direct._row_blocks(n_H, 1)) == min(n_H, 2)
    else:
        assert len(conv._image_blocks(m, f * f * n_C_prev, n_C, n_H, n_W)) == min(m, 2)
    dZ = np.random.default_rng(4).standard_normal((m, n_H, n_W, n_C))
    channel_major = np.ascontiguousarray(dZ.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    unsplit = with_threads(1, run_conv, A_prev, W, b, stride, padding, dZ, method=method)
    Z_ref, cache = cnn.conv_forward(A_prev.data, W.data, b.data,
                                    {"stride": stride, "pad": pads[0][0]})  # symmetric pads
    reference = (Z_ref,) + cnn.conv_backward(dZ, cache)
    for g in (dZ, channel_major):
        for chunk in (2**30, 300):
            split = run_conv(A_prev, W, b, stride, padding, g, method=method, chunk_bytes=chunk)
            for got, one, want in zip(split, unsplit, reference):
                np.testing.assert_allclose(got, one, rtol=1e-12, atol=1e-12)
                np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-10,
                                           atol=1e-12)


@pytest.mark.parametrize("method", [None, "flat", "direct", "rows"])
def test_split_conv_is_bitwise_repeatable_and_close_to_one_thread(two_threads, method):
    """float32 at two threads: two runs agree bit for bit (dW and db are summed over the
    blocks in block order); one thread differs by float rounding only."""
    skip_unless_method_runs(method, 1)
    rng = np.random.default_rng(0)
    A_prev = Tensor(rng.standard_normal((6, 12, 12, 3)), dtype=np.float32)
    W = Tensor(rng.standard_normal((3, 3, 3, 8)), dtype=np.float32)
    b = Tensor(rng.standard_normal(8), dtype=np.float32)
    dZ = rng.standard_normal((6, 12, 12, 8)).astype(np.float32)
    runs = [run_conv(A_prev, W, b, 1, "same", dZ, method=method) for _ in range(2)]
    for x, y in zip(*runs):
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, y)
    one = with_threads(1, run_conv, A_prev, W, b, 1, "same", dZ, method=method)
    for x, y in zip(runs[0], one):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


def test_split_conv_gradcheck(two_threads):
    A_prev, W, b = make_inputs(3, 5, 5, 2, 3, 3)
    assert_gradcheck(lambda A, W, b: F.conv2d(A, W, b, 1, "same"), [A_prev, W, b])


def test_small_batches_run_unsplit():
    """Below MIN_FLOPS_PER_THREAD a block is not worth a thread: one block, in the caller."""
    assert with_threads(2, conv._image_blocks, 2, 9, 4, 8, 8) == [(0, 2)]
    # LeNet-5's first conv on 28x28 images, batch 64: 64·25·6·24·24 = 5.5 M multiply-adds
    assert with_threads(2, conv._image_blocks, 64, 25, 6, 24, 24) == [(0, 32), (32, 64)]
    assert with_threads(1, conv._image_blocks, 64, 25, 6, 24, 24) == [(0, 64)]


def test_split_conv_of_a_conv_reads_its_blocks_in_place(two_threads):
    """A conv's output (channel-major) fed unpadded to a split conv: each block of images is
    read as a view, not copied, and the result is still the course's."""
    assert_stacked_convs_match_loops(4, 0)


@pytest.mark.parametrize("compiled", [False, True])
def test_conv2d_takes_the_direct_path_for_thin_layers(compiled):
    """Stride 1, few output channels (conv_direct.direct_preferred), on the compiled path: the
    direct loops run (LeNet-5's layers, 1 -> 6 and 6 -> 16); otherwise im2col."""
    if compiled and not kernels.available():
        pytest.skip("numba is not installed")
    cases = [((5, 5, 1, 6), 1, compiled), ((4, 4, 3, 8), 1, compiled),
             ((5, 5, 6, 16), 1, compiled), ((3, 3, 6, 16), 1, False),
             ((5, 5, 2, 32), 1, False), ((7, 7, 1, 4), 1, False), ((5, 5, 1, 6), 2, False)]
    with kernels.use(compiled):
        for W_shape, stride, direct in cases:
            A = Tensor(randn(2, 9, 9, W_shape[2]).data, requires_grad=True)
            W = Tensor(randn(*W_shape).data, requires_grad=True)
            Z = F.conv2d(A, W, None, stride, "same")
            assert isinstance(Z._ctx, conv.Conv2d)
            assert (Z._ctx.cols[0].method == "direct") == direct, (W_shape, stride)
            # the compiled thin layers of f = 5 run on batch-last images ("rows")
            assert hasattr(Z._ctx, "rows") == (direct and W_shape[0] == 5), (W_shape, stride)


def test_rows_method_gradcheck(two_threads):
    """The "rows" method (batch-last loops, rows split over two threads) passes the float64
    gradient check on several shapes: odd channel counts, f = 1..5, padding on all sides."""
    if not kernels.available():
        pytest.skip("the rows path needs numba")
    for m, n_H_prev, n_W_prev, n_C_prev, n_C, f, padding in [
            (2, 6, 7, 1, 3, 5, 0), (3, 5, 5, 2, 2, 3, "same"), (1, 4, 6, 3, 1, 1, 1),
            (2, 7, 6, 2, 5, 4, "same"), (1, 8, 8, 3, 4, 2, 2)]:
        A_prev, W, b = make_inputs(m, n_H_prev, n_W_prev, n_C_prev, n_C, f)
        pads = conv.resolve_padding(padding, n_H_prev, n_W_prev, f, 1)
        with kernels.use(True):
            assert_gradcheck(lambda A, W, b: conv.Conv2d.apply(A, W, b, stride=1, pads=pads,
                                                               method="rows"), [A_prev, W, b])


def test_rows_method_output_is_batch_last_and_aligned():
    """The rows method's Z is an NHWC view of (n_C, n_H, n_W, m) memory starting on a cache
    line, which the ReLU and pooling after it keep (the next conv then copies nothing)."""
    if not kernels.available():
        pytest.skip("the rows path needs numba")
    A_prev, W, b = make_inputs(16, 9, 9, 2, 4, 3)
    with kernels.use(True):
        Z = conv.Conv2d.apply(A_prev, W, b, stride=1, pads=((0, 0), (0, 0)), method="rows")
        A = F.avg_pool2d(F.relu(Z), 2)
    for array in (Z.data, A.data):
        assert is_batch_last(array)
        assert array.ctypes.data % 64 == 0
    Z_ref, _ = cnn.conv_forward(A_prev.data, W.data, b.data.reshape(1, 1, 1, -1),
                                {"stride": 1, "pad": 0})
    np.testing.assert_allclose(Z.data, Z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(A.data, cnn.pool_forward(np.maximum(Z_ref, 0),
                                                        {"f": 2, "stride": 2}, "average")[0],
                               rtol=1e-12, atol=1e-12)


def test_rows_method_without_grad_gives_its_padded_input_back():
    """With no backward to come, the rows method's padded batch-last input goes back to the
    scratch pool (as the grid methods' does), and the next call of the shape, taking it with
    stale values, still gives the course's result."""
    if not kernels.available():
        pytest.skip("the rows path needs numba")
    from npdeep.autograd import no_grad
    from npdeep.functional.buffers import pool
    pool.clear()
    for seed in (0, 10):
        A_prev, W, b = make_inputs(3, 6, 7, 2, 3, 5, seed=seed)
        pads = ((2, 2), (2, 2))
        with kernels.use(True), no_grad():
            Z = conv.Conv2d.apply(A_prev, W, b, stride=1, pads=pads, method="rows").data
        assert ((2, 6, 7 + 4, 3), np.dtype(np.float64).str) in pool.free
        Z_ref, _ = cnn.conv_forward(A_prev.data, W.data, b.data.reshape(1, 1, 1, -1),
                                    {"stride": 1, "pad": 2})
        np.testing.assert_allclose(Z, Z_ref, rtol=1e-12, atol=1e-12)


def test_direct_method_needs_stride_1_and_the_compiled_path():
    A_prev, W, b = make_inputs(1, 5, 5, 1, 2, 3)
    with kernels.use(False):
        with pytest.raises(ValueError, match=r"Conv2d: the 'direct' method needs stride 1 and "
                                             r"the compiled path"):
            conv.Conv2d.apply(A_prev, W, b, stride=1, method="direct")
        with pytest.raises(ValueError, match=r"Conv2d: the 'rows' method needs stride 1"):
            conv.Conv2d.apply(A_prev, W, b, stride=1, method="rows")
    if kernels.available():
        with kernels.use(True):
            with pytest.raises(ValueError, match=r"stride=2\); use method='flat' or "
                                                 r"'strided'"):
                conv.Conv2d.apply(A_prev, W, b, stride=2, method="direct")


@pytest.mark.parametrize("shape, dtype", [((3, 32, 32, 1), np.float32),
                                          ((2, 8, 8, 8), np.float64), ((4, 5, 6, 3), np.float32)])
def test_copy_to_batch_last(shape, dtype):
    """NHWC images into (n_C, n_H, n_W, m) memory, through the staging copy where an image is
    a multiple of 4 KiB (the first two shapes) and directly otherwise; strided input too."""
    A = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for source in (A, np.asfortranarray(A)):
        out = np.empty(shape[::-1][:1] + shape[1:3] + shape[:1], dtype)
        conv_direct.copy_to_batch_last(source, out)
        np.testing.assert_array_equal(out, A.transpose(3, 1, 2, 0))
