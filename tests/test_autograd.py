"""The engine: seeding backward, unbroadcasting, accumulation, graph freeing, no_grad, depth."""
import weakref
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep.autograd import Function, unbroadcast
from npdeep.tensor import Tensor

from harness import randn


def test_scalar_backward_is_seeded_with_one():
    x = randn(3)
    y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)


def test_one_element_non_scalar_backward_is_seeded_with_one():
    x = randn(1, 1)
    (x * 3).backward()
    np.testing.assert_allclose(x.grad, [[3.0]])


def test_non_scalar_backward_without_grad_says_what_to_pass():
    x = randn(2, 3)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) without a gradient. Pass grad="):
        y.backward()
    y.backward(np.ones((2, 3)))
    np.testing.assert_allclose(x.grad, np.full((2, 3), 2.0))


def test_backward_grad_of_wrong_shape():
    y = randn(2, 3) * 2
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the tensor has shape"):
        y.backward(np.ones(3))


def test_backward_without_requires_grad():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        (npdeep.tensor([1.0]) * 2).backward()


def test_backward_on_a_leaf():
    x = randn(1)
    x.backward()
    x.backward()
    np.testing.assert_array_equal(x.grad, [2.0])


@pytest.mark.parametrize("shape_a, shape_b", [((3, 1), (1, 4)), ((4,), (2, 3, 4)),
                                              ((), (2, 3)), ((2, 1, 4), (3, 1)),
                                              ((1,), (5,))])
def test_broadcasting_reduces_gradients(shape_a, shape_b):
    a, b = randn(*shape_a, seed=1), randn(*shape_b, seed=2)
    out = a * b
    R = np.random.default_rng(3).standard_normal(out.shape)
    (out * R).sum().backward()
    full_a = np.broadcast_to(a.data, out.shape)
    full_b = np.broadcast_to(b.data, out.shape)
    expected_a = unbroadcast_slow(R * full_b, shape_a)
    expected_b = unbroadcast_slow(R * full_a, shape_b)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    np.testing.assert_allclose(a.grad, expected_a)
    np.testing.assert_allclose(b.grad, expected_b)


def unbroadcast_slow(grad, shape):
    """Sum grad into an array of ``shape`` one element at a time: out[j] += grad[i]."""
    out = np.zeros(shape)
    offset = grad.ndim - len(shape)
    for i in np.ndindex(grad.shape):
        j = tuple(0 if s == 1 else k for k, s in zip(i[offset:], shape))
        out[j] += grad[i]
    return out


def test_unbroadcast_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) cannot be reduced to its input's shape "
                                         r"\(2, 3\)"):
        unbroadcast(np.ones(3), (2, 3), "Test")
    with pytest.raises(ValueError, match=r"\(3,\) does not match its input's shape \(2,\)"):
        unbroadcast(np.ones(3), (2,), "Test")


def test_wrong_gradient_shape_from_a_function_is_caught():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, dZ):
            return dZ[:1]

    x = randn(3, 2)
    with pytest.raises(ValueError, match=r"Bad.backward: gradient of shape \(1, 2\) does not "
                                         r"match its input's shape \(3, 2\)"):
        Bad.apply(x).sum().backward()


@pytest.mark.parametrize("op, derivative", [(lambda x: x * x, lambda x: 2 * x),
                                            (lambda x: x + x, lambda x: 2 + 0 * x),
                                            (lambda x: x * x * x, lambda x: 3 * x * x),
                                            (lambda x: x - x, lambda x: 0 * x),
                                            (lambda x: x / x, lambda x: 0 * x)])
def test_tensor_used_twice_accumulates(op, derivative):
    x = randn(4)
    op(x).sum().backward()
    np.testing.assert_allclose(x.grad, derivative(x.data), atol=1e-12)


def test_shared_intermediate_accumulates():
    x = randn(3)
    h = x.exp()
    (h * 2 + h * 3).sum().backward()  # d/dx 5 e^x
    np.testing.assert_allclose(x.grad, 5 * np.exp(x.data))


def test_a_node_used_twice_by_one_op_gets_both_gradients():
    # Both edges of h + h reach the same node; the walk must add them before visiting h.
    x = randn(3, 2)
    h = x.exp()
    (h + h).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.data))
    x.grad = None
    h = x.exp()
    (h @ h.T).sum().backward()  # (and through a transpose, which is a node of its own)
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.data) * np.exp(x.data).sum(axis=0))


def test_gradients_accumulate_across_backward_calls():
    x = randn(3)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, 5.0))


