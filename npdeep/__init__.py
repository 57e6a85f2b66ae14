"""npdeep: deep learning from first principles, on NumPy, in the Deep Learning Specialization's
notation."""
from npdeep import functional  # noqa: F401  (binds Tensor's operators)
from npdeep import optim  # noqa: F401
from npdeep.autograd import enable_grad, is_grad_enabled, no_grad
from npdeep.backend import get_default_dtype, manual_seed, set_default_dtype
from npdeep.functional import concatenate, stack, where
from npdeep.gradcheck import gradcheck, gradcheck_model  # the functions; module stays importable
from npdeep.tensor import Tensor, tensor
from npdeep.train import EarlyStopping, History, evaluate, fit, load, predict, save

__version__ = "0.1.0"
