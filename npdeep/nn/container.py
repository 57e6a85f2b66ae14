"""Containers: Sequential, and Flatten, which joins convolutional bodies to dense heads."""
from __future__ import annotations

import numpy as np

from npdeep.nn.module import Module, check_example_shape


class Sequential(Module):
    """Layers applied in order: A[l] = layer_l(A[l-1]).

    Args:
        layers: the layers, in order.
        input_shape: optional, keyword-only: one example's shape without the batch axis m,
            e.g. (32, 32, 1); ``None`` entries take any size, e.g. (None, None, 3) for a
            network with a global average pool (Keras's ``Input(shape=...)``). When set, the
            input is checked at the entrance, so a wrong size is named there ("LeNet-5
            expected input of shape (m, 32, 32, 1) ...") instead of several layers in (where
            it reads "Linear(400, 120) expected (m, 400) but got (4, 256)"), and ``summary()``
            needs no argument when every entry is known.
        name: how that message names the model (default "Sequential").
        input_hint: called with the received shape (m, ...) when the check fails; returns
            how to fix it ("" for nothing), appended to the message.

    Example:
        >>> model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
        >>> model[-1] = Linear(128, 5)  # replace the head (transfer learning)
    """

    def __init__(self, *layers: Module, input_shape: tuple | None = None,
                 name: str | None = None, input_hint=None):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} is a {type(layer).__name__}, "
                                "not a Module")
            setattr(self, str(i), layer)
        if input_shape is not None:
            input_shape = check_example_shape(
                input_shape, "Sequential", "a tuple of ints >= 1 or None (one example's shape, "
                "without the batch axis m)", allow_none=True)
        self.input_shape = input_shape
        self.name = name
        self.input_hint = input_hint

    def forward(self, X):
        if self.input_shape is not None:
            self._check_input(tuple(X.shape) if hasattr(X, "shape") else np.shape(X))
        for layer in self._modules.values():
            X = layer(X)
        return X

    def _check_input(self, shape: tuple) -> None:
        """Raise ValueError naming the model, the shape it takes and (input_hint) the fix."""
        expected = self.input_shape
        if len(shape) == len(expected) + 1 and all(
                e is None or n == e for n, e in zip(shape[1:], expected)):
            return
        wanted = "(m, " + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        message = f"{self.name or 'Sequential'} expected input of shape {wanted} but got {shape}"
        # Images: a channels-first array, or flattened rows, are common and have one fix each.
        if (len(shape) == 4 and len(expected) == 3 and shape[1] == expected[-1]
                and shape[-1] != expected[-1]):
            message += "; images are NHWC — did you pass NCHW?"
        elif len(expected) == 3 and len(shape) == 2:
            message += ("; images enter as 4-D (m, n_H, n_W, n_C) arrays — reshape "
                        "flattened images with X.reshape(m, n_H, n_W, n_C)")
        elif self.input_hint is not None:
            hint = self.input_hint(shape)
            if hint:
                message += f"; {hint}"
        raise ValueError(message)

    def extra_repr(self) -> str:
        parts = []
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        if self.input_shape is not None:
            parts.append(f"input_shape={self.input_shape}")
        return ", ".join(parts)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _key(self, index: int) -> str:
        keys = list(self._modules)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"Sequential: index {index} out of range for {len(keys)} layers")
        return keys[index]

    def __getitem__(self, index):
        if isinstance(index, slice):
            # A slice is a plain Sequential: its input is not the whole model's in general.
            return Sequential(*list(self._modules.values())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, layer: Module) -> None:
        setattr(self, self._key(index), layer)

    def append(self, layer: Module) -> "Sequential":
        setattr(self, str(len(self._modules)), layer)
        return self


class Flatten(Module):
    """(m, n_H, n_W, n_C) -> (m, n_H·n_W·n_C)."""

    def forward(self, X):
        return X.reshape(X.shape[0], -1)
