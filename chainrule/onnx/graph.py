"""The ONNX graph under construction: nodes, initializers, and which value each tensor is.

Converters talk to a Graph: ``g.name_of(x)`` gives the ONNX value of a traced tensor, a
parameter (an initializer named as in ``state_dict``), a raw array or a scalar (a constant);
``g.node(op, inputs, **attrs)`` appends a node and returns its output name(s).
"""
import numpy as np

from ..tensor import Tensor
from .symint import SymInt

INT64_MAX = np.iinfo(np.int64).max


class Graph:
    def __init__(self, opset):
        from onnx import helper
        self.helper, self.opset = helper, opset
        self.nodes, self.inits = [], {}
        self.values = {}        # id(Tensor or ndarray) -> value name
        self.params = {}        # id(Parameter, buffer or their arrays) -> (state_dict name, array)
        self._keep = []         # traced objects stay alive so their ids stay unique
        self._used = set()
        self._exprs = {}
        self._by_memory = {}    # (address, shape, dtype) -> a traced array there
        self.versions = {}      # id(Tensor) -> its version when bound
        self.path = ""          # module path of the op being converted, for node names

    # ---- names ------------------------------------------------------------------------------
    def fresh(self, hint):
        base = f"{self.path}/{hint}" if self.path else hint
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def reserve(self, name):
        """Keep ``name`` (a graph input's) from being given to anything else."""
        self._used.add(name)

    def bind(self, tensor, name):
        """Record that ``tensor`` (and its array) is the ONNX value ``name``."""
        self.values[id(tensor)] = name
        self._keep.append(tensor)
        if isinstance(tensor, Tensor):
            self.versions[id(tensor)] = tensor._version
        array = tensor._data if isinstance(tensor, Tensor) else tensor
        if isinstance(array, np.ndarray):
            self.values[id(array)] = name
            self._keep.append(array)
            self._by_memory.setdefault((_address(array), array.shape, array.dtype), array)

    def is_traced(self, x):
        if isinstance(x, (tuple, list)):
            return any(self.is_traced(v) for v in x)
        return id(x) in self.values and x is not None

    def add_param(self, name, tensor):
        self.params[id(tensor)] = (name, tensor._data)
        self.params[id(tensor._data)] = (name, tensor._data)

    # ---- values -----------------------------------------------------------------------------
    def name_of(self, x, dtype=None):
        """The value name of ``x``; scalars and untraced arrays become constants (of ``dtype``
        when given, so that ``x + 2.0`` matches x's type as NumPy's promotion does)."""
        key = id(x)
        if key in self.values:
            if isinstance(x, Tensor) and self.versions.get(key, x._version) != x._version:
                from .registry import ExportError
                raise ExportError(f"onnx.export: in {self.path or 'the model'}, a value "
                                  "computed from the inputs was modified in place by an op "
                                  "the exporter does not record; use the out-of-place op")
            name = self.values[key]
            return name if dtype is None or _dtype(x) == dtype else self.cast(name, dtype)
        if key in self.params:
            pname, array = self.params[key]
            if pname not in self.inits:
                self.inits[pname] = array
            return pname if dtype is None or array.dtype == dtype else self.cast(pname, dtype)
        array = x._data if isinstance(x, Tensor) else np.asarray(x)
        source = self._traced_base(array)
        if source is not None:
            return self.name_of(source, dtype)
        if dtype is not None:
            array = array.astype(dtype)
        return self.const(array)

    def _traced_base(self, array):
        """A NumPy view of a traced array made outside the recorded ops (``broadcast_to`` in
        some op's Python code, say): the traced array when the view shows the same elements in
        the same shape; an ExportError when it shows them otherwise, since a constant would
        silently freeze a value that depends on the inputs."""
        base = array.base
        if not isinstance(base, np.ndarray):
            return None
        same = self._by_memory.get((_address(array), array.shape, array.dtype))
        if same is not None and all(a == b or n == 1 for a, b, n in zip(
                same.strides, array.strides, array.shape)):
            return same
        while isinstance(base, np.ndarray):      # (NumPy points views at the memory's owner)
            if id(base) in self.values:
                from .registry import ExportError
                raise ExportError(
                    f"onnx.export: in {self.path or 'the model'}, a value computed from the "
                    f"inputs outside chainrule's recorded ops (a NumPy view of shape "
                    f"{array.shape} of a traced array) would be frozen into a constant; "
                    "compute it with tensor ops instead")
            base = base.base
        return None

    def const(self, array, hint="const"):
        array = np.asarray(array)
        name = self.fresh(hint)
        self.inits[name] = array
        return name

    def ints(self, values):
        """A 1-D int64 tensor from ints and SymInts (sizes read from traced shapes)."""
        values = list(values)
        if not any(isinstance(v, SymInt) for v in values):
            return self.const(np.asarray(values, np.int64), "shape")
        parts = [self.int_expr(v.expr) if isinstance(v, SymInt)
                 else self.const(np.asarray([v], np.int64), "dim") for v in values]
        return parts[0] if len(parts) == 1 else self.node("Concat", parts, axis=0)

    def int_expr(self, expr):
        """A [1] int64 value computing ``expr`` (see symint.py) at run time."""
        if expr in self._exprs:
            return self._exprs[expr]
        kind = expr[0]
        if kind == "const":
            out = self.const(np.asarray([expr[1]], np.int64), "dim")
        elif kind == "dim":
            out = self.node("Shape", [expr[1]], start=expr[2], end=expr[2] + 1)
        else:
            op = {"add": "Add", "sub": "Sub", "mul": "Mul", "floordiv": "Div"}[kind]
            out = self.node(op, [self.int_expr(expr[1]), self.int_expr(expr[2])])
        self._exprs[expr] = out
        return out

    # ---- nodes ------------------------------------------------------------------------------
    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.fresh(op) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op, list(inputs), outs,
                                                name=self.fresh(op + "_node"), **attrs))
        return outs[0] if n_out == 1 else outs

    def cast(self, name, dtype):
        from onnx import helper
        return self.node("Cast", [name], to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def reduce(self, op, x, axes, keepdims):
        """Reduce* over ``axes`` (None: all), with axes an input from opset 18 (13 for Sum)."""
        if axes is None:
            return self.node(op, [x], keepdims=int(keepdims))
        axes = [int(a) for a in axes]
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.const(np.asarray(axes, np.int64), "axes")],
                             keepdims=int(keepdims))
        return self.node(op, [x], axes=axes, keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        return self.node("Unsqueeze", [x, self.const(np.asarray(axes, np.int64), "axes")])

    def squeeze(self, x, axes):
        return self.node("Squeeze", [x, self.const(np.asarray(axes, np.int64), "axes")])


def _address(array):
    return array.__array_interface__["data"][0]


def _dtype(x):
    if isinstance(x, Tensor):
        return x._data.dtype
    return np.asarray(x).dtype
