"""Tensor construction, dtypes, mixing with arrays and numbers, comparisons, detach."""
import numpy as np
import pytest

import npdeep
from npdeep import backend, init
from npdeep.tensor import Tensor


def test_python_numbers_and_lists_become_default_dtype():
    assert npdeep.tensor(3).dtype == np.float32
    assert npdeep.tensor([1, 2, 3]).dtype == np.float32
    assert npdeep.tensor([[1.5, 2.0]]).dtype == np.float32
    assert npdeep.tensor([1.0], dtype=np.float64).dtype == np.float64


def test_float_arrays_keep_their_dtype():
    assert npdeep.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float64
    assert npdeep.tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_integer_and_bool_arrays_become_float_tensors():
    t = npdeep.tensor(np.arange(4))
    assert t.dtype == backend.get_default_dtype()
    np.testing.assert_array_equal(t.data, [0, 1, 2, 3])
    assert npdeep.tensor(np.array([True, False])).dtype.kind == "f"
    assert npdeep.tensor(np.arange(3, dtype=np.uint8)).dtype.kind == "f"


def test_integer_array_respects_set_default_dtype():
    npdeep.set_default_dtype(np.float64)
    try:
        assert npdeep.tensor(np.arange(3)).dtype == np.float64
        assert npdeep.tensor(2).dtype == np.float64
    finally:
        npdeep.set_default_dtype(np.float32)


def test_set_default_dtype_rejects_integers():
    with pytest.raises(TypeError, match="floating dtype"):
        npdeep.set_default_dtype(np.int32)


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble])
def test_set_default_dtype_accepts_only_float32_and_float64(dtype):
    with pytest.raises(ValueError, match=r"set_default_dtype: the default dtype must be one of "
                                         r"the floating dtypes float32 or float64. Got "
                                         rf"{np.dtype(dtype)} instead."):
        npdeep.set_default_dtype(dtype)
    assert npdeep.get_default_dtype() == np.float32


@pytest.mark.parametrize("data", [np.array(["a", "b"]), np.array([1, "x"], dtype=object),
                                  np.array([{}, 1], dtype=object)])
def test_object_and_string_arrays_are_refused(data):
    with pytest.raises(TypeError, match="cannot make a tensor"):
        npdeep.tensor(data)
    with pytest.raises(TypeError, match="cannot make a tensor"):
        Tensor(data)


def test_string_list_is_refused():
    with pytest.raises(TypeError, match="expected numbers"):
        npdeep.tensor(["a", "b"])


def test_integer_dtype_argument_is_refused():
    with pytest.raises(TypeError, match="floating dtype"):
        npdeep.tensor([1, 2], dtype=np.int64)


def test_properties():
    t = npdeep.tensor(np.zeros((2, 3)), requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.is_leaf and t.grad_fn is None
    u = t * 2
    assert not u.is_leaf and u.grad_fn is not None
    assert "grad_fn" in repr(u) and "requires_grad=True" in repr(t)
    assert npdeep.tensor([2.5]).item() == 2.5
    assert float(npdeep.tensor(1.5)) == 1.5


def test_numpy_shares_memory():
    t = npdeep.tensor(np.zeros(3))
    t.numpy()[0] = 5
    assert t.data[0] == 5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ndarray_on_either_side(dtype):
    a = np.arange(1, 7, dtype=dtype).reshape(2, 3)
    t = npdeep.tensor(np.full((2, 3), 2.0, dtype=dtype), requires_grad=True)
    cases = [
        (a + t, a + 2), (t + a, a + 2), (a - t, a - 2), (t - a, 2 - a), (a * t, a * 2),
        (t * a, a * 2), (a / t, a / 2), (t / a, 2 / a), (a ** t, a ** 2), (t ** a, 2 ** a),
    ]
    for result, expected in cases:
        assert isinstance(result, Tensor), type(result)
        assert result.dtype == dtype
        np.testing.assert_allclose(result.data, expected, rtol=1e-6)
    W = np.ones((3, 4), dtype=dtype)
    assert isinstance(t @ W, Tensor) and isinstance(W.T @ t.T, Tensor)
    np.testing.assert_allclose((W.T @ t.T).data, np.full((4, 2), 6.0))


def test_ndarray_plus_tensor_gradient():
    t = npdeep.tensor(np.ones(3), requires_grad=True, dtype=np.float64)
    (np.arange(3.0) * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [0, 1, 2])


def test_python_numbers_on_either_side_keep_dtype():
    t = npdeep.tensor([1.0, 2.0], requires_grad=True)  # float32
    for result in (t + 1, 1 + t, t - 1, 1 - t, 2 * t, t * 2, t / 2, 2 / t, t ** 2, 2 ** t, -t):
        assert isinstance(result, Tensor)
        assert result.dtype == np.float32
    np.testing.assert_allclose((1 - t).data, [0, -1])
    np.testing.assert_allclose((2 / t).data, [2, 1])


def test_numpy_scalars_do_not_upcast_float32():
    # np.float64(0.5) is not a weak Python number under NumPy 2's promotion rules.
    t = npdeep.tensor([1.0, 2.0], requires_grad=True)
    assert (t * np.float64(0.5)).dtype == np.float32
    assert (np.float64(0.5) * t).dtype == np.float32
    assert (t + np.int64(3)).dtype == np.float32
    (t * np.float64(0.5)).sum().backward()
    assert t.grad.dtype == np.float32


def test_combining_with_string_array_is_refused():
    t = npdeep.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="cannot combine a tensor"):
        t + np.array(["a", "b"])


