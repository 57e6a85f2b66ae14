"""Reverse-mode automatic differentiation: Function nodes and the backward walk.

A :class:`Function` holds ``forward(ctx, ...)`` and ``backward(ctx, grad)`` side by side. The
node object itself is the ``ctx``: forward saves on it exactly what backward needs (the course's
"cache"), and ``ctx.needs_input_grad`` lets backward skip inputs that need no gradient.
Tensors are known here only as :class:`TensorBase` (the slots the engine reads); tensor.py,
one layer below, defines Tensor on it.

``backward`` walks the recorded graph once in reverse creation order (a topological order),
undoes broadcasting in one place (:func:`unbroadcast`), checks that every gradient has its
input's shape, accumulates gradients of tensors used twice, and frees the graph as it goes.
"""
from __future__ import annotations

import contextlib
from heapq import heappop, heappush, heappushpop
import itertools

import numpy as np

_grad_enabled = True
# Numbers the recorded nodes in creation order, counting down: the min-heap of the backward
# walk then gives the newest node first.
_sequence = itertools.count(0, -1)


def is_grad_enabled() -> bool:
    return _grad_enabled


@contextlib.contextmanager
def no_grad():
    """Context manager in which operations record no graph (evaluation, optimizer updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextlib.contextmanager
def enable_grad():
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = previous


class TensorBase:
    """What the engine knows of a tensor: the slots that recording and the backward walk use.

    :class:`npdeep.tensor.Tensor` derives from it and adds the operators. autograd sits above
    tensor.py in the package's layers, so it never names Tensor: an op's output is made of the
    class ``_output_class`` of its inputs, which tensor.py sets to Tensor (so that the outputs
    of Parameters are plain Tensors), as PyTorch's ``Tensor`` derives from the engine's
    ``TensorBase``.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    _output_class: type


_new = object.__new__
_NO_GRAD_1, _NO_GRAD_2, _NEEDS_1 = (False,), (False, False), (True,)


class Function:
    """Base of every differentiable operation.

    Subclasses define two static methods on NumPy arrays::

        class Mul(Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.a, ctx.b = a, b
                return a * b

            @staticmethod
            def backward(ctx, dZ):
                return dZ * ctx.b, dZ * ctx.a

    and are called as ``Mul.apply(x, y)``. Positional arguments may be Tensors (their ``.data``
    is passed to forward) or anything else (passed unchanged), but at least one must be a
    Tensor; keyword arguments are non-differentiable settings. backward returns one gradient
    per positional argument (or a single array when there is one); entries for inputs that
    need no gradient may be None.
    """

    parents: tuple
    needs_input_grad: tuple
    # True where backward, given dZ of the output's shape and dtype, returns each input's
    # gradient in that input's shape and dtype whenever the inputs are tensors of one shape and
    # dtype (elementwise ops, matmul of equal shapes, a sum): the engine then skips its shape
    # and dtype checks of the gradients (two array attributes, a tuple comparison each: 2 µs
    # of a small graph's 24). A Function that is not sure keeps False and is checked.
    exact_gradients = False

    @classmethod
    def apply(cls, *args, **kwargs):
        # Unrolled for one and two inputs (nearly every op): this runs once per op, and per-op
        # overhead is what small graphs pay for.
        n_args = len(args)
        if n_args == 1:
            maker = args[0]
            if isinstance(maker, TensorBase):
                return apply_unary(cls, maker, kwargs)
        elif n_args == 2 and not kwargs:
            return apply_binary(cls, args[0], args[1])
        maker = next((a for a in args if isinstance(a, TensorBase)), None)
        if maker is None:
            raise _no_tensor(cls, args)
        ctx = _new(cls)
        arrays = [a.data if isinstance(a, TensorBase) else a for a in args]
        needs = tuple([isinstance(a, TensorBase) and a.requires_grad for a in args])
        any_needs = _grad_enabled and True in needs
        ctx.needs_input_grad = needs if any_needs else (False,) * n_args
        out = cls.forward(ctx, *arrays, **kwargs)
        # (the output is made here rather than by a call: one Python call fewer per op)
        result = _new(maker._output_class)
        result.data = out
        result.grad = None
        result.requires_grad = any_needs
        if any_needs:
            ctx.parents = args
            ctx._sequence = next(_sequence)
            result._ctx = ctx
        else:
            result._ctx = None
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backward>"


def _no_tensor(function, args) -> TypeError:
    types = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"{function.__name__}.apply: at least one input must be a Tensor; got "
                     f"({types}). Wrap arrays with npdeep.tensor(...) first.")


