"""More pointwise math: rounding (floor, ceil, trunc, round, frac), logs and exponentials
(log1p, expm1, log2, log10, exp2), trigonometry, rsqrt, reciprocal, atan2, hypot, lerp,
clamp_min / clamp_max, and the comparisons isclose / equal.

Integer inputs follow torch: rounding keeps the integer dtype (a copy), float functions give the
default float, frac of an integer is refused."""
import builtins
import math

from .._backend import xp
from ..autograd.function import Function
from .elementwise import _compute, _shape, clamp, floating, promote
from ._broadcast import unbroadcast


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _check_numeric(x, op):
    if x.dtype.kind not in "biufc":
        raise TypeError(f"{op}: expected a numeric tensor, got {x.dtype}")


# ---- rounding: piecewise constant, so the gradient is zero (torch's too) --------------------
class _Rounding(Function):
    ufunc = None

    def forward(self, x, decimals=0):
        if x.dtype.kind in "biu":
            return x.copy()
        if decimals:
            return xp.round(x, decimals)
        return self.ufunc(x)

    def backward(self, grad):
        return xp.zeros_like(grad)


class Floor(_Rounding):
    ufunc = staticmethod(xp.floor)


class Ceil(_Rounding):
    ufunc = staticmethod(xp.ceil)


class Trunc(_Rounding):
    ufunc = staticmethod(xp.trunc)


class Round(_Rounding):
    ufunc = staticmethod(xp.rint)  # half to even, as torch.round


class Frac(Function):
    def forward(self, x):
        return x - xp.trunc(x)

    def backward(self, grad):
        return grad


def floor(x):
    return Floor.apply(x)


def ceil(x):
    return Ceil.apply(x)


def trunc(x):
    return Trunc.apply(x)


fix = trunc


def round(x, *, decimals=0):
    """Round half to even; ``decimals`` rounds to that many decimal places (floats only)."""
    if decimals and x.dtype.kind in "biu":
        raise TypeError(f"round: decimals= needs a floating point tensor, got {x.dtype}")
    return Round.apply(x, decimals=int(decimals))


def frac(x):
    if x.dtype.kind not in "fc":
        raise TypeError(f"frac: expected a floating point tensor, got {x.dtype}")
    return Frac.apply(x)


# ---- smooth unary functions: forward saves what the derivative needs ------------------------
class _Unary(Function):
    """y = f(x) with dy/dx = deriv(x, y); integer inputs are computed in the default float."""

    f = None

    def forward(self, x):
        self.x = x = floating(x)
        self.y = self.f(x)
        return self.y

    def backward(self, grad):
        return grad * self.deriv(self.x, self.y)


def _unary(name, f, deriv, doc):
    cls = type(name, (_Unary,), {"f": staticmethod(f), "deriv": staticmethod(deriv),
                                  "__doc__": doc})

    def op(x):
        _check_numeric(x, name.lower())
        return cls.apply(x)
    op.__name__, op.__doc__ = name.lower(), doc
    return cls, op


_LN2, _LN10 = math.log(2.0), math.log(10.0)
Log1p, log1p = _unary("Log1p", xp.log1p, lambda x, y: 1 / (1 + x), "log(1 + x), exact near 0.")
Expm1, expm1 = _unary("Expm1", xp.expm1, lambda x, y: y + 1, "exp(x) - 1, exact near 0.")
Log2, log2 = _unary("Log2", xp.log2, lambda x, y: 1 / (x * _LN2), "Base-2 logarithm.")
Log10, log10 = _unary("Log10", xp.log10, lambda x, y: 1 / (x * _LN10), "Base-10 logarithm.")
Exp2, exp2 = _unary("Exp2", xp.exp2, lambda x, y: y * _LN2, "2 ** x.")
Sin, sin = _unary("Sin", xp.sin, lambda x, y: xp.cos(x), "Sine.")
Cos, cos = _unary("Cos", xp.cos, lambda x, y: -xp.sin(x), "Cosine.")
Tan, tan = _unary("Tan", xp.tan, lambda x, y: 1 + y * y, "Tangent.")
Asin, asin = _unary("Asin", xp.arcsin, lambda x, y: 1 / xp.sqrt(1 - x * x), "Arcsine.")
Acos, acos = _unary("Acos", xp.arccos, lambda x, y: -1 / xp.sqrt(1 - x * x), "Arccosine.")
Atan, atan = _unary("Atan", xp.arctan, lambda x, y: 1 / (1 + x * x), "Arctangent.")
Sinh, sinh = _unary("Sinh", xp.sinh, lambda x, y: xp.cosh(x), "Hyperbolic sine.")
Cosh, cosh = _unary("Cosh", xp.cosh, lambda x, y: xp.sinh(x), "Hyperbolic cosine.")
Rsqrt, rsqrt = _unary("Rsqrt", lambda x: 1 / xp.sqrt(x), lambda x, y: -0.5 * y * y * y,
                      "1 / sqrt(x).")
