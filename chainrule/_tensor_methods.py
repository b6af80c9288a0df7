"""Tensor methods that are thin aliases of the ops (x.sum(dim) is chainrule.sum(x, dim)).

Kept apart from tensor.py so that file stays about the Tensor itself."""
from ._backend import xp
from ._device import check_device
from .dtypes import as_array
from .ops import activation, elementwise, linalg, misc, reduce, shape
from .tensor import Tensor

_METHODS = {
    # reductions
    "sum": reduce.sum, "mean": reduce.mean, "max": reduce.max, "min": reduce.min,
    "var": reduce.var, "std": reduce.std, "logsumexp": reduce.logsumexp,
    "argmax": reduce.argmax, "argmin": reduce.argmin, "prod": misc.prod, "norm": misc.norm,
    "cumsum": misc.cumsum, "any": misc.any, "all": misc.all,
    "isnan": misc.isnan, "isinf": misc.isinf, "isfinite": misc.isfinite, "sign": misc.sign,
    # pointwise
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "abs": elementwise.abs, "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "pow": elementwise.pow, "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "permute": shape.permute,
    "transpose": shape.transpose, "unsqueeze": shape.unsqueeze, "squeeze": shape.squeeze,
    "flatten": shape.flatten, "expand": shape.expand, "split": shape.split,
    "chunk": shape.chunk, "flip": shape.flip, "repeat": shape.repeat, "unbind": shape.unbind,
    "gather": misc.gather,
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


# ---- arithmetic spelled as methods ----------------------------------------------------------
def _add(self, other, alpha=1):
    return self + (other if alpha == 1 else other * alpha)


def _sub(self, other, alpha=1):
    return self - (other if alpha == 1 else other * alpha)


def _mul(self, other):
    return self * other


def _div(self, other, rounding_mode=None):
    if rounding_mode is None:
        return self / other
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    # rounded quotients are piecewise constant: no gradient flows through them
    b = other._data if isinstance(other, Tensor) else other
    q = getattr(xp, rounding_mode)(xp.true_divide(self._data, b))
    both_int = self.dtype.kind in "iu" and xp.asarray(b).dtype.kind in "iu"
    return Tensor._from_array(xp.asarray(q.astype(xp.int64) if both_int else q))


def _square(self):
    return self * self


def _masked_fill(self, mask, value):
    mask = mask._data if isinstance(mask, Tensor) else xp.asarray(mask)
    if mask.dtype != xp.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {mask.dtype}")
    if not isinstance(value, Tensor):
        value = xp.asarray(value, dtype=self.dtype)  # torch casts the fill to self's dtype
    return elementwise.where(mask, value, self)


def _type_as(self, other):
    return self.to(other.dtype)


Tensor.add, Tensor.sub, Tensor.mul, Tensor.div = _add, _sub, _mul, _div
Tensor.subtract, Tensor.multiply, Tensor.divide = _sub, _mul, _div
Tensor.neg = Tensor.negative = Tensor.__neg__
Tensor.square = _square
Tensor.masked_fill = _masked_fill
Tensor.type_as = _type_as


# ---- new_* make tensors with this tensor's dtype --------------------------------------------
def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    check_device("new_tensor", device)
    data = data._data if isinstance(data, Tensor) else data
    t = Tensor._from_array(as_array(data, dtype or self.dtype).copy())
    return t.requires_grad_(True) if requires_grad else t


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False,
              op="new_full"):
    check_device(op, device)
    dtype = dtype or self.dtype
    return _new_tensor(self, xp.full(shape.as_sizes((size,), op), fill_value, dtype), dtype,
                       requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_full(self, shape.as_sizes(size, "new_zeros"), 0, dtype, device, requires_grad,
                     "new_zeros")


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_full(self, shape.as_sizes(size, "new_ones"), 1, dtype, device, requires_grad,
                     "new_ones")


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_full(self, shape.as_sizes(size, "new_empty"), 0, dtype, device, requires_grad,
                     "new_empty")


Tensor.new_tensor, Tensor.new_full = _new_tensor, _new_full
Tensor.new_zeros, Tensor.new_ones, Tensor.new_empty = _new_zeros, _new_ones, _new_empty
from . import _tensor_methods_ops  # noqa: E402,F401  (methods of the newer op families)
