"""Pointwise arithmetic: + - * / ** and exp, log, sqrt, abs, clamp, maximum, minimum, where."""
from .._backend import xp
from ..autograd.function import Function
from ._broadcast import unbroadcast


def _shape(x):
    return x.shape if isinstance(x, xp.ndarray) else xp.shape(x)


def _broadcast_error(op, a, b):
    return ValueError(f"{op}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together")


class _Binary(Function):
    """Saves the two input shapes so backward can undo broadcasting."""

    def _save_shapes(self, a, b):
        self.a_shape = _shape(a)
        self.b_shape = _shape(b)


class Add(_Binary):
    def forward(self, a, b):
        self._save_shapes(a, b)
        try:
            return xp.add(a, b)
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(grad, self.b_shape) if need_b else None)


class Sub(_Binary):
    def forward(self, a, b):
        self._save_shapes(a, b)
        try:
            return xp.subtract(a, b)
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(-grad, self.b_shape) if need_b else None)


class Mul(_Binary):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return xp.multiply(a, b)
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        return (unbroadcast(grad * b, _shape(a)) if need_a else None,
                unbroadcast(grad * a, _shape(b)) if need_b else None)


class Div(_Binary):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return xp.divide(a, b)
        except ValueError:
            raise _broadcast_error("div", a, b) from None

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        grad_a = grad / b
        return (unbroadcast(grad_a, _shape(a)) if need_a else None,
                unbroadcast(-grad_a * a / b, _shape(b)) if need_b else None)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class PowScalar(Function):
    """x ** p for a constant exponent p."""

    def forward(self, x, p):
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
        self.a, self.b = a, b
        try:
            self.out = xp.power(a, b)
        except ValueError:
            raise _broadcast_error("pow", a, b) from None
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
        self.out = xp.exp(x)
        return self.out

    def backward(self, grad):
        return grad * self.out


class Log(Function):
    def forward(self, x):
        self.x = x
        return xp.log(x)

    def backward(self, grad):
        return grad / self.x


class Sqrt(Function):
    def forward(self, x):
        self.out = xp.sqrt(x)
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
        self.a, self.b = a, b
        try:
            return self.ufunc(a, b)
        except ValueError:
            raise _broadcast_error(self.name, a, b) from None

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
    if x.data.dtype == dtype:
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
    return Clamp.apply(x, min=min, max=max)


def maximum(a, b):
    return Maximum.apply(a, b)


def minimum(a, b):
    return Minimum.apply(a, b)


def where(condition, input, other):
    from ..tensor import Tensor
    if isinstance(condition, Tensor):
        condition = condition.data
    return Where.apply(condition, input, other)
