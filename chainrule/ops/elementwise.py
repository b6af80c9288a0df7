"""Pointwise arithmetic: + - * / ** % and exp, log, sqrt, abs, clamp, maximum, minimum, where."""
from .._backend import xp
from ..autograd.function import Function
from ..dtypes import default_float
from ._broadcast import unbroadcast

_ND = xp.ndarray
_PY_KINDS = {bool: "b", int: "i", float: "f", complex: "c"}


def _shape(x):
    return x.shape if isinstance(x, xp.ndarray) else xp.shape(x)


def _broadcast_error(op, a, b):
    return ValueError(f"{op}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together")


def _kind(x):
    return x.dtype.kind if isinstance(x, (_ND, xp.generic)) else _PY_KINDS.get(type(x), "O")


def _weak(x, other):
    """A NumPy scalar or 0-d array beside a real array counts as a Python number (torch never
    lets a scalar widen a tensor's dtype: float32 tensor * np.float64(2) stays float32)."""
    if isinstance(other, _ND) and other.ndim and (isinstance(x, xp.generic)
                                                  or isinstance(x, _ND) and x.ndim == 0):
        return x.item()
    return x


def _to_float(x, other):
    target = other.dtype if isinstance(other, _ND) and other.dtype.kind in "fc" else \
        default_float
    return x.astype(target) if isinstance(x, (_ND, xp.generic)) else float(x)


def promote(a, b, true_divide=False):
    """Operands converted so NumPy's result dtype is torch's: scalars are weak, an integer or
    bool operand meeting a float becomes that float (float32 by default, never float64), and
    true division of integers gives the default float."""
    if type(a) is _ND and type(b) is _ND and a.dtype is b.dtype and \
            (a.dtype.kind in "fc" or not true_divide):
        return a, b
    a, b = _weak(a, b), _weak(b, a)
    ka, kb = _kind(a), _kind(b)
    if ka in "biu" and (kb in "fc" or true_divide):
        a = _to_float(a, b)
    if kb in "biu" and (ka in "fc" or true_divide):
        b = _to_float(b, a)
    return a, b


def floating(x):
    """Integer input to a float op (exp, log, sigmoid, ...) becomes the default float."""
    return x if x.dtype.kind in "fc" else x.astype(default_float)


def _compute(op, ufunc, a, b, true_divide=False):
    a, b = promote(a, b, true_divide)
    try:
        return a, b, ufunc(a, b)
    except ValueError:
        raise _broadcast_error(op, a, b) from None
    except TypeError:
        raise TypeError(f"{op}: unsupported operands {type(a).__name__} "
                        f"({getattr(a, 'dtype', '')}) and {type(b).__name__} "
                        f"({getattr(b, 'dtype', '')})") from None


class _Binary(Function):
    """Saves the two input shapes so backward can undo broadcasting."""

    def _save_shapes(self, a, b):
        self.a_shape = _shape(a)
        self.b_shape = _shape(b)


class Add(_Binary):
    def forward(self, a, b):
        a, b, out = _compute("add", xp.add, a, b)
        self._save_shapes(a, b)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(grad, self.b_shape) if need_b else None)


class Sub(_Binary):
    def forward(self, a, b):
        a, b, out = _compute("sub", xp.subtract, a, b)
        self._save_shapes(a, b)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(-grad, self.b_shape) if need_b else None)


class Mul(_Binary):
    def forward(self, a, b):
        a, b, out = _compute("mul", xp.multiply, a, b)
        need_a, need_b = self.needs_input_grad
        # Keep only the factor each gradient needs: w * 2 then holds no copy of w.
        self.a = a if need_b else None
        self.b = b if need_a else None
        self.a_shape, self.b_shape = _shape(a), _shape(b)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad * self.b, self.a_shape) if need_a else None,
                unbroadcast(grad * self.a, self.b_shape) if need_b else None)


class Div(_Binary):
    def forward(self, a, b):
        self.a, self.b, out = _compute("div", xp.divide, a, b, true_divide=True)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        grad_a = grad / b
        return (unbroadcast(grad_a, _shape(a)) if need_a else None,
                unbroadcast(-grad_a * a / b, _shape(b)) if need_b else None)


class Remainder(_Binary):
    """a % b with the sign of b (Python's and torch.remainder's convention)."""

    def forward(self, a, b):
        self.a, self.b, out = _compute("remainder", xp.remainder, a, b)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, _shape(self.a)) if need_a else None,
                unbroadcast(-grad * xp.floor_divide(self.a, self.b), _shape(self.b))
                if need_b else None)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class PowScalar(Function):
    """x ** p for a constant exponent p."""

    def forward(self, x, p):
        if x.dtype.kind in "biu" and _kind(p) in "fc":  # int tensor ** 0.5 is a float32 tensor
            x = x.astype(default_float)
        self.x, self.p = x, p
        return x ** p

    def backward(self, grad):
        x, p = self.x, self.p
        if p == 0:
            return xp.zeros_like(x), None
        return grad * (p * x ** (p - 1)), None


