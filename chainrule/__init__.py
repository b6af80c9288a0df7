"""chainrule: a small, readable, fast deep learning library on NumPy."""
__version__ = "0.1.0"

from .tensor import Tensor
from ._device import device
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .dtypes import (bool, double, float, float16, float32, float64, half, int, int8, int16,
                     int32, int64, long, short, uint8)
from .factories import (arange, as_tensor, empty, eye, from_numpy, full, full_like, linspace,
                        ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm,
                        tensor, zeros, zeros_like)
from .random import Generator, get_rng_state, manual_seed, set_rng_state
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .ops.elementwise import abs, clamp, exp, log, maximum, minimum, pow, sqrt, where
from .ops.linalg import matmul
from .ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .ops.misc import (allclose, cumsum, gather, is_tensor, isfinite, isinf, isnan, norm,
                       numel, prod)
from .ops.shape import (cat, chunk, expand, flatten, flip, permute, reshape, split, squeeze,
                        stack, transpose, unbind, unsqueeze)

clip = clamp

__all__ = [
    "__version__", "Tensor", "device", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty",
    "full", "zeros_like", "ones_like", "full_like", "randn", "rand", "randint", "randperm",
    "arange", "linspace", "eye", "manual_seed", "Generator", "get_rng_state", "set_rng_state",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "bool",
    "abs", "clamp", "clip", "exp", "log", "maximum", "minimum", "pow", "sqrt", "where",
    "matmul", "sigmoid", "relu", "tanh", "softmax", "log_softmax",
    "sum", "mean", "max", "min", "var", "std", "logsumexp", "argmax", "argmin",
    "cat", "stack", "split", "chunk", "reshape", "permute", "transpose", "unsqueeze",
    "squeeze", "flatten", "expand", "save", "load",
    "randn_like", "rand_like", "isnan", "isinf", "isfinite", "allclose", "is_tensor", "numel",
    "cumsum", "prod", "gather", "flip", "unbind", "norm",
]


# Submodules and save/load load on first use, keeping `import chainrule` fast; __dir__ lists
# them so that dir() and tab completion see them before that.
_LAZY_MODULES = ("nn", "optim", "metrics", "data", "datasets", "train", "autograd", "io",
                 "cheatsheet")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | {"save", "load"})


def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".io", __name__), name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