Reciprocal, reciprocal = _unary("Reciprocal", lambda x: 1 / x, lambda x, y: -y * y, "1 / x.")
arcsin, arccos, arctan = asin, acos, atan


def square(x):
    """x * x (integers stay integers, as in torch)."""
    return x * x


# ---- binary ---------------------------------------------------------------------------------
class Atan2(Function):
    def forward(self, a, b):
        a, b = promote(a, b, true_divide=True)
        self.a, self.b, out = _compute("atan2", xp.arctan2, a, b)
        return out

    def backward(self, grad):
        a, b = self.a, self.b
        r2 = a * a + b * b
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad * b / r2, _shape(a)) if need_a else None,
                unbroadcast(-grad * a / r2, _shape(b)) if need_b else None)


class Hypot(Function):
    def forward(self, a, b):
        self.a, self.b, self.out = _compute("hypot", xp.hypot, a, b)
        return self.out

    def backward(self, grad):
        scale = grad / self.out
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(scale * self.a, _shape(self.a)) if need_a else None,
                unbroadcast(scale * self.b, _shape(self.b)) if need_b else None)


def atan2(input, other):
    """The angle of (other, input), in (-pi, pi]; integers give the default float."""
    return Atan2.apply(input, other)


arctan2 = atan2


def hypot(input, other):
    """sqrt(input**2 + other**2) without overflow (floating point tensors only, as torch)."""
    for t in (input, other):
        if getattr(t, "dtype", xp.dtype(float)).kind != "f":
            raise TypeError(f"hypot: expected floating point tensors, got {t.dtype}")
    return Hypot.apply(input, other)


def lerp(input, end, weight):
    """input + weight * (end - input); ``weight`` a number or a tensor."""
    Tensor = _tensor()
    for name, t in (("input", input), ("end", end)):
        if not isinstance(t, Tensor) or t.dtype.kind != "f":
            raise TypeError(f"lerp: {name} must be a floating point tensor, got "
                            f"{getattr(t, 'dtype', type(t).__name__)}")
    if input.dtype != end.dtype:
        raise TypeError(f"lerp: input and end must share a dtype, got {input.dtype} and "
                        f"{end.dtype}")
    return input + weight * (end - input)


def clamp_min(x, min):
    return clamp(x, min=min)


def clamp_max(x, max):
    return clamp(x, max=max)


# ---- comparisons (no gradient) --------------------------------------------------------------
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise, as a bool tensor."""
    Tensor = _tensor()
    a = input._data if isinstance(input, Tensor) else xp.asarray(input)
    b = other._data if isinstance(other, Tensor) else xp.asarray(other)
    if isinstance(other, Tensor) and a.dtype != b.dtype:
        raise TypeError(f"isclose: dtypes must match, got {a.dtype} and {b.dtype}")
    try:
        return Tensor._from_array(xp.asarray(xp.isclose(a, b, rtol, atol, equal_nan)))
    except ValueError:
        raise ValueError(f"isclose: shapes {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None


def equal(input, other):
    """True when both tensors have the same shape and the same elements (a Python bool)."""
    a, b = input._data, other._data
    return a.shape == b.shape and builtins.bool((a == b).all())
