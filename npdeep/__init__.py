"""npdeep: deep learning from first principles, on NumPy, in the Deep Learning Specialization's
notation.

    import npdeep as nd

    model = nd.nn.Sequential(nd.nn.Linear(784, 128), nd.nn.ReLU(), nd.nn.Linear(128, 10))
    optimizer = nd.optim.Adam(model.parameters(), learning_rate=1e-3)
    history = nd.fit(model, nd.functional.cross_entropy, optimizer, (X, Y), epochs=5)

Subpackages, each an attribute after ``import npdeep``: ``nn`` (layers), ``optim``
(optimizers and schedules), ``functional`` (differentiable ops), ``data`` (datasets and
mini-batches), ``models`` (the model zoo), ``metrics``, ``init``, ``train`` (the fit loop and
checkpoints), ``reference`` (the course's step-by-step functions), ``text`` (vocabularies,
language models, embeddings, translation, BLEU), ``vision`` (boxes, detection, faces, style
transfer) and ``tune`` (hyperparameter search). The engine's internals
(``autograd``, ``backend``, ``validation``) are importable but not part of ``__all__``.
"""
from importlib import metadata as _metadata

from npdeep import memory as _memory

_memory.tune_malloc()  # before the first large array: see npdeep/memory.py

# The engine first: everything below builds on Tensor.
from npdeep import autograd, backend  # internals: reachable as nd.autograd, not in __all__
from npdeep.autograd import enable_grad, is_grad_enabled, no_grad
from npdeep.backend import get_default_dtype, manual_seed, set_default_dtype
from npdeep.tensor import Tensor, tensor
from npdeep.threads import get_num_threads, set_num_threads

from npdeep import functional, init, nn, optim  # noqa: E402  (in layer order)
from npdeep import data, metrics, models, reference, train, validation  # noqa: E402
from npdeep import text  # noqa: E402  (language models: needs models and train)
from npdeep import tune, vision  # noqa: E402  (applications: build on all of the above)
from npdeep.functional import concatenate, stack, where
from npdeep.gradcheck import gradcheck, gradcheck_model  # the functions; module stays importable
from npdeep.train import EarlyStopping, History, evaluate, fit, load, predict, save

try:
    __version__ = _metadata.version("npdeep")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    # subpackages
    "nn", "optim", "functional", "data", "models", "metrics", "init", "train", "reference",
    "text", "vision", "tune",
    # tensors and the engine's switches
    "Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled",
    "manual_seed", "get_default_dtype", "set_default_dtype", "set_num_threads",
    "get_num_threads",
    # ops a user reaches for at the top level, as torch.cat / torch.stack / torch.where
    "concatenate", "stack", "where",
    # training, evaluation and checking
    "fit", "evaluate", "predict", "save", "load", "EarlyStopping", "History",
    "gradcheck", "gradcheck_model",
]
