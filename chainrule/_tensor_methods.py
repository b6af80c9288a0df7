"""Tensor methods that are thin aliases of the ops (x.sum(dim) is chainrule.sum(x, dim)).

Kept apart from tensor.py so that file stays about the Tensor itself."""
from .ops import activation, elementwise, linalg, reduce, shape
from .tensor import Tensor

_METHODS = {
    # reductions
    "sum": reduce.sum, "mean": reduce.mean, "max": reduce.max, "min": reduce.min,
    "var": reduce.var, "std": reduce.std, "logsumexp": reduce.logsumexp,
    "argmax": reduce.argmax, "argmin": reduce.argmin,
    # pointwise
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "abs": elementwise.abs, "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "pow": elementwise.pow, "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "permute": shape.permute,
    "transpose": shape.transpose, "unsqueeze": shape.unsqueeze, "squeeze": shape.squeeze,
    "flatten": shape.flatten, "expand": shape.expand, "split": shape.split,
    "chunk": shape.chunk,
    # products and activations
    "matmul": linalg.matmul, "sigmoid": activation.sigmoid, "relu": activation.relu,
    "tanh": activation.tanh, "softmax": activation.softmax,
    "log_softmax": activation.log_softmax,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)


def _t(self):
    if self.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dims, got shape {self.shape}")
    return shape.transpose(self, 0, -1) if self.ndim == 2 else self


def _expand_as(self, other):
    return shape.expand(self, other.shape)


def _view_as(self, other):
    return shape.reshape(self, other.shape)


Tensor.t = _t
Tensor.expand_as = _expand_as
Tensor.view_as = _view_as
Tensor.reshape_as = _view_as