def test_leaf_grads_are_separate_arrays():
    # x + y passes one dZ to both inputs; an in-place change of one .grad must not leak.
    x, y = randn(3, seed=1), randn(3, seed=2)
    upstream = np.ones(3)
    (x + y).backward(upstream)
    assert x.grad is not y.grad and not np.shares_memory(x.grad, y.grad)
    assert not np.shares_memory(x.grad, upstream)
    x.grad *= 10
    np.testing.assert_array_equal(y.grad, np.ones(3))
    np.testing.assert_array_equal(upstream, np.ones(3))
    a, b = randn(2, 3, seed=3), randn(6, seed=4)
    (a.reshape(6) + b).backward(np.ones(6))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, np.ones(6))


def test_accumulation_never_writes_into_an_array_a_backward_returned():
    # The engine sums a leaf's third gradient into its own sum of the first two, in place;
    # the arrays backward functions returned (here one a Function also keeps) stay as they were.
    kept = np.full(3, 5.0)

    class Kept(Function):
        @staticmethod
        def forward(ctx, a):
            return a.copy()

        @staticmethod
        def backward(ctx, dZ):
            return kept

    x = randn(3)
    upstream = np.ones(3)
    (Kept.apply(x) + x * 2.0 + x).backward(upstream)
    np.testing.assert_array_equal(x.grad, np.full(3, 8.0))
    np.testing.assert_array_equal(kept, np.full(3, 5.0))
    np.testing.assert_array_equal(upstream, np.ones(3))
    for _ in range(2):  # and over a retained graph, where the same arrays come back
        x.grad = None
        y = Kept.apply(x) + Kept.apply(x) + Kept.apply(x)
        y.backward(upstream, retain_graph=True)
        np.testing.assert_array_equal(x.grad, np.full(3, 15.0))
        np.testing.assert_array_equal(kept, np.full(3, 5.0))


def test_graph_is_freed_after_backward():
    x = randn(3)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through a graph a second time.*"
                                           "retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = randn(3)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)


def test_no_grad_records_nothing():
    x = randn(3)
    with npdeep.no_grad():
        assert not npdeep.is_grad_enabled()
        y = x * 2 + 1
        with npdeep.enable_grad():
            z = x * 2
    assert npdeep.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.sum().backward()


def test_no_grad_restores_state_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with npdeep.no_grad():
            1 / 0
    assert npdeep.is_grad_enabled()


def test_constant_inputs_get_no_gradient():
    x = randn(3)
    c = randn(3, requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, c.data)


def test_needs_input_grad_lets_backward_skip():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, dZ):
            seen.append(ctx.needs_input_grad)
            return dZ, None

    Probe.apply(randn(2), randn(2, requires_grad=False)).sum().backward()
    assert seen == [(True, False)]


def test_deep_chain_has_no_recursion_limit():
    x = randn(1)
    y = x
    for _ in range(3000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 3000], rtol=1e-10)
    del y  # freeing a deep graph must not recurse either


def test_deep_graph_is_released_without_backward():
    """A long chain is freed when its last tensor goes (no reference cycles, no recursion
    limit on the way down)."""
    x = randn(1)
    first = x + 1.0
    first_node = weakref.ref(first)
    y = first
    del first
    for _ in range(5000):
        y = y + 1.0
    assert first_node() is not None  # held by the graph
    del y
    assert first_node() is None


def test_gradient_dtype_matches_input():
    x = npdeep.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (x * np.ones(3, dtype=np.float64)).sum().backward()
    assert x.grad.dtype == np.float32


def test_function_accepts_plain_arrays():
    out = F.exp(np.zeros(2))
    assert isinstance(out, Tensor) and not out.requires_grad


def test_apply_without_any_tensor_input_says_what_to_do():
    class Double(Function):
        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, dZ):
            return 2 * dZ

    with pytest.raises(TypeError, match=r"Double.apply: at least one input must be a Tensor; "
                                        r"got \(ndarray\). Wrap arrays with npdeep.tensor"):
        Double.apply(np.ones(2))
    np.testing.assert_array_equal(Double.apply(npdeep.tensor([1.0])).data, [2.0])


def test_apply_binary_is_apply_for_two_inputs():
    from npdeep.autograd import apply_binary
    from npdeep.primitives import Sub

    x, c = randn(2, 3, seed=1), randn(2, 3, seed=2, requires_grad=False)
    for a, b in [(x, c), (c, x), (x, 2.0), (2.0, x), (c, c)]:
        out, expected = apply_binary(Sub, a, b), Sub.apply(a, b)
        np.testing.assert_array_equal(out.data, expected.data)
        assert out.requires_grad == expected.requires_grad == (a is x or b is x)
        assert (out.grad_fn is None) == (expected.grad_fn is None)
    with npdeep.no_grad():
        assert apply_binary(Sub, x, x).grad_fn is None
    with pytest.raises(TypeError, match=r"Sub.apply: at least one input must be a Tensor; got "
                                        r"\(ndarray, float\)"):
        apply_binary(Sub, np.ones(2), 1.0)