def apply_unary(function, x, settings=None):
    """``function.apply(x, **settings)`` for one tensor ``x``: what the one-input operators
    (``x * x``, ``x.sum()``) and activations call, without apply's argument handling."""
    ctx = _new(function)
    result = _new(x._output_class)
    any_needs = _grad_enabled and x.requires_grad
    ctx.needs_input_grad = _NEEDS_1 if any_needs else _NO_GRAD_1
    result.data = (function.forward(ctx, x.data, **settings) if settings else
                   function.forward(ctx, x.data))
    result.grad = None
    result.requires_grad = any_needs
    if any_needs:
        ctx.parents = (x,)
        # Creation order is a topological order: every node is made after its inputs.
        ctx._sequence = next(_sequence)
        result._ctx = ctx
    else:
        result._ctx = None
    return result


def apply_binary(function, a, b):
    """``function.apply(a, b)`` without the general signature: Tensor's operators call it.

    The same steps as :meth:`Function.apply` for two positional arguments, one of which at
    least is a Tensor.
    """
    ctx = _new(function)
    if isinstance(a, TensorBase):
        maker, a_data, a_needs = a, a.data, a.requires_grad
        if isinstance(b, TensorBase):
            b_data, b_needs = b.data, b.requires_grad
        else:
            b_data, b_needs = b, False
    elif isinstance(b, TensorBase):
        maker, a_data, a_needs = b, a, False
        b_data, b_needs = b.data, b.requires_grad
    else:
        raise _no_tensor(function, (a, b))
    any_needs = _grad_enabled and (a_needs or b_needs)
    ctx.needs_input_grad = (a_needs, b_needs) if any_needs else _NO_GRAD_2
    result = _new(maker._output_class)
    result.data = function.forward(ctx, a_data, b_data)
    result.grad = None
    result.requires_grad = any_needs
    if any_needs:
        ctx.parents = (a, b)
        ctx._sequence = next(_sequence)
        result._ctx = ctx
    else:
        result._ctx = None
    return result


def apply_tensors(function, a, b):
    """``apply_binary(function, a, b)`` where both ``a`` and ``b`` are tensors: what Tensor's
    operators call for ``x + y``, without the checks of which side is a tensor."""
    ctx = _new(function)
    a_needs, b_needs = a.requires_grad, b.requires_grad
    any_needs = _grad_enabled and (a_needs or b_needs)
    ctx.needs_input_grad = (a_needs, b_needs) if any_needs else _NO_GRAD_2
    result = _new(a._output_class)
    result.data = function.forward(ctx, a.data, b.data)
    result.grad = None
    result.requires_grad = any_needs
    if any_needs:
        ctx.parents = (a, b)
        ctx._sequence = next(_sequence)
        result._ctx = ctx
    else:
        result._ctx = None
    return result


class _Freed:
    """Marks a node whose graph was freed by an earlier backward()."""

    def __repr__(self) -> str:
        return "<freed>"


FREED = _Freed()


def unbroadcast(grad: np.ndarray, shape: tuple, where: str = "backward") -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    The course's broadcasting rule run backwards: an input of shape (1, n) added to (m, n)
    received every row's gradient, so its gradient is the sum over the m rows.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"{where}: gradient of shape {grad.shape} cannot be reduced to its "
                         f"input's shape {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        raise ValueError(f"{where}: gradient of shape {grad.shape} does not match its "
                         f"input's shape {shape}")
    return grad


_SECOND_BACKWARD = ("backward(): trying to backward through a graph a second time; its buffers "
                    "were freed by the first backward(). Pass retain_graph=True to the first "
                    "call.")


def _fitted(g: np.ndarray, pdata: np.ndarray, ctx) -> np.ndarray:
    """``g``, the gradient ``ctx``'s backward returned for an input whose array is ``pdata``,
    summed back over the axes broadcasting added (or a clear error) and cast to its dtype."""
    if g.shape != pdata.shape:
        g = unbroadcast(g, pdata.shape, f"{type(ctx).__name__}.backward")
    if g.dtype is not pdata.dtype and g.dtype != pdata.dtype:
        g = g.astype(pdata.dtype)
    return g


