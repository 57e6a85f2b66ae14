"""Tensor: an ndarray with a gradient and the record of the operation that made it.

Every operator is declared here, on the class: ``a + b`` is ``Add.apply(a, b)``, ``a @ b`` is
``MatMul.apply(a, b)``, ``a.sum()`` is ``Sum.apply(a)``, with the Functions of
:mod:`npdeep.primitives` (forward and backward on arrays, side by side). The binary operators
call :func:`~npdeep.autograd.apply_binary`, the same recording without ``apply``'s general
signature. The graph walk that ``backward()`` starts is in :mod:`npdeep.autograd`.
"""
from __future__ import annotations

import numpy as np

from npdeep import autograd, backend
from npdeep.autograd import apply_binary, apply_tensors, apply_unary
from npdeep.primitives import (Abs, Add, Clip, Div, Exp, Extremum, GetItem, Log, MatMul, Mean,
                               Mul, Neg, Pow, Prod, Reshape, Sqrt, Square, Sub, Sum, Transpose,
                               normalize_axis)


def as_array(data, dtype=None, where: str = "tensor") -> np.ndarray:
    """Convert ``data`` to a floating ndarray: integers and booleans become the default dtype.

    Raises:
        TypeError: for object or string arrays, which have no meaning as numbers.
    """
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"{where}: dtype must be a floating dtype. Got {dtype} instead.")
        return array.astype(dtype, copy=False)
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "iub":
        return array.astype(backend.get_default_dtype())
    raise TypeError(f"{where}: cannot make a tensor from an array of dtype {array.dtype}; "
                    "expected numbers (float, int or bool)")


def as_tensor(x) -> "Tensor":
    """``x`` itself when it is a Tensor, else a constant Tensor of it (for functions that
    accept arrays and numbers, as ``F.exp(np.zeros(3))``)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def as_operand(x, like: np.ndarray):
    """The other operand of a binary op, as ``like``'s dtype (Python numbers stay numbers).

    NOTE: NumPy scalars (np.float64(0.5), e.g. lambd / m with an np.int64 m) are not weak like
    Python numbers: kept as they are they would turn a float32 tensor into float64.
    """
    if isinstance(x, Tensor) or (isinstance(x, (int, float)) and not isinstance(x, np.generic)):
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"cannot combine a tensor with an array of dtype {array.dtype}")
    if array.dtype != like.dtype:
        array = array.astype(like.dtype)
    return array


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _shape_arguments(shape: tuple) -> tuple:
    """reshape(2, 3) and reshape((2, 3)) alike, as NumPy and PyTorch accept both."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


def _read_only_one(dtype) -> np.ndarray:
    one = np.ones((), dtype)
    one.flags.writeable = False
    return one


_SEED = {np.dtype(t): _read_only_one(t) for t in (np.float16, np.float32, np.float64)}


