"""In-place updates of a Tensor: add_, mul_, copy_, ``+=``, ``t[i] = v``, ...

Each bumps the tensor's version counter. Function.apply records the version of every tensor an
op was given, and the engine refuses to run a backward whose inputs were modified since (its
saved arrays would be stale and the gradient silently wrong), as torch does.

Assigning a tensor that requires grad into part of another (``out[i] = h``) is recorded as an
op, so the gradient reaches ``h``; other in-place updates are never recorded and are refused on
tensors that are part of a graph.
"""
from ._backend import xp
from .autograd.function import Function
from .autograd.grad_mode import state as _grad_state
from .ops._broadcast import unbroadcast
from .tensor import Tensor


def _check_inplace(t, op):
    if t.requires_grad and t.grad_fn is None and _grad_state.enabled:
        raise RuntimeError(f"{op}: a leaf tensor that requires grad is being used in an "
                           "in-place operation; wrap it in no_grad()")
    if t.grad_fn is not None and _grad_state.enabled:
        raise RuntimeError(f"{op}: in-place operations on tensors that are part of a graph "
                           "are not supported; use the out-of-place form")


def _apply_ufunc(t, op, ufunc, other):
    other = other._data if isinstance(other, Tensor) else other
    try:
        ufunc(t._data, other, out=t._data, casting="same_kind")
    except TypeError:
        raise TypeError(f"{op}: cannot write a result of {xp.result_type(t._data, other)} into "
                        f"a tensor of {t._data.dtype} in place") from None
    except ValueError:
        raise ValueError(f"{op}: an operand of shape {xp.shape(other)} cannot update a tensor "
                         f"of shape {t._data.shape} in place") from None
    t._version += 1
    return t


def _inplace(op, ufunc):
    def method(self, other, *, alpha=1):
        _check_inplace(self, op)
        if alpha != 1:
            other = (other._data if isinstance(other, Tensor) else other) * alpha
        return _apply_ufunc(self, op, ufunc, other)
    method.__name__ = op
    method.__doc__ = f"In-place {ufunc.__name__} (never recorded in the graph)."
    return method


def clamp_(self, min=None, max=None):
    _check_inplace(self, "clamp_")
    xp.clip(self._data, min, max, out=self._data)
    self._version += 1
    return self


def fill_(self, value):
    _check_inplace(self, "fill_")
    self._data.fill(value.item() if isinstance(value, Tensor) else value)
    self._version += 1
    return self


def zero_(self):
    return fill_(self, 0)


def copy_(self, src):
    _check_inplace(self, "copy_")
    try:
        self._data[...] = src._data if isinstance(src, Tensor) else src
    except ValueError:
        raise ValueError(f"copy_: source of shape {xp.shape(src)} cannot be copied into a "
                         f"tensor of shape {self._data.shape}") from None
    self._version += 1
    return self


def _operand(x):
    return x._data if isinstance(x, Tensor) else x


def addcmul_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 * tensor2 (optimizers' second-moment updates)."""
    _check_inplace(self, "addcmul_")
    return _apply_ufunc(self, "addcmul_", xp.add, value * _operand(tensor1) * _operand(tensor2))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 / tensor2."""
    _check_inplace(self, "addcdiv_")
    return _apply_ufunc(self, "addcdiv_", xp.add, value * _operand(tensor1) / _operand(tensor2))


def lerp_(self, end, weight):
    """self += weight * (end - self): moves self toward ``end`` (EMA updates)."""
    _check_inplace(self, "lerp_")
    step = _operand(weight) * (_operand(end) - self._data)
    return _apply_ufunc(self, "lerp_", xp.add, step)


def _augmented(op, ufunc, out_of_place):
    # `w -= lr * w.grad` under no_grad updates w in place, as in torch; when the graph must
    # record the op, the name is rebound to a new tensor instead.
    def method(self, other):
        if _grad_state.enabled and (self.requires_grad or getattr(other, "requires_grad", False)):
            if self.requires_grad and self.grad_fn is None:
                _check_inplace(self, op)
            return out_of_place(self, other)
        return _apply_ufunc(self, op, ufunc, other)
    return method


class IndexPut(Function):
    """``t[index] = value`` recorded: the value's gradient is the output gradient at index;
    the overwritten elements of the old ``t`` get none."""

    def backward(self, grad):
        grad_old = None
        if self.needs_input_grad[0]:
            grad_old = grad.copy()
            grad_old[self.index] = 0
        grad_value = None
        if self.needs_input_grad[1]:
            grad_value = unbroadcast(xp.ascontiguousarray(grad[self.index]), self.value_shape)
        return grad_old, grad_value


def __setitem__(self, index, value):
    if isinstance(index, Tensor):
        index = index._data
    elif type(index) is tuple:
        index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
    value_needs_grad = getattr(value, "requires_grad", False)
    records = _grad_state.enabled and (value_needs_grad or self.grad_fn is not None)
    if self.requires_grad and self.grad_fn is None:
        _check_inplace(self, "__setitem__")
    raw = value._data if isinstance(value, Tensor) else value
    try:
        self._data[index] = raw
    except (ValueError, IndexError) as e:
        raise type(e)(f"__setitem__: cannot assign a value of shape {xp.shape(raw)} to index "
                      f"{index!r} of a tensor of shape {self._data.shape}: {e}") from None
    self._version += 1
    if records:
        _record_index_put(self, index, value if value_needs_grad else None, xp.shape(raw))


def _record_index_put(t, index, value, value_shape):
    # The tensor's state before the write keeps its old node; t itself becomes the output of
    # a new IndexPut node, so ops applied to t afterwards see the new value and its gradient.
    old = None
    if t.requires_grad:
        old = Tensor._from_array(t._data)
        old.requires_grad, old.grad_fn, old._out_index = True, t.grad_fn, t._out_index
    node = object.__new__(IndexPut)
    node.index, node.value_shape = index, value_shape
    node.needs_input_grad = (old is not None, value is not None)
    node.inputs = (old, value)
    node.saved_versions = ()
    node.freed = False
    node.n_outputs = 1
    t.grad_fn, t._out_index, t.requires_grad = node, 0, True


Tensor.add_ = _inplace("add_", xp.add)
Tensor.sub_ = _inplace("sub_", xp.subtract)
Tensor.mul_ = _inplace("mul_", xp.multiply)
Tensor.div_ = _inplace("div_", xp.divide)
Tensor.clamp_ = clamp_
Tensor.fill_ = fill_
Tensor.zero_ = zero_
Tensor.copy_ = copy_
Tensor.addcmul_, Tensor.addcdiv_, Tensor.lerp_ = addcmul_, addcdiv_, lerp_
Tensor.__iadd__ = _augmented("+=", xp.add, Tensor.__add__)
Tensor.__isub__ = _augmented("-=", xp.subtract, Tensor.__sub__)
Tensor.__imul__ = _augmented("*=", xp.multiply, Tensor.__mul__)
Tensor.__itruediv__ = _augmented("/=", xp.divide, Tensor.__truediv__)
Tensor.__setitem__ = __setitem__
Tensor._check_inplace = _check_inplace
