"""Pooling layers: shapes, agreement with the functional ops, and errors."""
import numpy as np
import pytest

from harness import assert_gradcheck, randn
from npdeep import functional as F
from npdeep import nn
from npdeep.tensor import Tensor


def test_pooling_layers_call_functional():
    A_prev = randn(2, 6, 7, 3)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(A_prev).data, F.max_pool2d(A_prev, 2).data)
    np.testing.assert_array_equal(nn.AvgPool2d(3, 2)(A_prev).data,
                                  F.avg_pool2d(A_prev, 3, 2).data)
    np.testing.assert_array_equal(nn.GlobalAvgPool2d()(A_prev).data,
                                  A_prev.data.mean(axis=(1, 2)))
    assert nn.MaxPool2d(2)(A_prev).shape == (2, 3, 3, 3)
    assert nn.AvgPool2d(3, 2)(A_prev).shape == (2, 2, 3, 3)
    assert_gradcheck(lambda A: nn.MaxPool2d(3, 1)(A), [A_prev])
    assert_gradcheck(lambda A: nn.AvgPool2d(2)(A), [A_prev])
    assert_gradcheck(lambda A: nn.GlobalAvgPool2d()(A), [A_prev])


def test_pooling_repr_and_no_parameters():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(f=2, stride=2)"
    assert repr(nn.AvgPool2d(3, 1)) == "AvgPool2d(f=3, stride=1)"
    assert repr(nn.GlobalAvgPool2d()) == "GlobalAvgPool2d()"
    assert nn.MaxPool2d(2).parameters() == [] or list(nn.MaxPool2d(2).parameters()) == []


@pytest.mark.parametrize("layer,name", [(nn.MaxPool2d, "MaxPool2d"), (nn.AvgPool2d, "AvgPool2d")])
def test_pooling_errors(layer, name):
    with pytest.raises(ValueError, match=rf"The 'f' parameter of {name} must be an int >= 1. "
                                         r"Got 0 instead."):
        layer(0)
    with pytest.raises(ValueError, match=rf"The 'stride' parameter of {name} must be an int "
                                         r">= 1. Got 0 instead."):
        layer(2, 0)
    with pytest.raises(ValueError, match=rf"{name}\(f=3, stride=3\): the image of size 2x2 "
                                         r"\(input \(4, 2, 2, 5\)\) is smaller than the 3x3 "
                                         r"window"):
        layer(3)(Tensor(np.zeros((4, 2, 2, 5))))
    with pytest.raises(ValueError, match=rf"{name}\(f=2, stride=2\) expected input of shape "
                                         r"\(m, n_H, n_W, n_C\) but got \(4, 4\)"):
        layer(2)(Tensor(np.zeros((4, 4))))
    with pytest.raises(ValueError, match=r"GlobalAvgPool2d\(\) expected input of shape "
                                         r"\(m, n_H, n_W, n_C\) but got \(4, 4\)"):
        nn.GlobalAvgPool2d()(Tensor(np.zeros((4, 4))))
