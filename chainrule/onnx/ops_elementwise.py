"""Converters: arithmetic, unary math, activations, softmax, reductions."""
import math

import numpy as np

from ..ops import activation as act
from ..ops import elementwise as ew
from ..ops import misc, pointwise_math as pm, reduce as red, reduce_more as redm
from ..ops.distance import EuclideanCdist
from .registry import ExportError, converts


def _out_dtype(outs):
    return outs[0]._data.dtype


def _same(g, args, outs):
    """Every input as a value of the output's dtype (NumPy promotion, made explicit)."""
    dtype = _out_dtype(outs)
    return [g.name_of(a, dtype=dtype) for a in args]


def _binary(op):
    return lambda g, args, options, outs: g.node(op, _same(g, args, outs))


for cls, op in ((ew.Add, "Add"), (ew.Sub, "Sub"), (ew.Mul, "Mul"), (ew.Div, "Div"),
                (ew.Maximum, "Max"), (ew.Minimum, "Min"), (ew.Pow, "Pow")):
    converts(cls)(_binary(op))


@converts(ew.Remainder)
def _remainder(g, args, options, outs):
    a, b = _same(g, args, outs)
    if _out_dtype(outs).kind in "iu":
        return g.node("Mod", [a, b])            # integer Mod takes the divisor's sign
    return g.node("Sub", [a, g.node("Mul", [g.node("Floor", [g.node("Div", [a, b])]), b])])


@converts(ew.PowScalar)
def _pow_scalar(g, args, options, outs):
    dtype = _out_dtype(outs)
    x, p = g.name_of(args[0], dtype=dtype), args[1]
    if p == 2:
        return g.node("Mul", [x, x])
    if p == 0.5:
        return g.node("Sqrt", [x])
    return g.node("Pow", [x, g.const(np.asarray(p, dtype))])


_UNARY = {ew.Neg: "Neg", ew.Exp: "Exp", ew.Log: "Log", ew.Sqrt: "Sqrt", ew.Abs: "Abs",
          act.Sigmoid: "Sigmoid", act.ReLU: "Relu", act.Tanh: "Tanh", pm.Floor: "Floor",
          pm.Ceil: "Ceil", pm.Sin: "Sin", pm.Cos: "Cos", pm.Tan: "Tan", pm.Asin: "Asin",
          pm.Acos: "Acos", pm.Atan: "Atan", pm.Sinh: "Sinh", pm.Cosh: "Cosh",
          pm.Reciprocal: "Reciprocal", ew.Clone: "Identity"}


def _unary(op):
    return lambda g, args, options, outs: g.node(op, _same(g, args[:1], outs))


for cls, op in _UNARY.items():
    converts(cls)(_unary(op))


def _scalar(g, value, outs):
    return g.const(np.asarray(value, _out_dtype(outs)))


def _log_base(base):
    return lambda g, x, outs: g.node("Div", [g.node("Log", [x]), _scalar(g, math.log(base), outs)])


_UNARY_FORMULAS = {
    pm.Log1p: lambda g, x, outs: g.node("Log", [g.node("Add", [x, _scalar(g, 1, outs)])]),
    pm.Expm1: lambda g, x, outs: g.node("Sub", [g.node("Exp", [x]), _scalar(g, 1, outs)]),
    pm.Log2: _log_base(2), pm.Log10: _log_base(10),
    pm.Exp2: lambda g, x, outs: g.node("Pow", [_scalar(g, 2, outs), x]),
    pm.Rsqrt: lambda g, x, outs: g.node("Reciprocal", [g.node("Sqrt", [x])]),
}


def _formula(formula):
    return lambda g, args, options, outs: formula(g, _same(g, args[:1], outs)[0], outs)


for cls, formula in _UNARY_FORMULAS.items():
    converts(cls)(_formula(formula))


@converts(pm.Round)
def _round(g, args, options, outs):
    if options.get("decimals", 0):
        raise ExportError("onnx.export: round with decimals has no ONNX conversion")
    return g.node("Round", _same(g, args[:1], outs))


@converts(pm.Trunc)
def _trunc(g, args, options, outs):
    (x,) = _same(g, args[:1], outs)
    return g.node("Mul", [g.node("Sign", [x]), g.node("Floor", [g.node("Abs", [x])])])