class Pow(_Binary):
    """a ** b where the exponent is itself a tensor (or the base is a constant)."""

    def forward(self, a, b):
        self.a, self.b, self.out = _compute("pow", xp.power, a, b)
        return self.out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b, out = self.a, self.b, self.out
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(grad * b * xp.power(a, b - 1), _shape(a))
        if need_b:
            # d(a^b)/db = a^b log a; where a == 0 the limit is 0 (torch's convention too).
            with xp.errstate(divide="ignore", invalid="ignore"):
                log_a = xp.where(a == 0, 0.0, xp.log(xp.where(a == 0, 1.0, a)))
            grad_b = unbroadcast(grad * out * log_a, _shape(b))
        return grad_a, grad_b


def pow(base, exponent):
    from ..tensor import Tensor
    if not isinstance(exponent, Tensor) and xp.ndim(exponent) == 0:
        return PowScalar.apply(base, exponent)
    return Pow.apply(base, exponent)


class Exp(Function):
    def forward(self, x):
        self.out = xp.exp(floating(x))
        return self.out

    def backward(self, grad):
        return grad * self.out


class Log(Function):
    def forward(self, x):
        self.x = x = floating(x)
        return xp.log(x)

    def backward(self, grad):
        return grad / self.x


class Sqrt(Function):
    def forward(self, x):
        self.out = xp.sqrt(floating(x))
        return self.out

    def backward(self, grad):
        return grad / (2 * self.out)


class Abs(Function):
    def forward(self, x):
        self.x = x
        return xp.abs(x)

    def backward(self, grad):
        return grad * xp.sign(self.x)


class Clamp(Function):
    def forward(self, x, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if x.dtype.kind in "biu" and "f" in (_kind(min), _kind(max)):
            x = x.astype(default_float)
        self.x, self.min, self.max = x, min, max
        return xp.clip(x, min, max)

    def backward(self, grad):
        # torch passes the gradient where min <= x <= max, the bounds included.
        x = self.x
        keep = xp.ones(x.shape, bool)
        if self.min is not None:
            keep &= x >= self.min
        if self.max is not None:
            keep &= x <= self.max
        return xp.where(keep, grad, 0).astype(grad.dtype, copy=False)


class _Extremum(_Binary):
    """maximum / minimum; on ties each input gets half the gradient, as in torch."""

    ufunc = None
    name = ""

    def forward(self, a, b):
        self.a, self.b, out = _compute(self.name, self.ufunc, a, b)
        return out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        wins_a = self._wins(a, b)
        tie = a == b
        share = xp.where(tie, 0.5, xp.where(wins_a, 1.0, 0.0)).astype(grad.dtype, copy=False)
        return (unbroadcast(grad * share, _shape(a)) if need_a else None,
                unbroadcast(grad * (1 - share), _shape(b)) if need_b else None)


class Maximum(_Extremum):
    ufunc = staticmethod(xp.maximum)
    name = "maximum"
    _wins = staticmethod(xp.greater)


class Minimum(_Extremum):
    ufunc = staticmethod(xp.minimum)
    name = "minimum"
    _wins = staticmethod(xp.less)


class Where(Function):
    def forward(self, cond, a, b):
        self.cond = xp.asarray(cond, dtype=bool)
        a, b = promote(a, b)
        if not isinstance(a, _ND) and not isinstance(b, _ND) and _kind(a) == "f":
            a = xp.asarray(a, default_float)  # where(mask, 1.0, 0.0) is float32, as in torch
        self.a_shape, self.b_shape = _shape(a), _shape(b)
        try:
            return xp.where(self.cond, a, b)
        except ValueError:
            raise ValueError(f"where: condition {self.cond.shape}, input {self.a_shape} and "
                             f"other {self.b_shape} cannot be broadcast together") from None

    def backward(self, grad):
        _, need_a, need_b = self.needs_input_grad
        zero = xp.zeros((), grad.dtype)
        return (None,
                unbroadcast(xp.where(self.cond, grad, zero), self.a_shape) if need_a else None,
                unbroadcast(xp.where(self.cond, zero, grad), self.b_shape) if need_b else None)


class Cast(Function):
    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad):
        return grad.astype(self.in_dtype), None


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad


def cast(x, dtype):
    if x._data.dtype == dtype:
        return x
    return Cast.apply(x, dtype)


def clone(x):
    return Clone.apply(x)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def abs(x):
    return Abs.apply(x)


def clamp(x, min=None, max=None):
    from ..tensor import Tensor
    min = min._data if isinstance(min, Tensor) else min  # bounds are constants, not inputs
    max = max._data if isinstance(max, Tensor) else max
    return Clamp.apply(x, min=min, max=max)


def maximum(a, b):
    return Maximum.apply(a, b)


def minimum(a, b):
    return Minimum.apply(a, b)


def where(condition, input, other):
    from ..tensor import Tensor
    if isinstance(condition, Tensor):
        condition = condition._data
    return Where.apply(condition, input, other)
