"""chainrule: a small, readable, fast deep learning library on NumPy."""
__version__ = "0.2.0"

from .tensor import Tensor
from ._device import device
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .dtypes import (bool, double, float, float16, float32, float64, half, int, int8, int16,
                     int32, int64, long, short, uint8)
from .factories import (arange, as_tensor, empty, eye, from_numpy, full, full_like, linspace,
                        ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm,
                        tensor, zeros, zeros_like)
from .factories import empty_like, randint_like
from .random import Generator, get_rng_state, manual_seed, set_rng_state
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .ops.elementwise import abs, clamp, exp, log, maximum, minimum, pow, sqrt, where
from .ops.linalg import matmul
from .ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .ops.misc import (allclose, cumsum, gather, is_tensor, isfinite, isinf, isnan, norm,
                       numel, prod)
from .ops.shape import (cat, chunk, expand, flatten, flip, permute, reshape, split, squeeze,
                        stack, transpose, unbind, unsqueeze)

from .ops.conditional import where  # noqa: F811  (also torch.where(cond) alone)
# the newer op families (topk, einsum, scatter, ...) load on first use: see _lazy_ops.py
from ._lazy_ops import FUNCTIONS as _LAZY_FUNCTIONS

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
    # op families: pointwise math, order statistics, reductions, counting, indexing, products,
    # rearranging, distances, random draws and settings
    "acos", "arccos", "arcsin", "arctan", "arctan2", "asin", "atan", "atan2", "ceil",
    "clamp_max", "clamp_min", "cos", "cosh", "equal", "exp2", "expm1", "fix", "floor", "frac",
    "hypot", "isclose", "lerp", "log1p", "log2", "log10", "reciprocal", "round", "rsqrt", "sin",
    "sinh", "square", "tan", "trunc",
    "argsort", "bucketize", "cummax", "cummin", "kthvalue", "median", "mode", "msort",
    "searchsorted", "sort", "topk",
    "amax", "amin", "aminmax", "count_nonzero", "cumprod", "logcumsumexp", "std_mean",
    "var_mean", "bincount", "histc", "unique", "unique_consecutive",
    "argwhere", "diag", "diagonal", "index_add", "index_select", "masked_fill", "masked_select",
    "narrow", "nonzero", "roll", "scatter", "scatter_add", "take_along_dim", "trace", "tril",
    "triu",
    "addmm", "addmv", "baddbmm", "bmm", "dot", "einsum", "ger", "inner", "mm", "mv", "outer",
    "cartesian_prod", "meshgrid", "moveaxis", "movedim", "repeat_interleave", "swapaxes",
    "swapdims", "tile", "unflatten", "rot90", "fliplr", "flipud", "cdist", "all", "any",
    "sign",
    "bernoulli", "empty_like", "logspace", "multinomial", "normal", "randint_like",
    "finfo", "get_default_dtype", "iinfo", "initial_seed", "is_complex", "is_floating_point",
    "seed", "set_default_dtype", "set_printoptions",
    "get_num_interop_threads", "get_num_threads", "set_num_interop_threads", "set_num_threads",
    "add", "addcdiv", "addcmul", "broadcast_shapes", "broadcast_tensors", "broadcast_to",
    "clone", "detach", "diff", "div", "divide", "eq", "floor_divide", "fmod", "ge", "greater",
    "greater_equal", "gt", "hstack", "index_fill", "isin", "le", "less", "less_equal",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "mul",
    "multiply", "nan_to_num", "nanmean", "nansum", "ne", "neg", "negative", "not_equal",
    "positive", "remainder", "select", "sub", "subtract", "t", "take", "tensor_split",
    "tensordot", "true_divide", "vstack",
]


# Submodules and save/load load on first use, keeping `import chainrule` fast; __dir__ lists
# them so that dir() and tab completion see them before that.
_LAZY_MODULES = ("nn", "optim", "metrics", "data", "datasets", "train", "autograd", "io",
                 "cheatsheet", "utils", "backends", "cuda", "accelerator", "onnx",
                 "distributed", "amp")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | {"save", "load", "autocast"}
                  | set(_LAZY_FUNCTIONS))


def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".io", __name__), name)
    if name == "autocast":
        return importlib.import_module(".amp", __name__).autocast
    if name in _LAZY_FUNCTIONS:
        from ._lazy_ops import load
        globals()[name] = value = load(name)
        return value
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
