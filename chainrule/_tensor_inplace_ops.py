"""In-place forms of the indexing ops: scatter_, scatter_add_, index_add_, index_fill_,
masked_fill_, tril_, triu_ (``one_hot.scatter_(1, labels, 1.0)`` and the like).

Each computes the out-of-place result and writes it into the tensor's own array (views of it
see the change; the version counter is bumped). When autograd must record it, the result is
computed from an alias holding the tensor's old node, and the tensor takes over the result's
node, so later ops see the new value and its gradient, as torch's in-place ops do."""
import importlib

from .autograd.grad_mode import state as _grad_state
from .tensor import Tensor


def _needs_grad(t):
    return isinstance(t, Tensor) and t.requires_grad


def _inplace(op, module, attr):
    def method(self, *args, **kwargs):
        out_of_place = getattr(importlib.import_module(f"chainrule.{module}"), attr)
        records = _grad_state.enabled and (self.requires_grad or any(
            _needs_grad(a) for a in list(args) + list(kwargs.values())))
        if records:
            if self.grad_fn is None:  # a leaf: refused if it requires grad, as in torch
                Tensor._check_inplace(self, op)
            alias = Tensor._from_array(self._data)
            alias._requires_grad, alias.grad_fn = self._requires_grad, self.grad_fn
            alias._out_index = self._out_index
            out = out_of_place(alias, *args, **kwargs)
        else:
            out = out_of_place(Tensor._from_array(self._data), *args, **kwargs)
        if out._data.shape != self._data.shape:
            raise ValueError(f"{op}: the result has shape {out._data.shape} but the tensor has "
                             f"{self._data.shape}; in-place ops cannot change the shape")
        if out._data.dtype != self._data.dtype:
            raise TypeError(f"{op}: the result has dtype {out._data.dtype} but the tensor is "
                            f"{self._data.dtype}; in-place ops cannot change the dtype")
        self._data[...] = out._data
        self._version += 1
        if records:
            self.grad_fn, self._out_index, self._requires_grad = out.grad_fn, out._out_index, \
                out.requires_grad
        return self
    method.__name__ = op
    method.__doc__ = f"In-place chainrule.{attr}."
    return method


# the out-of-place op of each, loaded on first use
_INPLACE = {"scatter_": "indexing.scatter", "scatter_add_": "indexing.scatter_add",
            "index_add_": "indexing.index_add", "index_fill_": "aliases.index_fill",
            "masked_fill_": "indexing.masked_fill", "tril_": "indexing.tril",
            "triu_": "indexing.triu"}

for _name, _where in _INPLACE.items():
    if not hasattr(Tensor, _name):
        _module, _attr = _where.split(".")
        setattr(Tensor, _name, _inplace(_name, f"ops.{_module}", _attr))
