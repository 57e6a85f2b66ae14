"""Tensor: an ndarray with a gradient and the record of the operation that made it.

The operators (``+ - * / ** @``, indexing, ``sum``, ``reshape`` ...) are the differentiable ops
of :mod:`npdeep.functional`, attached to this class there; the graph walk is in
:mod:`npdeep.autograd`.
"""
from __future__ import annotations

import numpy as np

from npdeep import autograd, backend


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


class Tensor:
    """An n-dimensional array that can record operations for reverse-mode differentiation.

    Attributes:
        data: the values, an ndarray.
        grad: dJ/d(data) after ``backward()``, an ndarray of the same shape, or None.
        requires_grad: whether operations on this tensor are recorded.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    # Makes ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy broadcasting over it.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> "Tensor":
        """Wrap a result array without checks: the fast path for op outputs."""
        t = object.__new__(Tensor)
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

    def numpy(self) -> np.ndarray:
        """The values as an ndarray (shared, not copied)."""
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same values, cut off from the graph."""
        return Tensor._make(self.data, False)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
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

    def __hash__(self) -> int:
        return id(self)

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
            grad = np.ones(self.data.shape, self.data.dtype)  # (ones_like is slower)
        else:
            grad = as_array(grad, self.data.dtype, "backward")
            if grad.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {grad.shape} but the tensor has "
                                 f"shape {self.shape}")
        autograd.run_backward(self, grad, retain_graph)


autograd.Function._Tensor = Tensor


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