def run_backward(root, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Propagate ``grad`` (dL/droot) to every leaf tensor that requires a gradient.

    Nodes are visited newest first, by their creation number: a node is always created after
    its inputs, so by the time it is visited every node that consumed it (all newer) has been
    visited and its gradient is complete. This walks the graph once, with no separate
    topological sort. Leaf gradients are added to ``.grad`` as they arrive, each change
    noted, so a backward that fails half-way (a freed graph, a wrong gradient shape) puts
    every ``.grad`` back as it was.
    """
    ctx = root._ctx
    if ctx is None:  # root is a leaf
        root.grad = grad.copy() if root.grad is None else root.grad + grad
        return
    if ctx is FREED:
        raise RuntimeError(_SECOND_BACKWARD)
    changed = []  # (leaf, its .grad before), one per gradient added: undone backwards on failure
    shared = []   # (leaf, g): .grad became g, an array the engine did not make
    grads = {}    # dJ/d(output) of each node waiting on the heap, by its Function
    heap = []     # (creation number, node) of the nodes found and not yet visited but one
    found = grads.get
    node, dZ = root, grad
    try:
        while True:
            input_grads = ctx.backward(ctx, dZ)
            if type(input_grads) is tuple:
                parents = ctx.parents
                edges = zip(parents, ctx.needs_input_grad, input_grads)
                exact = False
                if ctx.exact_gradients:  # when the inputs are tensors of one shape and dtype
                    if len(parents) == 2:
                        a, b = parents
                        if isinstance(b, TensorBase) and isinstance(a, TensorBase):
                            a, b = a.data, b.data
                            exact = a.dtype is b.dtype and a.shape == b.shape
                    else:
                        exact = len(parents) == 1
            else:  # one input, which needs a gradient (the node would not exist otherwise)
                parent = ctx.parents[0]
                parent_ctx = parent._ctx
                exact = ctx.exact_gradients
                if not heap and parent_ctx is not None and parent_ctx is not FREED:
                    # A chain link (no node waits, the input is a node): straight to it, its
                    # gradient fitted as in the loop below.
                    g = input_grads if exact else _fitted(input_grads, parent.data, ctx)
                    if not retain_graph:
                        node._ctx = FREED
                    node, ctx, dZ = parent, parent_ctx, g
                    continue
                edges = ((parent, True, input_grads),)
            # The first node this one finds that no other found before: in a chain (each node
            # feeding one other) it is the next node, and its gradient goes there in these locals,
            # never through the heap or the dict.
            next_node = next_ctx = next_dZ = None
            for parent, needed, g in edges:
                if not needed:
                    continue
                if not exact:
                    g = _fitted(g, parent.data, ctx)
                parent_ctx = parent._ctx
                if parent_ctx is None:  # a leaf: its gradient goes into .grad now
                    before = parent.grad
                    changed.append((parent, before))
                    if before is None:
                        parent.grad = g
                        if g is dZ or g.base is not None or not g.flags.writeable:
                            shared.append((parent, g))  # not the engine's own array (see there)
                    else:
                        parent.grad = before + g  # a new array: .grad may be held by the caller
                elif parent_ctx is next_ctx:  # the same input twice (x @ x, or Add(x, x))
                    next_dZ = next_dZ + g
                else:
                    previous = found(parent_ctx) if grads else None  # (empty in a chain)
                    if previous is not None:
                        grads[parent_ctx] = previous + g
                    elif parent_ctx is FREED:
                        raise RuntimeError(_SECOND_BACKWARD)
                    elif next_ctx is None:
                        next_node, next_ctx, next_dZ = parent, parent_ctx, g
                    else:
                        grads[parent_ctx] = g
                        heappush(heap, (parent_ctx._sequence, parent))
            if not retain_graph:
                node._ctx = FREED  # its cache (the saved arrays) can go now
            if next_ctx is not None:
                if heap and heap[0][0] < next_ctx._sequence:  # a newer node waits: it goes first
                    grads[next_ctx] = next_dZ
                    node = heappushpop(heap, (next_ctx._sequence, next_node))[1]
                    ctx = node._ctx
                    dZ = grads.pop(ctx)
                else:
                    node, ctx, dZ = next_node, next_ctx, next_dZ
            elif heap:
                node = heappop(heap)[1]
                ctx = node._ctx
                dZ = grads.pop(ctx)
            else:
                break
    except BaseException:
        for leaf, before in reversed(changed):
            leaf.grad = before
        raise
    for leaf, g in shared:
        if leaf.grad is g:  # (no later gradient was added to it: still that array)
            # NOTE: a leaf's .grad must be its own array: broadcast views are read-only, and
            # dZ itself or a view of it (x + y, reshape) may also land in another leaf's .grad,
            # where an in-place update (gradient clipping) would leak. order="K" keeps a
            # channel-major gradient channel-major: a C-order copy costs more than the pooling
            # backward that made it.
            leaf.grad = g.copy(order="K")
