"""max_pool2d, avg_pool2d, global_avg_pool2d: gradient checks, course loops, PyTorch, errors."""
import numpy as np
import pytest

from harness import assert_gradcheck, randn, torch_or_skip, split_over_two_threads
from npdeep import functional as F
from npdeep import threads
from npdeep.functional import pool
from npdeep.reference import cnn
from npdeep.tensor import Tensor

# (m, n_H_prev, n_W_prev, n_C, f, stride)
CASES = [
    (2, 4, 4, 2, 2, None),
    (1, 5, 5, 2, 2, None),  # floor mode: the last row and column are dropped
    (2, 5, 6, 1, 3, 2),  # overlapping windows
    (1, 7, 7, 2, 3, 3),
    (2, 6, 5, 2, 2, 1),
    (1, 6, 6, 1, 5, 1),
    (2, 3, 3, 2, 1, 2),
    (1, 1, 1, 3, 1, None),  # 1 × 1 image
]
POOLS = {"max": F.max_pool2d, "average": F.avg_pool2d}


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_pool_gradcheck(mode, case):
    m, n_H_prev, n_W_prev, n_C, f, stride = case
    # Distinct values keep every window's max unique, so max is differentiable here.
    A_prev = randn(m, n_H_prev, n_W_prev, n_C, seed=7)
    assert_gradcheck(lambda A: POOLS[mode](A, f, stride), [A_prev])


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_pool_matches_course_loops(mode, case):
    m, n_H_prev, n_W_prev, n_C, f, stride = case
    A_prev = randn(m, n_H_prev, n_W_prev, n_C, seed=8)
    hparameters = {"f": f, "stride": f if stride is None else stride}
    A_ref, cache = cnn.pool_forward(A_prev.data, hparameters, mode)
    A = POOLS[mode](A_prev, f, stride)
    np.testing.assert_allclose(A.data, A_ref, rtol=1e-12, atol=1e-14)
    dA = np.random.default_rng(2).standard_normal(A.shape)
    A.backward(dA)
    np.testing.assert_allclose(A_prev.grad, cnn.pool_backward(dA, cache, mode), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("case", CASES + [(4, 28, 28, 6, 2, None), (3, 13, 11, 4, 3, 2)])
def test_pool_matches_torch(case):
    torch = torch_or_skip()
    m, n_H_prev, n_W_prev, n_C, f, stride = case
    for mode, torch_pool in (("max", torch.nn.functional.max_pool2d),
                             ("average", torch.nn.functional.avg_pool2d)):
        A_prev = randn(m, n_H_prev, n_W_prev, n_C, seed=9)
        A = POOLS[mode](A_prev, f, stride)
        X = torch.tensor(A_prev.data, requires_grad=True)
        A_torch = torch_pool(X.permute(0, 3, 1, 2), f, stride).permute(0, 2, 3, 1)
        np.testing.assert_allclose(A.data, A_torch.detach().numpy(), rtol=1e-12, atol=1e-14)
        dA = np.random.default_rng(3).standard_normal(A.shape)
        A.backward(dA)
        A_torch.backward(torch.tensor(dA))
        np.testing.assert_allclose(A_prev.grad, X.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_max_pool_ties_route_to_first_max_like_torch():
    torch = torch_or_skip()
    # Integer values in a small range: most windows hold several equal maxima (ReLU zeros too).
    data = np.random.default_rng(0).integers(0, 3, size=(2, 6, 6, 3)).astype(np.float64)
    data[0, :2, :2, 0] = 0.0  # a window of all-equal entries
    for f, stride in ((2, 2), (3, 3), (3, 2), (2, 1)):
        A_prev = Tensor(data.copy(), requires_grad=True)
        A = F.max_pool2d(A_prev, f, stride)
        dA = np.random.default_rng(1).standard_normal(A.shape)
        A.backward(dA)
        X = torch.tensor(data, requires_grad=True)
        A_torch = torch.nn.functional.max_pool2d(X.permute(0, 3, 1, 2), f, stride)
        A_torch.permute(0, 2, 3, 1).backward(torch.tensor(dA))
        np.testing.assert_allclose(A_prev.grad, X.grad.numpy(), rtol=1e-12, atol=1e-14)
    # Non-overlapping windows: exactly one entry per window receives its gradient.
    A_prev = Tensor(data.copy(), requires_grad=True)
    F.max_pool2d(A_prev, 2).sum().backward()
    assert A_prev.grad[0, :2, :2, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert A_prev.grad.sum() == 2 * 3 * 3 * 3


def test_pool_float32_stays_float32():
    A_prev = Tensor(np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2), requires_grad=True)
    for pool2d in (F.max_pool2d, F.avg_pool2d):
        A = pool2d(A_prev, 2)
        assert A.dtype == np.float32
        A.sum().backward()
        assert A_prev.grad.dtype == np.float32
        A_prev.grad = None


def test_global_avg_pool2d():
    A_prev = randn(3, 4, 5, 2)
    A = F.global_avg_pool2d(A_prev)
    assert A.shape == (3, 2)
    np.testing.assert_allclose(A.data, A_prev.data.mean(axis=(1, 2)))
    assert_gradcheck(F.global_avg_pool2d, [A_prev])
    assert_gradcheck(F.global_avg_pool2d, [randn(1, 1, 1, 1)])
    torch = torch_or_skip()
    X = torch.tensor(A_prev.data)
    pooled = torch.nn.functional.adaptive_avg_pool2d(X.permute(0, 3, 1, 2), 1)
    np.testing.assert_allclose(A.data, pooled[:, :, 0, 0].numpy())


def test_pool_errors():
    for name, pool2d in (("max_pool2d", F.max_pool2d), ("avg_pool2d", F.avg_pool2d)):
        with pytest.raises(ValueError, match=rf"{name} expected input of shape \(m, n_H, n_W, "
                                             rf"n_C\) but got \(4, 4, 3\); images are 4-D"):
            pool2d(np.ones((4, 4, 3)), 2)
        with pytest.raises(ValueError, match=rf"{name}: the image of size 2x5 \(input "
                                             rf"\(1, 2, 5, 3\)\) is smaller than the 3x3 window"):
            pool2d(np.ones((1, 2, 5, 3)), 3)
        with pytest.raises(ValueError, match=rf"The 'f' parameter of {name} must be an int "
                                             r">= 1. Got 0 instead."):
            pool2d(np.ones((1, 4, 4, 3)), 0)
        with pytest.raises(ValueError, match=rf"The 'stride' parameter of {name} must be an "
                                             r"int >= 1. Got -2 instead."):
            pool2d(np.ones((1, 4, 4, 3)), 2, -2)
    with pytest.raises(ValueError, match=r"global_avg_pool2d expected input of shape "
                                         r"\(m, n_H, n_W, n_C\) but got \(4, 3\)"):
        F.global_avg_pool2d(np.ones((4, 3)))


def test_pool_on_channel_major_views():
    """conv2d returns NHWC views of channel-major memory; pooling must not care."""
    data = np.random.default_rng(4).standard_normal((3, 5, 8, 9))  # (n_C, m, n_H, n_W)
    for f, stride in ((2, None), (3, 2)):
        for pool2d, mode in ((F.max_pool2d, "max"), (F.avg_pool2d, "average")):
            A_prev = Tensor(data.transpose(1, 2, 3, 0), requires_grad=True)
            A = pool2d(A_prev, f, stride)
            A_ref, cache = cnn.pool_forward(np.ascontiguousarray(A_prev.data),
                                            {"f": f, "stride": f if stride is None else stride},
                                            mode)
            np.testing.assert_allclose(A.data, A_ref, rtol=1e-12)
            dA = np.random.default_rng(5).standard_normal(A.shape)
            A.backward(dA)
            np.testing.assert_allclose(A_prev.grad, cnn.pool_backward(dA, cache, mode),
                                       rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", [2, 3])
def test_max_pool_ties_in_either_memory_order(f):
    """The 2x2 path (max over rows first, winners found from A in the backward) and the
    general one: NHWC and channel-major inputs (conv2d's outputs) give the same A and route
    each tied window's gradient to its first max, as the course's loops do for unique maxima."""
    data = np.random.default_rng(7).integers(0, 2, size=(3, 7, 8, 4)).astype(np.float64)
    channel_major = np.ascontiguousarray(data.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    results = []
    for A_data in (data, channel_major):
        A_prev = Tensor(A_data, requires_grad=True)
        A = F.max_pool2d(A_prev, f)
        dA = np.random.default_rng(8).standard_normal(A.shape)
        A.backward(dA)
        results.append((A.data, A_prev.grad))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    A_out, grad = results[0]
    m, n_H, n_W, n_C = A_out.shape
    expected = np.zeros_like(data)  # one entry per window gets dA: its first max, row-major
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = data[i, h * f:(h + 1) * f, w * f:(w + 1) * f, c]
                    assert window.max() == A_out[i, h, w, c]
                    first = np.unravel_index(np.argmax(window == window.max()), (f, f))
                    expected[i, h * f + first[0], w * f + first[1], c] = dA[i, h, w, c]
    np.testing.assert_array_equal(grad, expected)


# ---------------------------------------------------------------------------- threads
@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(pool, "MIN_BATCH_LAST_ELEMENTS_PER_THREAD", 0)
    with split_over_two_threads(monkeypatch, pool, "MIN_ELEMENTS_PER_THREAD"):
        yield


def pool_run(op, A_data, f, stride, dA):
    A_prev = Tensor(A_data, requires_grad=True)
    A = op(A_prev, f, stride)
    A.backward(dA)
    return A.data, A_prev.grad


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES + [(5, 9, 9, 3, 3, None), (3, 8, 8, 2, 2, None)])
def test_split_pool_matches_one_thread_bitwise_and_course_loops(mode, case, two_threads):
    """Pooling is independent per image and sums each window in a fixed order: the split
    batch gives exactly the one-thread result, NHWC, channel-major or batch-last (the
    compiled 2x2 kernels then run over a block of images inside each run), and the
    course's."""
    m, n_H_prev, n_W_prev, n_C, f, stride = case
    data = np.random.default_rng(9).standard_normal((m, n_H_prev, n_W_prev, n_C))
    channel_major = np.ascontiguousarray(data.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    batch_last = np.ascontiguousarray(data.transpose(3, 1, 2, 0)).transpose(3, 1, 2, 0)
    A_ref, cache = cnn.pool_forward(data, {"f": f, "stride": f if stride is None else stride},
                                    mode)
    dA = np.random.default_rng(2).standard_normal(A_ref.shape)
    dA_prev_ref = cnn.pool_backward(dA, cache, mode)
    for A_data in (data, channel_major, batch_last):
        split = pool_run(POOLS[mode], A_data, f, stride, dA)
        threads.set_num_threads(1)
        one = pool_run(POOLS[mode], A_data, f, stride, dA)
        threads.set_num_threads(2)
        for got, want in zip(split, one):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(split[0], A_ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(split[1], dA_prev_ref, rtol=1e-12, atol=1e-14)


def test_split_pool_keeps_the_memory_order():
    """A channel-major input (a conv's output) pools into channel-major memory, split or not."""
    data = np.random.default_rng(4).standard_normal((6, 64, 28, 28)).astype(np.float32)
    A = F.max_pool2d(data.transpose(1, 2, 3, 0), 2)  # (64, 14, 14, 6), big enough to split
    assert A.data.transpose(3, 0, 1, 2).flags.c_contiguous


def test_small_pools_run_unsplit(monkeypatch):
    """Below MIN_ELEMENTS_PER_THREAD input values a block is not worth a thread."""
    seen = []

    def record(fn, blocks):
        seen.append(list(blocks))
        return [fn(block) for block in blocks]

    monkeypatch.setattr(pool, "map_blocks", record)
    F.max_pool2d(np.ones((2, 4, 4, 3)), 2)
    assert seen == [[(0, 2)]]
