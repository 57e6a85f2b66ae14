"""Refuse PyTorch's argument names where npdeep uses the course's, saying how to convert.

Some PyTorch spellings mean something else here: PyTorch's ``Dropout(p=0.2)`` drops 20% of
the units where the course's ``keep_prob=0.2`` keeps 20%, and PyTorch's BatchNorm
``momentum=0.1`` is 1 − the course's β of the running average. Accepting them silently would
train a different network, and Python's own "unexpected keyword argument" does not say what
to write instead. So each class lists the PyTorch names it refuses, with the conversion, and
the arguments whose meaning differs are keyword-only.
"""
from __future__ import annotations

import functools
import inspect

# One message per PyTorch spelling, shared by every layer and optimizer that refuses it.
LR = "npdeep uses the course's name: lr=α is learning_rate=α"
WEIGHT_DECAY = ("npdeep uses the course's lambd: lambd·W is added to the gradient of every "
                "weight, as PyTorch's weight_decay is, so weight_decay=wd is lambd=wd (the "
                "course's cost term λ/(2m)·Σ‖W‖² is lambd=λ/m)")
EPS = "npdeep uses the course's name: eps=ε is epsilon=ε"
DROPOUT_P = ("npdeep uses the course's keep_prob, the probability of KEEPING a unit; "
             "PyTorch's p is the probability of dropping it, so p=0.2 is keep_prob=0.8 "
             "(keep_prob = 1 − p)")
KERNEL_SIZE = "npdeep uses the course's f for the window size: kernel_size=3 is f=3"
BN_MOMENTUM = ("npdeep uses the course's β of the running averages, running_avg_beta, which "
               "weighs the OLD average: running = β·running + (1 − β)·batch; PyTorch's "
               "momentum weighs the NEW batch, so momentum=0.1 is running_avg_beta=0.9 "
               "(running_avg_beta = 1 − momentum)")


def refuse_pytorch_names(positional_hint: str | None = None, **hints: str):
    """Decorate an ``__init__`` so that PyTorch's names raise a TypeError with the conversion.

    Args:
        positional_hint: when given, more positional arguments than the signature allows
            raise TypeError with this text (the keyword-only arguments whose meaning differs
            from PyTorch's positional ones, e.g. Dropout(0.8)).
        hints: PyTorch name -> how to write it in npdeep.

    The wrapped ``__init__`` keeps its signature (``inspect.signature`` and ``help`` show it).
    """
    def decorate(init):
        parameters = list(inspect.signature(init).parameters.values())[1:]  # without self
        n_positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                           for p in parameters)
        takes_varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            where = type(self).__name__
            for name in kwargs:
                if name in hints:
                    raise TypeError(f"{where} has no '{name}': {hints[name]}")
            if positional_hint and not takes_varargs and len(args) > n_positional:
                shown = ", ".join(repr(a) for a in args)
                raise TypeError(f"{where}({shown}): {positional_hint}")
            init(self, *args, **kwargs)

        return __init__

    return decorate
