"""Containers: Sequential, and Flatten, which joins convolutional bodies to dense heads."""
from __future__ import annotations

from npdeep.nn.module import Module


class Sequential(Module):
    """Layers applied in order: A[l] = layer_l(A[l-1]).

    Example:
        >>> model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
        >>> model[-1] = Linear(128, 5)  # replace the head (transfer learning)
    """

    def __init__(self, *layers: Module):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} is a {type(layer).__name__}, "
                                "not a Module")
            setattr(self, str(i), layer)

    def forward(self, X):
        for layer in self._modules.values():
            X = layer(X)
        return X

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
