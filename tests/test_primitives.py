"""Every primitive Function, called through Function.apply: float64 gradient check on several
shapes (edge ones included), and the forward against NumPy.

The operators and functions built on them (x + y, F.sum, x @ W) are compared with PyTorch in
tests/functional/ and tests/test_tensor.py.
"""
import numpy as np
import pytest

from npdeep import primitives as P

from harness import assert_gradcheck, randn


def positive(*shape, seed=0):
    t = randn(*shape, seed=seed)
    t.data = np.abs(t.data) + 0.5  # log, sqrt and a ** b need a > 0
    return t


# (Function, inputs, settings, NumPy's forward)
CASES = [
    (P.Add, lambda: [randn(3, 4, seed=1), randn(4, seed=2)], {}, np.add),
    (P.Sub, lambda: [randn(2, 1, seed=1), randn(1, 3, seed=2)], {}, np.subtract),
    (P.Mul, lambda: [randn(1, seed=1), randn(2, 3, seed=2)], {}, np.multiply),
    (P.Square, lambda: [randn(2, 3, seed=1)], {}, np.square),
    (P.Square, lambda: [randn()], {}, np.square),
    (P.Div, lambda: [randn(2, 3, seed=1), positive(2, 3, seed=2)], {}, np.divide),
    (P.Pow, lambda: [positive(3, 2, seed=1), randn(3, 2, seed=2)], {}, np.power),
    (P.MatMul, lambda: [randn(2, 3, seed=1), randn(3, 4, seed=2)], {}, np.matmul),
    (P.MatMul, lambda: [randn(5, 2, 3, seed=1), randn(3, seed=2)], {}, np.matmul),
    (P.MatMul, lambda: [randn(3, seed=1), randn(2, 3, 4, seed=2)], {}, np.matmul),
    (P.Neg, lambda: [randn(1, 1)], {}, np.negative),
    (P.Exp, lambda: [randn(3)], {}, np.exp),
    (P.Log, lambda: [positive(2, 2)], {}, np.log),
    (P.Sqrt, lambda: [positive(4)], {}, np.sqrt),
    (P.Abs, lambda: [randn(2, 3)], {}, np.abs),
    (P.Clip, lambda: [randn(4, 3)], {"low": -0.5, "high": 0.5},
     lambda a, low, high: np.clip(a, low, high)),
    (P.Sum, lambda: [randn(2, 3, 4)], {"axis": (0, 2)}, np.sum),
    (P.Sum, lambda: [randn(1)], {}, np.sum),
    (P.Mean, lambda: [randn(3, 4)], {"axis": -1, "keepdims": True}, np.mean),
    (P.Extremum, lambda: [randn(3, 4)], {"axis": 0},
     lambda a, axis: np.max(a, axis=axis)),
    (P.Extremum, lambda: [randn(3, 4)], {"axis": 1, "largest": False},
     lambda a, axis, largest: np.min(a, axis=axis)),
    (P.Prod, lambda: [randn(3, 4)], {"axis": 1}, np.prod),
    (P.Reshape, lambda: [randn(2, 6)], {"shape": (3, -1)},
     lambda a, shape: np.reshape(a, shape)),
    (P.Transpose, lambda: [randn(2, 3, 4)], {"axes": (2, 0, 1)},
     lambda a, axes: np.transpose(a, axes)),
    (P.GetItem, lambda: [randn(4, 3)], {"index": (slice(1, 3), 0)},
     lambda a, index: a[index]),
    (P.GetItem, lambda: [randn(4, 3)], {"index": np.array([0, 2, 0])},
     lambda a, index: a[index]),
]


@pytest.mark.parametrize("function, make_inputs, settings, numpy_forward", CASES,
                         ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)])
def test_primitive(function, make_inputs, settings, numpy_forward):
    inputs = make_inputs()
    out = function.apply(*inputs, **settings)
    expected = numpy_forward(*[t.data for t in inputs], **settings)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert_gradcheck(lambda *ts: function.apply(*ts, **settings), inputs)
