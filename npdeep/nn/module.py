"""Module and Parameter: layers that own parameters, find each other, and save their state."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from npdeep.autograd import no_grad
from npdeep.tensor import Tensor, as_array


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its parameters (requires_grad by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(as_array(data, where="Parameter"), requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base of every layer and model.

    Assigning a Parameter or a Module to an attribute registers it, so ``parameters()``,
    ``state_dict()``, ``train()``/``eval()`` and ``summary()`` find it. Subclasses define
    ``forward``; call the module itself (``model(X)``).
    """

    # The rank of one example this layer takes (1 for (m, n) inputs, 3 for NHWC images);
    # None when it takes any. summary() reads it to catch an input_shape with the batch axis.
    example_ndim: int | None = None

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 "assigning attributes")
        was_buffer = self._buffers.pop(name, None)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif was_buffer and isinstance(value, np.ndarray):
            # Assigning a new array to a buffer (bn.running_mean = ...) keeps it a buffer.
            self._buffers[name] = True
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Keep a non-trained array (e.g. BatchNorm's running mean) in the state dict."""
        self.__setattr__(name, value)
        self._buffers[name] = True

    # ------------------------------------------------------------------ running
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if _summary_records is not None and not self._modules:
            _summary_records.append((self, out))
        return out

    # ------------------------------------------------------------------ traversal
    def children(self):
        return iter(self._modules.values())

    def named_modules(self, prefix: str = ""):
        yield prefix, self
        for name, module in self._modules.items():
            yield from module.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = ""):
        """(name, Parameter) pairs, e.g. ("0.W", ...), each parameter once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self) -> list:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        for module_name, module in self.named_modules():
            for name in module._buffers:
                yield (f"{module_name}.{name}" if module_name else name), module, name

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> "Module":
        """Training mode: dropout drops, batch norm uses batch statistics."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Inference mode: dropout is the identity, batch norm uses its running averages."""
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def freeze(self) -> "Module":
        """Stop training these parameters (transfer learning: keep a pretrained body fixed)."""
        for p in self.parameters():
            p.requires_grad = False
            p.grad = None
        return self

    def unfreeze(self) -> "Module":
        for p in self.parameters():
            p.requires_grad = True
        return self

    def to(self, dtype) -> "Module":
        """Cast every parameter and floating buffer to ``dtype`` in place."""
        dtype = np.dtype(dtype)
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        for _, module, name in self.named_buffers():
            value = getattr(module, name)
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                object.__setattr__(module, name, value.astype(dtype))
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Every parameter and buffer by dotted name, as copies."""
        state = OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())
        for name, module, attr in self.named_buffers():
            state[name] = np.array(getattr(module, attr), copy=True)
        return state

    def load_state_dict(self, state, strict: bool = True) -> None:
        """Copy arrays from ``state`` into this module's parameters and buffers.

        Raises:
            KeyError: listing missing and unexpected names (when strict).
            ValueError: listing every name whose shape differs.
        """
        params = dict(self.named_parameters())
        buffers = {name: (module, attr) for name, module, attr in self.named_buffers()}
        expected = set(params) | set(buffers)
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        mismatched = []
        for name in sorted(expected & set(state)):
            current = params[name].data if name in params else getattr(*buffers[name])
            if np.shape(state[name]) != np.shape(current):
                mismatched.append(f"{name}: checkpoint {np.shape(state[name])}, "
                                  f"model {np.shape(current)}")
        if mismatched:
            raise ValueError(f"{type(self).__name__}.load_state_dict: shape mismatch for "
                             + "; ".join(mismatched))
        for name in expected & set(state):
            if name in params:
                p = params[name]
                p.data = np.asarray(state[name], dtype=p.data.dtype).copy()
                p.grad = None
            else:
                module, attr = buffers[name]
                old = getattr(module, attr)
                value = np.array(state[name], dtype=np.asarray(old).dtype, copy=True)
                object.__setattr__(module, attr, value)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if not self._modules:
            return lines[0] + ")"
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def summary(self, input_shape: tuple | None = None, print_fn=print) -> None:
        """Print each layer's output shape and parameter count for an input of ``input_shape``.

        As Keras's ``model.summary()``: the table is printed (through ``print_fn``) and
        nothing is returned, so a REPL shows it once. Pass ``print_fn=lines.append`` to get
        the text. Counts follow Keras: BatchNorm's running mean and variance are
        non-trainable parameters (they are learned, by averaging, not by gradient descent),
        and so are frozen parameters; "Total params" is both.

        Args:
            input_shape: one example's shape WITHOUT the batch axis m, e.g. (784,) for
                inputs (m, 784), (32, 32, 1) for images (m, 32, 32, 1). May be left out for
                a model that knows its input shape (the model zoo's builders).
            print_fn: called once with the whole table (a str).

        Raises:
            ValueError: when input_shape is missing, is not a tuple of ints, or carries the
                batch axis m (e.g. (1, 4) for a model whose first layer is Linear(4, ...)).
        """
        global _summary_records
        from npdeep import backend
        input_shape = self._summary_input_shape(input_shape)
        dtype = self.parameters()[0].dtype if self.parameters() else backend.get_default_dtype()
        X = Tensor(np.zeros((1,) + input_shape, dtype=dtype))
        was_training = self.training
        _summary_records = []
        try:
            self.eval()
            with no_grad():
                self(X)
            records = _summary_records
        finally:
            _summary_records = None
            self.train(was_training)
        names = {id(m): n for n, m in self.named_modules()}
        rows = [("Layer (type)", "Output shape", "Param #")]
        for module, out in records:
            shape = out.shape[1:] if isinstance(out, Tensor) else "?"
            shape_text = "(m, " + ", ".join(str(s) for s in shape) + ")"
            count = sum(p.size for p in module._parameters.values())
            count += sum(np.size(getattr(module, b)) for b in module._buffers)
            rows.append((f"{names.get(id(module), '?')} ({type(module).__name__})",
                         shape_text, f"{count:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        rule = "-" * (sum(widths) + 4)
        out_lines = [rule]
        for i, r in enumerate(rows):
            out_lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}")
            if i == 0:
                out_lines.append(rule)
        trainable = self.num_parameters(trainable_only=True)
        frozen = self.num_parameters() - trainable
        buffers = sum(np.size(getattr(module, attr)) for _, module, attr in self.named_buffers())
        out_lines += [rule, f"Total params: {trainable + frozen + buffers:,}",
                      f"Trainable params: {trainable:,}",
                      f"Non-trainable params: {frozen + buffers:,}"]
        print_fn("\n".join(out_lines))

    def _summary_input_shape(self, input_shape) -> tuple:
        """``input_shape`` checked: a tuple of ints >= 1 describing one example, without m."""
        where = f"{type(self).__name__}.summary"
        known = getattr(self, "input_shape", None)  # a Sequential's, when it states one
        if input_shape is None:
            if known is None or None in known:
                raise ValueError(f"{where}: pass input_shape, one example's shape without the "
                                 "batch axis m, e.g. summary((784,)) for inputs (m, 784) or "
                                 "summary((32, 32, 1)) for images (m, 32, 32, 1)")
            return tuple(known)
        if isinstance(input_shape, (int, np.integer)) and not isinstance(input_shape, bool):
            input_shape = (int(input_shape),)
        shape = check_example_shape(input_shape, where, "a tuple of ints >= 1 (one example's "
                                    "shape, without m)")
        # One axis too many, for the model's stated input or for its first layer's kind, is
        # the batch axis m: summary((1, 4)) would otherwise "work" for a Linear(4, ...) first
        # layer (Linear maps the last axis) and print (m, 1, ...) shapes. Only a leading 1
        # counts for a Linear first layer: summary((T_x, n_x)) is a sequence through it.
        if known is not None:
            example_ndim = len(known)
        else:
            first = next((m for m in self.modules() if not m._modules), None)
            example_ndim = getattr(first, "example_ndim", None)
        if example_ndim is not None and len(shape) == example_ndim + 1 and (
                shape[0] == 1 or example_ndim >= 3 or known is not None):
            raise ValueError(f"{where}: input_shape {shape} has one axis too many; it is one "
                             f"example's shape and excludes the batch axis m (summary adds "
                             f"m itself). Did you mean summary({shape[1:]})?")
        return shape


def check_example_shape(input_shape, where: str, expected: str,
                        allow_none: bool = False, ndim: int | None = None) -> tuple:
    """The 'input_shape' parameter of ``where`` as a tuple of ints >= 1: one example's shape.

    The one check of a stated input shape (summary, Sequential, the model builders).
    ``allow_none`` lets entries be None (any size), ``ndim`` fixes the number of axes;
    ``expected`` completes the message "The 'input_shape' parameter of {where} must be
    {expected}. Got ... instead."
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = ()
    if not shape or (ndim is not None and len(shape) != ndim) or any(not (allow_none and n is None)
                        and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1)
                        for n in shape):
        raise ValueError(f"The 'input_shape' parameter of {where} must be {expected}. "
                         f"Got {input_shape!r} instead.")
    return tuple(None if n is None else int(n) for n in shape)


# Set only while summary() runs: leaf modules append (module, output) as they are called.
_summary_records = None