def test_apply_tensors_is_apply_for_two_tensors():
    from npdeep.autograd import apply_tensors
    from npdeep.primitives import Sub

    x, c = randn(2, 3, seed=1), randn(2, 3, seed=2, requires_grad=False)
    for a, b in [(x, c), (c, x), (x, x), (c, c)]:
        out, expected = apply_tensors(Sub, a, b), Sub.apply(a, b)
        np.testing.assert_array_equal(out.data, expected.data)
        assert out.requires_grad == expected.requires_grad == (a is x or b is x)
        assert (out.grad_fn is None) == (expected.grad_fn is None)
        if out.grad_fn is not None:
            assert out.grad_fn.needs_input_grad == (a is x, b is x)
            assert out.grad_fn.parents == (a, b)
    with npdeep.no_grad():
        assert apply_tensors(Sub, x, x).grad_fn is None
        assert not apply_tensors(Sub, x, x).requires_grad


def test_the_shared_seed_of_a_scalar_loss_is_never_written():
    # backward() of a 0-d loss starts from one read-only 1 of its dtype, shared by every call:
    # it reaches x.grad as a copy, and a sum of it is a new array.
    x = randn()
    (x + 1.0).backward()   # dZ itself reaches x
    x.grad += 1
    x.grad = None
    x.reshape(()).backward()  # a view of dZ reaches x
    x.grad += 1
    (x.sum() + x.sum()).backward()
    y = x * 2.0
    (y + y).backward()
    np.testing.assert_array_equal(x.grad, 2.0 + 2.0 + 4.0)
    (x * 1.0).backward()
    assert x.grad == 9.0


def test_outputs_of_parameters_are_plain_tensors():
    W = npdeep.nn.Parameter(np.ones((2, 2)))
    for out in (W * 2, 2 * W, W @ W, W.sum(), -W, W.T, W[0], np.ones(2) @ W):
        assert type(out) is Tensor, type(out)
        assert out.requires_grad


def test_engine_does_not_import_tensor():
    # autograd sits above tensor.py in the package's layers (DESIGN.md).
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(npdeep.autograd))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]
    imported += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name and name.startswith("npdeep")], imported


def test_a_backward_that_fails_half_way_leaves_every_grad_as_it_was():
    x, w = randn(3, seed=1), randn(3, seed=2)
    y = x * 2
    y.sum().backward()                     # frees y's node
    x_grad = x.grad.copy()
    z = (y * w).sum() + (w * 3 + x).sum()  # (y * w oldest: w and x get gradients first)
    with pytest.raises(RuntimeError, match="backward through a graph a second time"):
        z.backward()
    np.testing.assert_array_equal(x.grad, x_grad)
    assert w.grad is None


def test_a_failure_after_several_gradients_reach_one_leaf_puts_its_grad_back():
    # w gets two gradients (.grad changed twice) before the walk reaches the failing node:
    # the engine undoes both changes, back to the .grad from before this backward.
    class Fails(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, dZ):
            raise KeyboardInterrupt  # (any exception, also one that is not an Exception)

    w, x = randn(3, seed=1), randn(3, seed=2)
    (w * 2).sum().backward()
    w_grad = w.grad
    z = Fails.apply(x).sum() + (w * 3).sum() + (w * 4).sum()  # (oldest node: visited last)
    with pytest.raises(KeyboardInterrupt):
        z.backward()
    assert w.grad is w_grad and x.grad is None


def test_interleaved_branches_are_visited_after_all_their_consumers():
    # The nodes of two branches are created alternately; each node's gradient must be
    # complete (both consumers added) before it is propagated.
    x = randn(4, seed=3)
    a, b = x * 2, x.exp()
    a2, b2 = a * a, b * x
    c = a2 * b + b2 * a
    c.sum().backward()
    xd = x.data
    expected = (8 * xd * np.exp(xd) + 4 * xd ** 2 * np.exp(xd)          # d(a²·b)
                + 2 * (2 * xd * np.exp(xd) + xd ** 2 * np.exp(xd)))      # d(b·x·a)
    np.testing.assert_allclose(x.grad, expected)


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs_with_shared_nodes_pass_a_gradient_check(seed):
    # Each node reads one or two random earlier nodes, so chains, diamonds and nodes waiting
    # on the heap while a chain runs all occur; the walk must finish every node's gradient
    # before it is propagated.
    from harness import assert_gradcheck

    rng = np.random.default_rng(seed)
    # (op, first input: the newest node half of the time, second input: any earlier node)
    picks = [(int(rng.integers(4)), 1 + i if rng.random() < 0.5 else int(rng.integers(2 + i)),
              int(rng.integers(2 + i))) for i in range(25)]

    def graph(x, w):
        nodes = [x, w]
        for kind, i, j in picks:
            a, b = nodes[i], nodes[j]
            nodes.append([a + b, a * b, F.tanh(a) - b, (a * 0.5).exp() * b][kind])
        return nodes[-1].sum() + nodes[-2].sum() + nodes[-5].sum()

    assert_gradcheck(graph, [randn(3, seed=seed, scale=0.3), randn(3, seed=seed + 10, scale=0.3)])