@converts(pm.Frac)
def _frac(g, args, options, outs):
    (x,) = _same(g, args[:1], outs)
    trunc = g.node("Mul", [g.node("Sign", [x]), g.node("Floor", [g.node("Abs", [x])])])
    return g.node("Sub", [x, trunc])


@converts(pm.Hypot)
def _hypot(g, args, options, outs):
    a, b = _same(g, args[:2], outs)
    return g.node("Sqrt", [g.node("Add", [g.node("Mul", [a, a]), g.node("Mul", [b, b])])])


@converts(pm.Atan2)
def _atan2(g, args, options, outs):
    y, x = _same(g, args[:2], outs)
    zero = _scalar(g, 0, outs)
    base = g.node("Atan", [g.node("Div", [y, x])])
    turn = g.node("Where", [g.node("GreaterOrEqual", [y, zero]), _scalar(g, math.pi, outs),
                            _scalar(g, -math.pi, outs)])
    out = g.node("Where", [g.node("Less", [x, zero]), g.node("Add", [base, turn]), base])
    axis = g.node("Mul", [g.node("Sign", [y]), _scalar(g, math.pi / 2, outs)])
    return g.node("Where", [g.node("Equal", [x, zero]), axis, out])


@converts(EuclideanCdist)
def _cdist(g, args, options, outs):
    a, b = _same(g, args[:2], outs)
    rank = args[0]._data.ndim
    perm = list(range(rank))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    sq_a = g.reduce("ReduceSum", g.node("Mul", [a, a]), [-1], True)           # (.., P, 1)
    sq_b = g.node("Transpose", [g.reduce("ReduceSum", g.node("Mul", [b, b]), [-1], True)],
                  perm=perm)                                                   # (.., 1, R)
    ab = g.node("MatMul", [a, g.node("Transpose", [b], perm=perm)])
    d2 = g.node("Sub", [g.node("Add", [sq_a, sq_b]), g.node("Mul", [ab, _scalar(g, 2, outs)])])
    return g.node("Sqrt", [g.node("Max", [d2, _scalar(g, 0, outs)])])


@converts(ew.Clamp)
def _clamp(g, args, options, outs):
    dtype = _out_dtype(outs)
    x = g.name_of(args[0], dtype=dtype)
    lo, hi = options.get("min", args[1] if len(args) > 1 else None), \
        options.get("max", args[2] if len(args) > 2 else None)
    if lo is not None:
        x = g.node("Max", [x, g.name_of(lo, dtype=dtype)])
    if hi is not None:
        x = g.node("Min", [x, g.name_of(hi, dtype=dtype)])
    return x


@converts(ew.Where)
def _where(g, args, options, outs):
    cond = g.name_of(args[0], dtype=np.bool_)
    a, b = _same(g, args[1:3], outs)
    return g.node("Where", [cond, a, b])


@converts(ew.Cast)
def _cast(g, args, options, outs):
    return g.cast(g.name_of(args[0]), _out_dtype(outs))


# ---- activations ---------------------------------------------------------------------------
@converts(act.LeakyReLU)
def _leaky(g, args, options, outs):
    slope = options.get("negative_slope", args[1] if len(args) > 1 else 0.01)
    return g.node("LeakyRelu", [g.name_of(args[0])], alpha=float(slope))


@converts(act.ELU)
def _elu(g, args, options, outs):
    return g.node("Elu", [g.name_of(args[0])],
                  alpha=float(options.get("alpha", args[1] if len(args) > 1 else 1.0)))


@converts(act.SiLU)
def _silu(g, args, options, outs):
    x = g.name_of(args[0])
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


@converts(act.Softplus)
def _softplus(g, args, options, outs):
    x = g.name_of(args[0])
    beta, threshold = options.get("beta", 1.0), options.get("threshold", 20.0)
    bx = x if beta == 1 else g.node("Mul", [x, _scalar(g, beta, outs)])
    soft = g.node("Softplus", [bx])
    if beta != 1:
        soft = g.node("Div", [soft, _scalar(g, beta, outs)])
    # above the threshold torch returns x itself
    return g.node("Where", [g.node("Greater", [bx, _scalar(g, threshold, outs)]), x, soft])


