"""ReLU's compiled loops (npdeep.kernels.activation) against their NumPy twins (the NumPy
path of functional.activation.ReLU): random shapes, float32 and float64, NHWC and
channel-major memory, the same values bit for bit. Skipped without numba."""
import numpy as np
import pytest

from npdeep import functional as F
from npdeep import kernels
from npdeep.kernels import activation
from npdeep.tensor import Tensor

pytest.importorskip("numba")


def relu_step(Z, dA, compiled):
    with kernels.use(compiled):
        Zt = Tensor(Z, requires_grad=True, dtype=Z.dtype)
        A = F.relu(Zt)
        A.backward(dA)
        return A.data, Zt.grad


def channel_major(x):
    """x's values in the (n_C, m, n_H, n_W) memory of conv2d's outputs."""
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("major", [False, True])
@pytest.mark.filterwarnings("ignore:invalid value encountered")  # NumPy: inf · 0
def test_relu_matches_numpy_on_random_shapes(dtype, major):
    rng = np.random.default_rng(3)
    for _ in range(3):
        shape = tuple(int(n) for n in rng.integers(1, 24, size=4))
        shape = (shape[0] + 8,) + shape[1:]  # most cases above MIN_SIZE, some below
        Z = rng.standard_normal(shape).astype(dtype)
        Z.reshape(-1)[:3] = (0.0, -0.0, np.nan)
        dA = rng.standard_normal(shape).astype(dtype)
        dA.reshape(-1)[3:6] = (np.inf, -1.0, np.nan)
        if major:
            Z, dA = channel_major(Z), channel_major(dA)
        A_c, dZ_c = relu_step(Z, dA, True)
        A_n, dZ_n = relu_step(Z, dA, False)
        np.testing.assert_array_equal(A_c, A_n)
        np.testing.assert_array_equal(dZ_c, dZ_n)
        np.testing.assert_array_equal(np.signbit(dZ_c), np.signbit(dZ_n))
        assert A_c.dtype == dZ_c.dtype == dtype
        assert A_c.strides == A_n.strides  # the memory order NumPy's result has


def test_kernel_runs_where_it_applies_and_declines_elsewhere():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((8, 16, 16, 4)).astype(np.float32)
    with kernels.use(True):
        A = activation.relu_forward(Z)
        np.testing.assert_array_equal(A, np.maximum(Z, 0))
        assert A.ctypes.data % 64 == 0  # a cache line: the "rows" conv's aligned loads
        dZ = activation.relu_backward(A, Z)
        np.testing.assert_array_equal(dZ, Z * (A > 0))
        assert dZ.ctypes.data % 64 == 0
        assert activation.relu_forward(Z[:, ::2]) is None  # not dense
        assert activation.relu_forward(Z[:1, :2]) is None  # below MIN_SIZE
        assert activation.relu_forward(Z.astype(np.int32)) is None
        A = np.maximum(Z, 0)
        assert activation.relu_backward(A, channel_major(Z)) is None  # another memory order
        assert activation.relu_backward(A, Z.astype(np.float64)) is None


@pytest.mark.parametrize("dtype, ulps", [(np.float32, 4), (np.float64, 4)])
def test_sigmoid_kernel_matches_stable_sigmoid_to_a_few_ulp(dtype, ulps):
    # The compiled pass of small arrays against its NumPy twin: random shapes up to the
    # kernel's size, the extremes (capped −z, NaN, ±inf) included; libm's exp against
    # NumPy's, so a few ulp apart, not bit for bit.
    from npdeep.functional.activation import stable_sigmoid
    rng = np.random.default_rng(4)
    shapes = [(), (1,), (4, 4), (3, 5, 7), (activation.SIGMOID_MAX_SIZE,)]
    shapes += [tuple(int(n) for n in rng.integers(1, 9, size=3)) for _ in range(5)]
    for shape in shapes:
        z = (rng.standard_normal(shape) * 30).astype(dtype)
        if z.size >= 6:
            z.reshape(-1)[:6] = (-1000.0, 1000.0, np.nan, np.inf, -np.inf, 0.0)
        with kernels.use(True):
            A = activation.sigmoid_forward(z)
        expected = stable_sigmoid(z)
        assert A is not None and A.shape == z.shape and A.dtype == dtype
        np.testing.assert_array_equal(np.isnan(A), np.isnan(expected))
        ok = ~np.isnan(expected)
        np.testing.assert_array_max_ulp(A[ok], expected[ok], maxulp=ulps)


def test_sigmoid_takes_the_kernel_for_small_arrays_only():
    z = np.linspace(-5, 5, 2 * activation.SIGMOID_MAX_SIZE, dtype=np.float32)
    assert activation.sigmoid_forward(z) is None                   # large: NumPy's passes
    assert activation.sigmoid_forward(z[::2]) is None              # not contiguous
    assert activation.sigmoid_forward(z[:8].astype(np.float16)) is None
    with kernels.use(True):
        t = Tensor(z[:16], requires_grad=True)
        A = F.sigmoid(t)
        A.sum().backward()
    with kernels.use(False):
        t64 = Tensor(z[:16].astype(np.float64), requires_grad=True)
        F.sigmoid(t64).sum().backward()
    np.testing.assert_allclose(A.data, 1 / (1 + np.exp(-z[:16].astype(np.float64))),
                               rtol=3e-7)
    np.testing.assert_allclose(t.grad, t64.grad, rtol=1e-6)