class Tensor(autograd.TensorBase):
    """An n-dimensional array that can record operations for reverse-mode differentiation.

    Attributes:
        data: the values, an ndarray.
        grad: dJ/d(data) after ``backward()``, an ndarray of the same shape, or None.
        requires_grad: whether operations on this tensor are recorded.

    Example:
        >>> W = npdeep.tensor(np.ones((2, 3)), requires_grad=True)   # (n[1], n[0])
        >>> X = npdeep.tensor(np.ones((4, 3)))                       # (m, n[0])
        >>> J = ((X @ W.T) ** 2).mean()
        >>> J.backward()          # W.grad: (2, 3), dJ/dW
    """

    __slots__ = ()  # data, grad, requires_grad, _ctx: autograd.TensorBase
    # Makes ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy broadcasting over it.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    def _make(self, data: np.ndarray, requires_grad: bool) -> "Tensor":
        """Wrap a result array outside the graph, without checks (comparisons, detach)."""
        t = object.__new__(Tensor)  # always a plain Tensor, also when self is a Parameter
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = None
        return t

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    def __len__(self) -> int:
        return len(self.data)

    # ------------------------------------------------------------------ leaving the graph
    def numpy(self) -> np.ndarray:
        """The values as an ndarray (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python number: ``loss.item()``."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.item(): only a one-element tensor has one value; this one "
                             f"has shape {self.shape}. Reduce it first (t.sum(), t.mean()) or "
                             "use t.tolist().")
        return self.data.item()

    def tolist(self):
        """The values as (nested) Python lists of numbers; a 0-d tensor gives a number."""
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """The same values, cut off from the graph."""
        return self._make(self.data, False)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = bool(requires_grad)
        return self

    def astype(self, dtype) -> "Tensor":
        """A copy of this tensor in another floating dtype (no gradient flows through)."""
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad)

    def __repr__(self) -> str:
        extra = ""
        if self._ctx is not None and self._ctx is not autograd.FREED:
            extra = f", grad_fn={self._ctx!r}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    # By identity, as object's (defining __eq__ would otherwise remove it); the C-level hash
    # keeps sets and dicts of tensors (parameters, the backward walk's leaves) fast.
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ arithmetic
    # The reflected forms (2 - x, ndarray @ x) keep the operands in their written order.
    def __add__(self, other) -> "Tensor":
        if isinstance(other, Tensor):
            return apply_tensors(Add, self, other)
        return apply_binary(Add, self, as_operand(other, self.data))

    def __radd__(self, other) -> "Tensor":
        return apply_binary(Add, as_operand(other, self.data), self)

    def __sub__(self, other) -> "Tensor":
        if isinstance(other, Tensor):
            return apply_tensors(Sub, self, other)
        return apply_binary(Sub, self, as_operand(other, self.data))

    def __rsub__(self, other) -> "Tensor":
        return apply_binary(Sub, as_operand(other, self.data), self)

    def __mul__(self, other) -> "Tensor":
        if isinstance(other, Tensor):
            if other is self:
                return apply_unary(Square, self)
            return apply_tensors(Mul, self, other)
        return apply_binary(Mul, self, as_operand(other, self.data))

    def __rmul__(self, other) -> "Tensor":
        return apply_binary(Mul, as_operand(other, self.data), self)

    def __truediv__(self, other) -> "Tensor":
        if isinstance(other, Tensor):
            return apply_tensors(Div, self, other)
        return apply_binary(Div, self, as_operand(other, self.data))

    def __rtruediv__(self, other) -> "Tensor":
        return apply_binary(Div, as_operand(other, self.data), self)

    def __pow__(self, other) -> "Tensor":
        if other.__class__ in (int, float) and other == 2:
            return apply_unary(Square, self)
        return apply_binary(Pow, self, other if isinstance(other, Tensor) else
                            as_operand(other, self.data))

    def __rpow__(self, other) -> "Tensor":
        return apply_binary(Pow, as_operand(other, self.data), self)

    def __matmul__(self, other) -> "Tensor":
        if not isinstance(other, Tensor):
            other = Tensor(other, dtype=self.data.dtype)
        return apply_tensors(MatMul, self, other)

    def __rmatmul__(self, other) -> "Tensor":
        return apply_binary(MatMul, Tensor(other, dtype=self.data.dtype), self)

    def __neg__(self) -> "Tensor":
        return apply_unary(Neg, self)

    def __abs__(self) -> "Tensor":
        return apply_unary(Abs, self)

    # Comparisons give boolean tensors outside the graph (a mask is a constant).
    def __eq__(self, other) -> "Tensor":  # type: ignore[override]
        return self._make(self.data == _data(other), False)

    def __ne__(self, other) -> "Tensor":  # type: ignore[override]
        return self._make(self.data != _data(other), False)

    def __lt__(self, other) -> "Tensor":
        return self._make(self.data < _data(other), False)

    def __le__(self, other) -> "Tensor":
        return self._make(self.data <= _data(other), False)

    def __gt__(self, other) -> "Tensor":
        return self._make(self.data > _data(other), False)

    def __ge__(self, other) -> "Tensor":
        return self._make(self.data >= _data(other), False)

    # ------------------------------------------------------------------ math
    def exp(self) -> "Tensor":
        """e^x elementwise."""
        return apply_unary(Exp, self)

    def log(self) -> "Tensor":
        """Natural logarithm elementwise."""
        return apply_unary(Log, self)

    def sqrt(self) -> "Tensor":
        return apply_unary(Sqrt, self)

    def abs(self) -> "Tensor":
        return apply_unary(Abs, self)

    def clip(self, min=None, max=None) -> "Tensor":
        """Limit to [min, max]; the gradient is 1 inside (bounds included) and 0 outside."""
        return Clip.apply(self, low=min, high=max)

    # ------------------------------------------------------------------ reductions
    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (an int, a tuple, or None for all)."""
        if axis is None and not keepdims:  # a loss's sum: its defaults need not be passed
            return apply_unary(Sum, self)
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis`` (an int, a tuple, or None for all)."""
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Maximum values over ``axis`` (PyTorch's amax; use argmax for the indices)."""
        return Extremum.apply(self, axis=axis, keepdims=keepdims, largest=True)

    def min(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Minimum values over ``axis`` (PyTorch's amin; use argmin for the indices)."""
        return Extremum.apply(self, axis=axis, keepdims=keepdims, largest=False)

    def prod(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Product over one axis, or over all entries (axis=None); exact gradients at zeros."""
        if axis is not None and not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Tensor.prod: axis must be an int or None. Got {axis!r} instead; "
                            "take the product one axis at a time.")
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> "Tensor":
        """Variance σ² = (1/(N − ddof)) Σ (x − μ)² over ``axis``.

        ``ddof=0`` (NumPy's default, the course's 1/m in normalizing inputs and batch norm)
        divides by N; ``ddof=1`` gives the unbiased estimate that is torch.var's default.
        The gradient flows through the mean, product and sum it is made of.
        """
        N = 1
        for i in normalize_axis(axis, self.ndim):
            N *= self.shape[i]
        if N - ddof <= 0:
            raise ValueError(f"Tensor.var: ddof={ddof} leaves N - ddof = {N - ddof} <= 0 for "
                             f"{N} values over axis {axis} of shape {self.shape}")
        centered = self - self.mean(axis=axis, keepdims=True)
        return (centered * centered).sum(axis=axis, keepdims=keepdims) / (N - ddof)

    def std(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> "Tensor":
        """Standard deviation √var (see :meth:`var` for ``ddof``).

        NOTE: √ has an infinite slope at 0, so the gradient of the std of constant values is
        nan, as in PyTorch; add an epsilon under the root (as batch norm does) where that
        can happen.
        """
        return self.var(axis=axis, keepdims=keepdims, ddof=ddof).sqrt()

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Indices of the maximum over ``axis`` (of the flattened tensor for None).

        Returns a tensor of int64 indices outside the graph (indices have no gradient), as
        torch.argmax; on ties the first index wins. Example: ``Y_hat = Z.argmax(axis=1)``.
        """
        return self._make(self.data.argmax(axis=axis, keepdims=keepdims).astype(np.int64),
                          False)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Indices of the minimum over ``axis``: as :meth:`argmax`."""
        return self._make(self.data.argmin(axis=axis, keepdims=keepdims).astype(np.int64),
                          False)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape) -> "Tensor":
        """The same values in a new shape (one dimension may be -1)."""
        return Reshape.apply(self, shape=_shape_arguments(shape))

    def transpose(self, *axes) -> "Tensor":
        """Permute the axes (reverse them when none are given)."""
        return Transpose.apply(self, axes=_shape_arguments(axes) or None)

    @property
    def T(self) -> "Tensor":
        """The axes reversed: a matrix's transpose."""
        return Transpose.apply(self, axes=None)

    def flatten(self, start_axis: int = 1) -> "Tensor":
        """Merge the axes from ``start_axis`` on: (m, n_H, n_W, n_C) -> (m, n_H·n_W·n_C)."""
        return Reshape.apply(self, shape=self.data.shape[:start_axis] + (-1,))

    def __getitem__(self, index) -> "Tensor":
        """x[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple([i.data if isinstance(i, Tensor) else i for i in index])
        elif isinstance(index, list):
            index = np.asarray(index)
        return GetItem.apply(self, index=index)

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Compute dJ/dx for every leaf x that requires a gradient; results land in ``x.grad``.

        Args:
            grad: dJ/d(self), of this tensor's shape. May be omitted for a one-element tensor,
                where it is 1.
            retain_graph: keep the graph so that backward can run through it again.
        """
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require a gradient and has no "
                               "graph; create its inputs with requires_grad=True")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): called on a tensor of shape {self.shape} without a gradient. "
                    "Pass grad= an array of that shape (dJ/dZ), e.g. "
                    "t.backward(np.ones(t.shape)), or reduce it to a scalar first (t.sum()).")
            data = self.data
            # The usual 0-d loss is seeded with a shared read-only 1 (no array made per call):
            # the engine never writes into a gradient it did not make.
            grad = _SEED.get(data.dtype) if data.ndim == 0 else None
            if grad is None:
                grad = np.ones(data.shape, data.dtype)
        else:
            grad = as_array(grad, self.data.dtype, "backward")
            if grad.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {grad.shape} but the tensor has "
                                 f"shape {self.shape}")
        autograd.run_backward(self, grad, retain_graph)


Tensor._output_class = Tensor  # what every op makes, also from Parameters (see TensorBase)


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a Tensor from an array, a list or a number.

    Float arrays keep their dtype; Python numbers, integers and booleans become the default
    dtype (float32). Object and string arrays are refused with a TypeError.

    Example:
        >>> x = npdeep.tensor([[1.0, 2.0]], requires_grad=True)
    """
    if isinstance(data, (list, tuple, int, float)) and dtype is None:
        dtype = backend.get_default_dtype()
        array = np.asarray(data)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} of dtype "
                            f"{array.dtype}; expected numbers")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