def test_copied_leaf_gradient_keeps_its_memory_order():
    # The gradient reaching x is a transposed view; copying it in C order would reorder it.
    x = npdeep.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    (x.T * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((4, 3), 2.0))
    assert x.grad.flags.f_contiguous and not x.grad.flags.c_contiguous
    assert x.grad.flags.writeable


def _functions_with_exact_gradients():
    """Every Function class of npdeep that declares exact_gradients (so the engine skips its
    checks for it), found by walking the subclasses: a new one is tested without being listed."""
    import npdeep.functional  # noqa: F401  (loads every module that defines Functions)
    found, todo = [], list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__dict__.get("exact_gradients") and cls.__module__.startswith("npdeep."):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


EXACT = _functions_with_exact_gradients()


def test_the_elementwise_ops_declare_exact_gradients():
    names = {cls.__name__ for cls in EXACT}
    assert {"Add", "Sub", "Mul", "Div", "MatMul", "Square", "Sum", "Tanh", "Sigmoid",
            "ReLU"} <= names, names


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 4), (3, 3), (2, 5, 5), (7,), (), (70, 70)])  # 70²: kernels
@pytest.mark.parametrize("function", EXACT, ids=[cls.__name__ for cls in EXACT])
def test_exact_gradients_have_their_inputs_shape_and_dtype(function, shape, dtype):
    # The promise the engine relies on when it skips its checks: inputs of one shape and
    # dtype, dZ of the output's shape and dtype -> each gradient has its input's shape and
    # dtype. Called directly, with no engine in between to fix a wrong answer.
    import inspect
    parameters = list(inspect.signature(function.forward).parameters.values())[1:]
    n_inputs = sum(p.default is p.empty for p in parameters)  # (settings have defaults)
    if function.__name__ == "MatMul" and len(shape) < 1:
        pytest.skip("matmul takes no 0-d operands")
    rng = np.random.default_rng(0)
    inputs = [(rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape)).astype(dtype)
              for _ in range(n_inputs)]
    if function.__name__ in ("Log", "Sqrt"):
        inputs = [np.abs(x) for x in inputs]
    ctx = object.__new__(function)
    ctx.needs_input_grad = (True,) * n_inputs
    with np.errstate(all="ignore"):
        out = np.asarray(function.forward(ctx, *inputs))
        dZ = rng.standard_normal(out.shape).astype(out.dtype)
        grads = function.backward(ctx, dZ if dZ.ndim else dZ[()])
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == n_inputs
    for x, g in zip(inputs, grads):
        assert np.shape(g) == x.shape and g.dtype == x.dtype, (function.__name__, x.shape,
                                                               np.shape(g), g.dtype)


def test_exact_ops_still_unbroadcast_and_cast_mixed_inputs():
    # exact_gradients holds for inputs of ONE shape and dtype only: broadcast or mixed inputs
    # must still be summed back and cast by the engine.
    a = npdeep.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    b = npdeep.tensor(np.ones((1, 4), np.float64), requires_grad=True)
    for op in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y,
               lambda x, y: x / y):
        a.grad = b.grad = None
        op(a, b).sum().backward()
        assert a.grad.shape == (3, 4) and a.grad.dtype == np.float32
        assert b.grad.shape == (1, 4) and b.grad.dtype == np.float64
    c = npdeep.tensor(np.ones((3, 4), np.float64), requires_grad=True)
    (a * c).sum().backward()
    assert c.grad.dtype == np.float64 and a.grad.dtype == np.float32


def test_a_function_that_declares_exact_gradients_wrongly_is_not_rescued():
    # The flag is a promise: the engine does not check it (that is its point), so the tests
    # above check every npdeep Function that makes it. Here, one that breaks it.
    class Liar(Function):
        exact_gradients = True

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, dZ):
            return dZ.astype(np.float64)

    x = npdeep.tensor(np.ones(3, np.float32), requires_grad=True)
    (Liar.apply(x) * 1).sum().backward()
    assert x.grad.dtype == np.float64  # not cast: exactly what a wrong flag costs
