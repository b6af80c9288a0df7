"""In-place updates while exporting.

Under no_grad chainrule's in-place methods (``add_``, ``x += y``, ``masked_fill_``, ...) write
into the tensor's array without a Function, so a traced tensor would keep naming its value from
before the update. For the duration of an export they are swapped for versions that compute the
out-of-place op (recorded), write the result into the tensor as before, and point the tensor at
the new value. Writes the graph cannot express (``t[i] = v`` of a traced value, ``fill_`` of a
traced tensor) raise instead; any other in-place change is caught by the version check in
Graph.name_of.
"""

from ..tensor import Tensor
from . import tracer
from .registry import ExportError

# in-place method -> its out-of-place Tensor method
_UPDATES = {name + "_": name for name in
            ("add", "sub", "mul", "div", "clamp", "lerp", "addcmul", "addcdiv", "masked_fill",
             "index_fill", "index_add", "scatter", "scatter_add", "tril", "triu")}
_UPDATES.update({"__iadd__": "__add__", "__isub__": "__sub__", "__imul__": "__mul__",
                 "__itruediv__": "__truediv__"})
_ORIG = {}


def _live(self, args, kwargs):
    st = tracer._state
    if st is None or st.suspended or not tracer._any_traced(st.g, (self,) + args, kwargs):
        return None
    return st


def _update(name, out_of_place):
    def method(self, *args, **kwargs):
        st = _live(self, args, kwargs)
        if st is None:
            return _ORIG[name](self, *args, **kwargs)
        result = getattr(Tensor, out_of_place)(self, *args, **kwargs)
        if result._data.shape != self._data.shape:
            raise ValueError(f"{name}: the result has shape {result._data.shape} but the "
                             f"tensor has {self._data.shape}; in-place ops cannot change it")
        self._data[...] = result._data
        self._version += 1
        g = st.g
        g.path = st.where()
        g.bind(self, g.name_of(result, dtype=self._data.dtype))
        return self
    method.__name__ = name
    return method


def _copy_(self, src, *args, **kwargs):
    st = _live(self, (src,), {})
    if st is None:
        return _ORIG["copy_"](self, src, *args, **kwargs)
    g = st.g
    g.path = st.where()
    shape = g.node("Shape", [g.name_of(self)]) if g.is_traced(self) else \
        g.ints(self._data.shape)
    name = g.node("Expand", [g.name_of(src, dtype=self._data.dtype), shape])
    out = _ORIG["copy_"](self, src, *args, **kwargs)
    g.bind(self, name)
    return out


def _refuse(name):
    def method(self, *args, **kwargs):
        if _live(self, args, kwargs) is not None:
            st = tracer._state
            raise ExportError(f"onnx.export: {name} on a value computed from the inputs (in "
                              f"{tracer._describe_where(st)}) has no ONNX conversion; use an "
                              "out-of-place op (torch.where, masked_fill, cat, ...)")
        return _ORIG[name](self, *args, **kwargs)
    method.__name__ = name
    return method


def swaps():
    """(owner, name, replacement) triples for tracer.tracing."""
    out = []
    for name, base in _UPDATES.items():
        if name in dir(Tensor) and base in dir(Tensor):
            _ORIG[name] = getattr(Tensor, name)
            out.append((Tensor, name, _update(name, base)))
    _ORIG["copy_"] = Tensor.copy_
    out.append((Tensor, "copy_", _copy_))
    for name in ("__setitem__", "fill_", "zero_"):
        _ORIG[name] = getattr(Tensor, name)
        out.append((Tensor, name, _refuse(name)))
    return out


