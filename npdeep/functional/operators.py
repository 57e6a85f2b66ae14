"""Binds the differentiable ops to Tensor's operators and methods (x + y, x @ W.T, x.sum()).

They live here rather than in tensor.py because the ops are defined one layer below it.
"""
from __future__ import annotations

from npdeep.functional import elementwise as ew
from npdeep.functional import linalg, reduce, shape
from npdeep.tensor import Tensor


def _swap(op):
    def reflected(self, other):
        return op(other, self)
    return reflected


def _T(self):
    return shape.transpose(self)


Tensor.__add__ = ew.add
Tensor.__radd__ = ew.add
Tensor.__sub__ = ew.sub
Tensor.__rsub__ = _swap(ew.sub)
Tensor.__mul__ = ew.mul
Tensor.__rmul__ = ew.mul
Tensor.__truediv__ = ew.div
Tensor.__rtruediv__ = _swap(ew.div)
Tensor.__pow__ = ew.pow
Tensor.__rpow__ = _swap(ew.pow)
Tensor.__matmul__ = linalg.matmul
Tensor.__rmatmul__ = _swap(linalg.matmul)
Tensor.__neg__ = ew.neg
Tensor.__eq__ = ew.eq
Tensor.__ne__ = ew.ne
Tensor.__lt__ = ew.lt
Tensor.__le__ = ew.le
Tensor.__gt__ = ew.gt
Tensor.__ge__ = ew.ge
Tensor.__getitem__ = shape.getitem

Tensor.exp = ew.exp
Tensor.log = ew.log
Tensor.sqrt = ew.sqrt
Tensor.abs = ew.abs
Tensor.__abs__ = ew.abs
Tensor.clip = ew.clip
Tensor.sum = reduce.sum
Tensor.mean = reduce.mean
Tensor.max = reduce.max
Tensor.min = reduce.min
Tensor.reshape = shape.reshape
Tensor.transpose = shape.transpose
Tensor.flatten = shape.flatten
Tensor.T = property(_T)
