"""The compiled pooling kernels against their NumPy twins (the NumPy path of functional.pool),
on random shapes, float32 and float64, NHWC and channel-major memory. Skipped without numba."""
import numpy as np
import pytest

from npdeep import functional as F
from npdeep import kernels
from npdeep.tensor import Tensor

pytest.importorskip("numba")


def random_case(rng):
    f = int(rng.integers(1, 5))
    stride = int(rng.integers(1, 5))
    n_H_prev, n_W_prev = (int(n) for n in rng.integers(f, f + 7, size=2))
    return (int(rng.integers(1, 4)), n_H_prev, n_W_prev, int(rng.integers(1, 6))), f, stride


def layout(data, channel_major):
    """data in NHWC memory, or in channel-major memory (as conv2d's im2col outputs are), or
    (channel_major="batch_last") in (n_C, n_H, n_W, m) memory (its "rows" outputs)."""
    if channel_major == "batch_last":
        return np.ascontiguousarray(data.transpose(3, 1, 2, 0)).transpose(3, 1, 2, 0)
    if channel_major:
        return np.ascontiguousarray(data.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    return data


def run(pool, data, f, stride, dA, compiled):
    with kernels.use(compiled):
        assert kernels.active() is compiled
        A_prev = Tensor(data, requires_grad=True, dtype=data.dtype)
        A = pool(A_prev, f, stride)
        A.backward(dA)
    return A.data, A_prev.grad


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d], ids=["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channel_major", [False, True, "batch_last"],
                         ids=["nhwc", "channel_major", "batch_last"])
def test_compiled_matches_numpy(pool, dtype, channel_major):
    rng = np.random.default_rng(0)
    for trial in range(12):
        shape, f, stride = random_case(rng)
        if trial < 3:  # the common layers, always: 2x2 with few and many channels, 3x3
            shape, f, stride = [((3, 8, 6, 4), 2, 2), ((2, 6, 9, 17), 2, 2),
                                ((3, 8, 6, 4), 3, 3)][trial]
        data = layout(rng.standard_normal(shape).astype(dtype), channel_major)
        if trial % 3 == 0:  # ties: the gradient goes to the first maximal entry
            data = np.round(data)
        n_H, n_W = (shape[1] - f) // stride + 1, (shape[2] - f) // stride + 1
        dA = rng.standard_normal((shape[0], n_H, n_W, shape[3])).astype(dtype)
        if trial % 2:  # dA in another memory order than the input's, each of the two in turn
            others = [kind for kind in (False, True, "batch_last") if kind != channel_major]
            dA = layout(dA, others[trial // 2 % 2])
        A_numpy, dA_prev_numpy = run(pool, data, f, stride, dA, compiled=False)
        A, dA_prev = run(pool, data, f, stride, dA, compiled=True)
        case = f"shape={shape} f={f} stride={stride}"
        assert A.dtype == A_numpy.dtype == dtype and dA_prev.dtype == dtype, case
        assert A.strides == A_numpy.strides, case  # the same memory order out
        if stride == f:  # (the NumPy path's overlapping max leaves dA_prev in another order)
            assert dA_prev.strides == dA_prev_numpy.strides, case
        np.testing.assert_array_equal(A, A_numpy, err_msg=case)  # the same sums, same order
        if stride >= f:
            np.testing.assert_array_equal(dA_prev, dA_prev_numpy, err_msg=case)
        else:  # overlapping windows: an entry's gradients from several windows add in
            # another order
            tol = 1e-6 if dtype == np.float32 else 1e-14
            np.testing.assert_allclose(dA_prev, dA_prev_numpy, rtol=tol, atol=tol, err_msg=case)


def test_max_pool_ties_and_nan_as_numpy():
    data = np.array([[1.0, 1.0, 3.0, np.nan], [0.0, 1.0, 3.0, 2.0]]).reshape(1, 2, 4, 1)
    with kernels.use(True):
        A_prev = Tensor(data, requires_grad=True, dtype=np.float64)
        A = F.max_pool2d(A_prev, 2)
        A.backward(np.ones(A.shape))
    np.testing.assert_array_equal(A.data.ravel(), [1.0, np.nan])
    # The first of the tied 1's (row-major) gets the gradient; the NaN gets its window's.
    np.testing.assert_array_equal(A_prev.grad.ravel(), [1, 0, 0, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("f, stride", [(2, 2), (3, 3), (3, 2)])
@pytest.mark.parametrize("n_C", [1, 20], ids=["narrow", "wide"])
@pytest.mark.parametrize("channel_major", [False, True, "batch_last"],
                         ids=["nhwc", "channel_major", "batch_last"])
def test_every_max_kernel_takes_a_nan_as_its_window_max(f, stride, n_C, channel_major):
    """Each max kernel (f = 2 or any f; few or many channels; all three layouts): a window holding a
    NaN has the NaN as its max, as the NumPy path gives, and (windows not overlapping) the NaN
    gets the window's gradient."""
    rng = np.random.default_rng(3)
    data = rng.standard_normal((2, 7, 8, n_C))
    data[0, 1, 1, 0] = data[1, 4, 5, n_C - 1] = np.nan
    data = layout(data, channel_major)
    dA = np.ones((2, (7 - f) // stride + 1, (8 - f) // stride + 1, n_C))
    A, dA_prev = run(F.max_pool2d, data, f, stride, dA, compiled=True)
    A_numpy, _ = run(F.max_pool2d, data, f, stride, dA, compiled=False)
    assert np.isnan(A).sum() > 0
    np.testing.assert_array_equal(A, A_numpy)
    if stride == f:
        assert dA_prev[0, 1, 1, 0] == 1 and dA_prev[1, 4, 5, n_C - 1] == 1
