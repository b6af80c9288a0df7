"""Recording a model's forward as an ONNX graph.

Nothing in chainrule pays for this when not exporting: for the duration of one export,
``tracing(graph, model)`` swaps in recording versions of ``Function.apply`` (every op),
``Module.__call__`` (layers with a native ONNX form are converted whole, without descending),
``Tensor.shape``/``size`` (sizes of traced tensors become SymInts), tensor comparisons (which
are not Functions) and the size-taking factories, then puts the originals back.

An op counts as traced when one of its inputs is: ops on parameters alone are folded into
constants, as torch's exporter does.
"""
import contextlib
import sys

import numpy as np

from ..autograd.function import Function
from ..nn.module import Module
from ..tensor import Tensor
from .registry import ExportError, function_converter, module_converter
from .symint import SymInt, has_sym


class _State:
    def __init__(self, graph, paths):
        self.g, self.paths, self.stack, self.suspended = graph, paths, [], 0

    def where(self):
        return self.stack[-1] if self.stack else ""


_state = None


_ORIGINALS = {}     # (owner, name) -> what the swap replaced


def _flat(xs):
    for x in xs:
        if isinstance(x, (tuple, list)):
            yield from _flat(x)
        elif isinstance(x, slice):
            yield from (x.start, x.stop, x.step)
        else:
            yield x


def _any_traced(g, args, kwargs):
    """True when an input is traced, or a size is a SymInt (``buffer[:T]``, ``expand(B, -1)``):
    the result then depends on the inputs and must be recorded."""
    return any(isinstance(a, SymInt) or g.is_traced(a)
               for a in _flat(list(args) + list(kwargs.values())))


def _describe_where(st):
    path = st.where()
    return f"module '{path}'" if path else "the model's own forward"


# ---- Function.apply ------------------------------------------------------------------------
def _traced_apply(cls, *args, **options):
    out = _ORIGINALS[(Function, "apply")].__func__(cls, *args, **options)
    st = _state
    if st is None or st.suspended or not _any_traced(st.g, args, options):
        return out
    convert = function_converter(cls)
    if convert is None:
        raise ExportError(f"onnx.export: no ONNX conversion for the op {cls.__name__} (used in "
                          f"{_describe_where(st)})")
    outs = out if type(out) is tuple else (out,)
    st.g.path = st.where()
    names = convert(st.g, args, options, outs)
    names = [names] if isinstance(names, str) else names
    for t, name in zip(outs, names):
        st.g.bind(t, name)
    return out


# ---- Module.__call__ -----------------------------------------------------------------------
def _traced_call(self, *args, **kwargs):
    st = _state
    call = _ORIGINALS[(Module, "__call__")]
    st.stack.append(st.paths.get(id(self), type(self).__name__))
    try:
        convert = module_converter(type(self))
        if convert is None or st.suspended or not _any_traced(st.g, args, kwargs):
            return call(self, *args, **kwargs)
        st.suspended += 1
        try:
            out = call(self, *args, **kwargs)
        finally:
            st.suspended -= 1
        st.g.path = st.where()
        convert(st.g, self, args, kwargs, out)
        return out
    finally:
        st.stack.pop()


# ---- shapes --------------------------------------------------------------------------------
def _sym_shape(self):
    st = _state
    shape = self._data.shape
    name = st.g.values.get(id(self)) if st is not None and not st.suspended else None
    if name is None:
        return shape
    return tuple(SymInt(n, ("dim", name, i)) for i, n in enumerate(shape))


def _sym_size(self, dim=None):
    shape = _sym_shape(self)
    return shape if dim is None else shape[dim]


_COMPARE = {np.equal: "Equal", np.not_equal: "NotEqual", np.less: "Less",
            np.less_equal: "LessOrEqual", np.greater: "Greater",
            np.greater_equal: "GreaterOrEqual", np.bitwise_and: "And", np.bitwise_or: "Or",
            np.bitwise_xor: "Xor"}


def _traced_compare(self, ufunc, other):
    out = _ORIGINALS[(Tensor, "_compare")](self, ufunc, other)
    st = _state
    if st is None or st.suspended or not (st.g.is_traced(self) or st.g.is_traced(other)):
        return out
    g = st.g
    g.path = st.where()
    dtype = self._data.dtype
    if isinstance(other, Tensor):
        dtype = np.result_type(dtype, other._data.dtype)
    a, b = g.name_of(self, dtype=dtype), g.name_of(other, dtype=dtype)
    if ufunc is np.floor_divide:
        g.bind(out, _floor_divide(g, a, b, dtype))
        return out
    op = _COMPARE.get(ufunc)
    if op is None:
        raise ExportError(f"onnx.export: no ONNX conversion for the tensor operator "
                          f"{ufunc.__name__} (used in {_describe_where(st)})")
    if op in ("And", "Or", "Xor") and out._data.dtype != np.bool_:
        op = "Bitwise" + op
    if op == "NotEqual":
        name = g.node("Not", [g.node("Equal", [a, b])])
    else:
        name = g.node(op, [a, b])
    g.bind(out, name)
    return out


