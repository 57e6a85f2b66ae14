"""The shared machinery of every optimizer: parameter bookkeeping, flat buffers, state.

Every optimizer keeps its per-parameter state (the course's v, s) in ONE flat buffer per
quantity, with a view of it for each parameter. A step copies the gradients into one flat
gradient buffer and then runs each update formula once over all parameters together: a
handful of in-place ufunc calls on long contiguous arrays, instead of one call per formula
per parameter, and no temporary arrays.
"""
from __future__ import annotations

import numpy as np

from npdeep.nn import _pytorch_names as pytorch
from npdeep.tensor import Tensor
from npdeep.validation import check_float, check_learning_rate

# The PyTorch spellings every optimizer refuses, with the conversion to npdeep's names.
PYTORCH_NAMES = dict(lr=pytorch.LR, weight_decay=pytorch.WEIGHT_DECAY, eps=pytorch.EPS)


class Optimizer:
    """Base of GD, Momentum, RMSprop and Adam.

    Subclasses name their moment buffers in ``_moments`` and write ``_direction(sl)``, which
    reads the gradient from ``self._g[sl]`` (it may overwrite it), updates the moments in
    ``self._state[name][sl]`` and leaves the step to subtract, α·(direction), in
    ``self._tmp[sl]``. ``sl`` covers either all parameters at once or one of them.

    Attributes:
        params: the list of parameters this optimizer updates.
        learning_rate: α; may be set (learning-rate schedules set it between epochs), and
            every value set is checked like the one passed in: a finite float > 0, else
            ValueError naming the value.
        lambd: L2 weight decay added to the gradient of weight parameters (ndim >= 2).
        t: the number of steps taken (Adam's bias-correction counter).
    """

    _moments: tuple = ()

    def __init__(self, params, learning_rate: float, lambd: float):
        where = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{where}: params must be an iterable of Parameters (e.g. "
                            "model.parameters()), not a single Tensor; wrap it in a list")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{where}: got an empty parameter list; pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{where}: params[{i}] is a {type(p).__name__}, not a "
                                "Parameter/Tensor")
            if p.data.dtype.kind != "f":
                raise TypeError(f"{where}: params[{i}] has dtype {p.data.dtype}; only floating "
                                "parameters can be trained")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{where}: a parameter appears more than once in params")
        self.learning_rate = learning_rate  # checked by the property's setter
        self.lambd = check_float(lambd, "lambd", where, low=0.0)
        self.t = 0

        dtype = np.result_type(*[p.data.dtype for p in self.params])
        sizes = [p.data.size for p in self.params]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self._size = int(offsets[-1])
        self._slices = [slice(int(a), int(b)) for a, b in zip(offsets[:-1], offsets[1:])]
        self._g = np.zeros(self._size, dtype)    # the gradients, gathered
        self._tmp = np.zeros(self._size, dtype)  # scratch; holds the step at the end
        self._state = {name: np.zeros(self._size, dtype) for name in self._moments}
        self._g_views = [self._g[sl].reshape(p.data.shape)
                         for sl, p in zip(self._slices, self.params)]
        self._tmp_views = [self._tmp[sl].reshape(p.data.shape)
                           for sl, p in zip(self._slices, self.params)]
        # Weight decay applies to weights (W: ndim >= 2), never to biases, gamma or beta.
        self._decays = [p.data.ndim >= 2 for p in self.params]

    @property
    def learning_rate(self) -> float:
        """α, the step size; setting it checks the value like the constructor does."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        # A schedule or a user sets α by hand between epochs; a negative or NaN α would
        # otherwise train uphill (or into NaN) without a word.
        self._learning_rate = check_learning_rate(value, type(self).__name__)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set .grad to None) before the next backward."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, in place on ``p.data``.

        Parameters whose ``.grad`` is None or whose ``requires_grad`` is False are skipped
        (their moments are not touched either).
        """
        params = self.params
        active = [i for i, p in enumerate(params) if p.grad is not None and p.requires_grad]
        if not active:
            return
        self.t += 1
        lambd = self.lambd
        for i in active:
            p, g = params[i], self._g_views[i]
            grad = p.grad
            if grad.shape != g.shape:
                raise ValueError(f"{type(self).__name__}.step: params[{i}] has shape "
                                 f"{p.data.shape} but its grad has shape {grad.shape}")
            # NOTE: .grad is only read, never written: gradient arrays may share memory.
            if lambd and self._decays[i]:
                np.multiply(p.data, lambd, out=g)  # d/dW of (lambd/2)·‖W‖² is lambd·W
                g += grad
            else:
                np.copyto(g, grad)
        if len(active) == len(params):
            self._direction(slice(0, self._size))
        else:
            for i in active:
                self._direction(self._slices[i])
        for i in active:
            W = params[i].data
            np.subtract(W, self._tmp_views[i], out=W)

    def _direction(self, sl: slice) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """The optimizer's state: ``learning_rate`` and ``t`` (numbers) and each moment buffer
        (one flat array over all parameters, in ``params`` order) — safetensors-ready."""
        state = {"learning_rate": float(self.learning_rate), "t": int(self.t)}
        for name, buffer in self._state.items():
            state[name] = buffer.copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a state from :meth:`state_dict` so training continues identically.

        Raises:
            KeyError: when an entry is missing.
            ValueError: when a moment buffer's size does not match these parameters.
        """
        where = f"{type(self).__name__}.load_state_dict"
        missing = [k for k in ("learning_rate", "t", *self._state) if k not in state]
        if missing:
            raise KeyError(f"{where}: missing entries {missing}")
        for name, buffer in self._state.items():
            value = np.asarray(state[name])
            if value.shape != buffer.shape:
                raise ValueError(f"{where}: '{name}' has shape {value.shape} but these "
                                 f"parameters need {buffer.shape} (one flat array of all "
                                 "parameters); was it saved for another model?")
        for name, buffer in self._state.items():
            np.copyto(buffer, np.asarray(state[name]))  # in place: the views stay valid
        self.learning_rate = float(np.asarray(state["learning_rate"]))
        self.t = int(np.asarray(state["t"]))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self.params)} parameters, "
                f"learning_rate={self.learning_rate:g}, lambd={self.lambd:g})")
