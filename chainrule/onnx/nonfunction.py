"""Recording the few ops that give tensors without going through a Function (their results
have no gradient): argmax/argmin, the indices of max/min over a dim, any/all.

Each is swapped in, for the duration of an export, over the module-level helper that the public
functions and Tensor methods call, so the public names themselves are never replaced.
"""
import numpy as np

from ..nn import functional as F
from ..ops import misc, reduce as red
from . import tracer


def _live(x):
    st = tracer._state
    return st if st is not None and not st.suspended and st.g.is_traced(x) else None


def _axis(dim, ndim):
    return int(dim) % max(ndim, 1)


def _arg_extremum(x, dim, keepdim, op):
    out = _ORIG["_arg_extremum"](x, dim, keepdim, op)
    st = _live(x)
    if st is None:
        return out
    g, kind = st.g, "ArgMax" if op == "argmax" else "ArgMin"
    g.path = st.where()
    name = g.name_of(x)
    if dim is None:                       # over the flattened tensor
        name = g.node(kind, [g.node("Reshape", [name, g.ints([-1])])], axis=0, keepdims=0)
        if keepdim:
            name = g.node("Reshape", [name, g.ints([1] * x._data.ndim)])
    else:
        name = g.node(kind, [name], axis=_axis(dim, x._data.ndim), keepdims=int(keepdim))
    g.bind(out, name)
    return out


def _extremum_dim(x, dim, keepdim, arg, op):
    st = _live(x)
    if st is None:
        return _ORIG["_extremum_dim"](x, dim, keepdim, arg, op)
    st.suspended += 1
    try:
        out = _ORIG["_extremum_dim"](x, dim, keepdim, arg, op)
    finally:
        st.suspended -= 1
    g = st.g
    g.path = st.where()
    axis = _axis(dim, x._data.ndim)
    name = g.name_of(x)
    g.bind(out.values, g.reduce("ReduceMax" if op == "max" else "ReduceMin", name, [axis],
                                keepdim))
    g.bind(out.indices, g.node("ArgMax" if op == "max" else "ArgMin", [name], axis=axis,
                               keepdims=int(keepdim)))
    return out


def _logical(x, dim, keepdim, op):
    out = _ORIG["_logical"](x, dim, keepdim, op)
    st = _live(x)
    if st is None:
        return out
    g = st.g
    g.path = st.where()
    name = g.name_of(x)
    nonzero = g.node("Not", [g.node("Equal", [name, g.const(np.asarray(0, x._data.dtype))])]) \
        if x._data.dtype != np.bool_ else name
    as_int = g.cast(nonzero, np.int32)
    axes = None if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    reduced = g.reduce("ReduceMax" if op == "any" else "ReduceMin", as_int, axes, keepdim)
    g.bind(out, g.cast(reduced, np.bool_))
    return out


def _one_hot(tensor, num_classes=-1):
    out = _ORIG["one_hot"](tensor, num_classes)
    st = _live(tensor)
    if st is None:
        return out
    g = st.g
    g.path = st.where()
    depth = g.const(np.asarray(out._data.shape[-1], np.int64), "depth")
    g.bind(out, g.node("OneHot", [g.name_of(tensor), depth,
                                  g.const(np.asarray([0, 1], np.int64))], axis=-1))
    return out


_ORIG = {}
_WRAPPERS = [(red, "_arg_extremum", _arg_extremum), (red, "_extremum_dim", _extremum_dim),
             (misc, "_logical", _logical), (F, "one_hot", _one_hot)]


def swaps():
    """(owner, name, replacement) triples for tracer.tracing."""
    for owner, name, fn in _WRAPPERS:
        _ORIG[name] = getattr(owner, name)
    return list(_WRAPPERS)