def _floor_divide(g, a, b, dtype):
    if dtype.kind == "f":
        return g.node("Floor", [g.node("Div", [a, b])])
    q = g.node("Floor", [g.node("Div", [g.cast(a, np.float64), g.cast(b, np.float64)])])
    return g.cast(q, dtype)


def _traced_invert(self):
    out = _ORIGINALS[(Tensor, "__invert__")](self)
    st = _state
    if st is not None and not st.suspended and st.g.is_traced(self):
        g = st.g
        op = "Not" if self._data.dtype == np.bool_ else "BitwiseNot"
        g.bind(out, g.node(op, [g.name_of(self)]))
    return out


# ---- factories taking sizes ----------------------------------------------------------------
def _sizes(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def _fill_factory(name, fill):
    def make(*size, **kw):
        out = _ORIGINALS[("factories", name)](*size, **kw)
        sizes = _sizes(size)
        if _state is not None and not _state.suspended and has_sym(sizes):
            _bind_filled(out, _state.g.ints(sizes), fill if fill is not None else 0)
        return out
    return make


def _full(size, fill_value, **kw):
    out = _ORIGINALS[("factories", "full")](size, fill_value, **kw)
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    if _state is not None and not _state.suspended and has_sym(sizes):
        _bind_filled(out, _state.g.ints(sizes), fill_value)
    return out


def _like_factory(name, fill):
    def make(t, *args, **kw):
        out = _ORIGINALS[("factories", name)](t, *args, **kw)
        st = _state
        if st is not None and not st.suspended and st.g.is_traced(t):
            value = fill if fill is not None else (args[0] if args else kw["fill_value"])
            _bind_filled(out, st.g.node("Shape", [st.g.name_of(t)]), value)
        return out
    return make


def _bind_filled(out, shape_name, value):
    from onnx import numpy_helper
    g = _state.g
    g.path = _state.where()
    value = numpy_helper.from_array(np.asarray([value], out._data.dtype))
    g.bind(out, g.node("ConstantOfShape", [shape_name], value=value))


def _arange(start, end=None, step=1, **kw):
    out = _ORIGINALS[("factories", "arange")](start, end, step, **kw)
    if _state is not None and not _state.suspended and has_sym((start, end, step)):
        g = _state.g
        g.path = _state.where()
        if end is None:
            start, end = 0, start
        dtype = out._data.dtype
        scalars = [g.squeeze(g.cast(g.ints([v]), dtype), [0]) if isinstance(v, SymInt)
                   else g.const(np.asarray(v, dtype)) for v in (start, end, step)]
        g.bind(out, g.node("Range", scalars))
    return out


def _keep_sym(orig):
    def as_index(value, *a, **k):
        return value if type(value) is SymInt else orig(value, *a, **k)
    return as_index


def _keep_sym_sizes(sizes, op):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    if has_sym(sizes):
        return tuple(sizes)
    return _ORIGINALS[("_broadcast", "as_sizes")]((tuple(sizes),), op)


@contextlib.contextmanager
def tracing(graph, paths):
    """Swap the recording seams in for the duration of one export."""
    global _state
    from .. import factories
    from ..ops import _broadcast
    import chainrule
    swaps = [(Function, "apply", classmethod(_traced_apply)),
             (Module, "__call__", _traced_call),
             (Tensor, "shape", property(_sym_shape)),
             (Tensor, "size", _sym_size),
             (Tensor, "_compare", _traced_compare),
             (Tensor, "__invert__", _traced_invert)]
    fakes = {"zeros": _fill_factory("zeros", 0), "ones": _fill_factory("ones", 1),
             "empty": _fill_factory("empty", 0), "full": _full, "arange": _arange,
             "zeros_like": _like_factory("zeros_like", 0),
             "ones_like": _like_factory("ones_like", 1),
             "full_like": _like_factory("full_like", None)}
    for name, fake in fakes.items():
        _ORIGINALS[("factories", name)] = getattr(factories, name)
        swaps.append((factories, name, fake))
        if getattr(chainrule, name, None) is _ORIGINALS[("factories", name)]:
            swaps.append((chainrule, name, fake))
    from .inplace import swaps as inplace_swaps
    from .nonfunction import swaps as nonfunction_swaps
    swaps += nonfunction_swaps() + inplace_swaps()
    # Sizes pass through as_index / as_sizes in every op module: keep SymInts as they are.
    _ORIGINALS[("_broadcast", "as_sizes")] = _broadcast.as_sizes
    keep_index = _keep_sym(_broadcast.as_index)
    for mod in [m for k, m in list(sys.modules.items()) if k.startswith("chainrule.") and m]:
        if getattr(mod, "as_index", None) is _broadcast.as_index:
            swaps.append((mod, "as_index", keep_index))
        if getattr(mod, "as_sizes", None) is _broadcast.as_sizes:
            swaps.append((mod, "as_sizes", _keep_sym_sizes))
    saved = []
    for owner, name, new in swaps:
        old = vars(owner)[name]         # (on a class: the descriptor itself, not a binding)
        saved.append((owner, name, old))
        _ORIGINALS[(owner, name)] = old
        setattr(owner, name, new)
    _state = _State(graph, paths)
    try:
        yield _state
    finally:
        _state = None
        for owner, name, old in reversed(saved):
            setattr(owner, name, old)