@converts(act.LogSigmoid)
def _log_sigmoid(g, args, options, outs):
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [g.name_of(args[0])])])])


@converts(act.GELU)
def _gelu(g, args, options, outs):
    x = g.name_of(args[0])
    half = g.node("Mul", [x, _scalar(g, 0.5, outs)])
    if options.get("approximate", "none") == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, _scalar(g, 0.044715, outs)])])
        t = g.node("Tanh", [g.node("Mul", [inner, _scalar(g, math.sqrt(2 / math.pi), outs)])])
    else:
        t = g.node("Erf", [g.node("Mul", [x, _scalar(g, 1 / math.sqrt(2), outs)])])
    return g.node("Mul", [half, g.node("Add", [t, _scalar(g, 1.0, outs)])])


@converts(act.Softmax)
def _softmax(g, args, options, outs):
    return g.node("Softmax", [g.name_of(args[0])], axis=int(_axis(args, options)))


@converts(act.LogSoftmax)
def _log_softmax(g, args, options, outs):
    return g.node("LogSoftmax", [g.name_of(args[0])], axis=int(_axis(args, options)))


def _axis(args, options, key="axis", position=1):
    return options[key] if key in options else args[position]


# ---- reductions ----------------------------------------------------------------------------
def _dims(value):
    if value is None:
        return None
    return (int(value),) if isinstance(value, (int, np.integer)) else tuple(int(d) for d in value)


def _reduction(op):
    def convert(g, args, options, outs):
        axes = _dims(options.get("dim", args[1] if len(args) > 1 else None))
        x = g.name_of(args[0], dtype=_out_dtype(outs))
        return g.reduce(op, x, axes, options.get("keepdim", False))
    return convert


converts(red.Sum)(_reduction("ReduceSum"))
converts(red.Mean)(_reduction("ReduceMean"))
converts(red.LogSumExp)(_reduction("ReduceLogSumExp"))


def _extremum(op):
    def convert(g, args, options, outs):
        axes = _dims(options.get("axes", args[1] if len(args) > 1 else None))
        return g.reduce(op, g.name_of(args[0]), axes or None, options.get("keepdim", False))
    return convert


converts(red.MaxAll, redm.AMax)(_extremum("ReduceMax"))
converts(red.MinAll, redm.AMin)(_extremum("ReduceMin"))


@converts(red.Var)
def _var(g, args, options, outs):
    x = g.name_of(args[0])
    ndim = args[0]._data.ndim
    axes = _dims(options.get("dim"))
    axes = list(range(ndim)) if axes is None else [a % max(ndim, 1) for a in axes]
    centred = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), axes,
                   options.get("keepdim", False))
    correction = options.get("correction", 1)
    if not correction:
        return var
    # n / (n - correction), n counted at run time so that a dynamic axis may be reduced
    sizes = g.node("Gather", [g.node("Shape", [x]), g.const(np.asarray(axes, np.int64))])
    n = g.cast(g.reduce("ReduceProd", sizes, None, False), _out_dtype(outs))
    return g.node("Mul", [var, g.node("Div", [n, g.node("Sub", [n, _scalar(g, correction,
                                                                             outs)])])])


@converts(misc.Prod)
def _prod(g, args, options, outs):
    axes = _dims(options.get("axes", args[1] if len(args) > 1 else None))
    return g.reduce("ReduceProd", g.name_of(args[0], dtype=_out_dtype(outs)), axes or None,
                    options.get("keepdim", False))


@converts(misc.CumSum)
def _cumsum(g, args, options, outs):
    axis = int(_axis(args, options))
    x = g.name_of(args[0], dtype=_out_dtype(outs))
    return g.node("CumSum", [x, g.const(np.asarray(axis, np.int64), "axis")])


@converts(misc.Norm)
def _norm(g, args, options, outs):
    p = options.get("p", args[1] if len(args) > 1 else 2)
    axes = _dims(options.get("axes", args[2] if len(args) > 2 else None))
    op = {1: "ReduceL1", 2: "ReduceL2", "fro": "ReduceL2"}.get(p)
    if op is None:
        raise ExportError(f"onnx.export: norm with p={p!r} has no ONNX conversion")
    return g.reduce(op, g.name_of(args[0]), axes, options.get("keepdim", False))