def test_comparisons_give_no_gradient():
    x = npdeep.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    for result, expected in [(x > 0, [0, 0, 1]), (x >= 0, [0, 1, 1]), (x < 0, [1, 0, 0]),
                             (x <= 0, [1, 1, 0]), (x == 0, [0, 1, 0]), (x != 0, [1, 0, 1]),
                             (0 < x, [0, 0, 1]), (np.zeros(3) < x, [0, 0, 1])]:
        assert not result.requires_grad
        assert result.grad_fn is None
        np.testing.assert_array_equal(result.data, np.array(expected, dtype=bool))
    # A mask times x: the gradient flows through x only, the mask being a constant.
    ((x > 0) * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 1])


def test_tensor_hashable_by_identity():
    a, b = npdeep.tensor([1.0]), npdeep.tensor([1.0])
    assert len({a, b}) == 2


def test_detach():
    x = npdeep.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, y.data)
    z = (d * x).sum()  # d is a constant: dz/dx = d
    z.backward()
    np.testing.assert_array_equal(x.grad, [3, 6])


def test_astype_copies():
    x = npdeep.tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.requires_grad and y.is_leaf


def test_requires_grad_():
    x = npdeep.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad


def test_manual_seed_repeatable():
    npdeep.manual_seed(123)
    a = init.he((4, 3))
    m1 = npdeep.functional.dropout(npdeep.tensor(np.ones((5, 5))), 0.5).data
    npdeep.manual_seed(123)
    b = init.he((4, 3))
    m2 = npdeep.functional.dropout(npdeep.tensor(np.ones((5, 5))), 0.5).data
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(m1, m2)
    npdeep.manual_seed(124)
    assert not np.array_equal(init.he((4, 3)), a)


def test_rng_state_round_trip():
    npdeep.manual_seed(5)
    state = backend.get_rng_state()
    first = backend.rng().random(4)
    backend.set_rng_state(state)
    np.testing.assert_array_equal(backend.rng().random(4), first)


def test_item_gives_a_python_number():
    loss = npdeep.tensor([[2.5]])
    assert loss.item() == 2.5 and type(loss.item()) is float
    assert npdeep.tensor(3.0).sum().item() == 3.0


def test_item_of_several_values_says_what_to_do():
    with pytest.raises(ValueError, match=r"Tensor.item\(\): only a one-element tensor has one "
                                         r"value; this one has shape \(2, 3\). Reduce it first"):
        npdeep.tensor(np.zeros((2, 3))).item()


def test_tolist():
    t = npdeep.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert npdeep.tensor(2.0).tolist() == 2.0
    assert t.argmax(axis=1).tolist() == [1, 1]


def test_operators_are_declared_on_the_class():
    # Reading tensor.py shows what a + b does: nothing is attached from another module.
    for name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__truediv__",
                 "__pow__", "__matmul__", "__rmatmul__", "__neg__", "__getitem__", "__eq__",
                 "__lt__", "exp", "log", "sum", "mean", "max", "min", "prod", "var", "std",
                 "argmax", "argmin", "reshape", "transpose", "flatten", "item", "tolist"):
        assert name in Tensor.__dict__, name
        assert Tensor.__dict__[name].__module__ == "npdeep.tensor", name
    assert Tensor.__dict__["T"].fget.__module__ == "npdeep.tensor"
    assert not hasattr(npdeep.autograd.Function, "_Tensor")


@pytest.mark.parametrize("square", [lambda x: x * x, lambda x: x ** 2, lambda x: x ** 2.0])
def test_squares_record_square_with_the_values_of_mul_and_pow(square):
    x = npdeep.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    y = square(x)
    assert type(y.grad_fn).__name__ == "Square"
    y.backward(np.full((3, 4), 0.7))
    np.testing.assert_array_equal(y.data, x.data * x.data)
    np.testing.assert_array_equal(x.grad, 2 * (x.data * 0.7))
    other = npdeep.tensor(x.data)  # x * (a copy of x) is a product of two tensors
    assert type((x * other).grad_fn).__name__ == "Mul"
    assert type((x ** 3).grad_fn).__name__ == "Pow"


def test_rng_state_is_restored_in_the_generator_already_held():
    # A DataLoader mid-epoch holds backend.rng(): restoring must reach that object too.
    npdeep.manual_seed(5)
    held = backend.rng()
    state = backend.get_rng_state()
    first = held.random(4)
    backend.set_rng_state(state)
    assert backend.rng() is held
    np.testing.assert_array_equal(held.random(4), first)
