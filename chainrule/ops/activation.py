"""Activations: sigmoid, relu, tanh, softmax, log_softmax. Each is written so that no finite
input overflows: exponentials are only ever taken of non-positive numbers."""
from .._backend import xp, stable_sigmoid
from ..autograd.function import Function
from ._broadcast import normalize_dim


class Sigmoid(Function):
    def forward(self, x):
        self.out = stable_sigmoid(x)
        return self.out

    def backward(self, grad):
        s = self.out
        return grad * s * (1 - s)


class ReLU(Function):
    def forward(self, x):
        self.out = xp.maximum(x, 0)
        return self.out

    def backward(self, grad):
        # torch's relu passes no gradient at exactly 0.
        return grad * (self.out > 0)


class Tanh(Function):
    def forward(self, x):
        self.out = xp.tanh(x)
        return self.out

    def backward(self, grad):
        t = self.out
        return grad * (1 - t * t)


def _shift_by_max(x, axis):
    # x - max(x) is <= 0; for inputs spanning more than the dtype's range it rounds to -inf,
    # whose exp is exactly the 0 it should be, so that overflow is not worth a warning.
    with xp.errstate(over="ignore"):
        return x - x.max(axis=axis, keepdims=True)


class Softmax(Function):
    def forward(self, x, axis):
        shifted = _shift_by_max(x, axis)
        e = xp.exp(shifted, out=shifted)
        e /= e.sum(axis=axis, keepdims=True)
        self.out, self.axis = e, axis
        return e

    def backward(self, grad):
        # d softmax: s * (g - sum(g * s))
        s = self.out
        return s * (grad - (grad * s).sum(axis=self.axis, keepdims=True)), None


class LogSoftmax(Function):
    def forward(self, x, axis):
        shifted = _shift_by_max(x, axis)
        shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.out, self.axis = shifted, axis
        return shifted

    def backward(self, grad):
        return grad - xp.exp(self.out) * grad.sum(axis=self.axis, keepdims=True), None


def _softmax_axis(x, dim, op):
    if dim is None:
        # torch's legacy implicit dim: 0 for 0-D, 1-D and 3-D inputs, else 1.
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, x.ndim, op)[0] if x.ndim else None


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return ReLU.apply(x)


def tanh(x):
    return Tanh.apply(x)


def softmax(x, dim=None, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return Softmax.apply(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(x, dim=None, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return LogSoftmax.apply(x, _softmax_axis(x, dim, "log_softmax"))


# ---- more activations: each backward beside its forward, torch's conventions at the kinks ----
class LeakyReLU(Function):
    def forward(self, x, negative_slope=0.01):
        self.positive, self.slope = x > 0, negative_slope
        return xp.where(self.positive, x, x * negative_slope)

    def backward(self, grad):
        # torch gives the slope (not 1) at exactly 0.
        return xp.where(self.positive, grad, grad * self.slope)


class ELU(Function):
    """alpha * (exp(x) - 1) for x <= 0, x above; expm1 keeps tiny negatives exact."""

    def forward(self, x, alpha=1.0):
        neg = xp.minimum(x, 0)
        self.positive, self.alpha, self.neg = x > 0, alpha, neg
        return xp.where(self.positive, x, alpha * xp.expm1(neg))

    def backward(self, grad):
        # alpha * exp(x) on x <= 0 (so alpha at 0, as torch), 1 above.
        return xp.where(self.positive, grad, grad * (self.alpha * xp.exp(self.neg)))


class SiLU(Function):
    """x * sigmoid(x) (also called swish)."""

    def forward(self, x):
        self.x, self.s = x, stable_sigmoid(x)
        return x * self.s

    def backward(self, grad):
        s = self.s
        return grad * (s * (1 + self.x * (1 - s)))


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        with xp.errstate(over="ignore"):      # an infinite beta x lands in the linear branch
            bx = x * beta
        self.linear, self.bx = bx > threshold, bx
        # exp is taken of min(bx, threshold) only, so it never overflows.
        soft = xp.log1p(xp.exp(xp.minimum(bx, threshold))) / beta
        return xp.where(self.linear, x, soft)

    def backward(self, grad):
        return xp.where(self.linear, grad, grad * stable_sigmoid(self.bx))


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): exp only of non-positive numbers."""

    def forward(self, x):
        self.x = x
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, grad):
        return grad * stable_sigmoid(-self.x)


class GELU(Function):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def forward(self, x, approximate="none"):
        self.x, self.approximate = x, approximate
        if approximate == "tanh":
            # Beyond |x| = 1e4 the tanh is saturated; clipping keeps x^3 from overflowing.
            xc = xp.clip(x, -1e4, 1e4)
            self.t = xp.tanh(_GELU_BETA * (xc + _GELU_KAPPA * xc * xc * xc))
            self.xc = xc
            return 0.5 * x * (1 + self.t)
        self.cdf = normal_cdf(x)
        return x * self.cdf

    def backward(self, grad):
        x = self.x
        if self.approximate == "tanh":
            t, xc = self.t, self.xc
            inner = _GELU_BETA * (1 + 3 * _GELU_KAPPA * xc * xc)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner)
        xc = xp.clip(x, -40, 40)
        pdf = xp.exp(-0.5 * xc * xc) * _INV_SQRT_2PI
        return grad * (self.cdf + x * pdf)


_GELU_BETA = 0.7978845608028654   # sqrt(2 / pi)
_GELU_KAPPA = 0.044715
_INV_SQRT_2PI = 0.3989422804014327


def normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2 to ~1e-14 relative accuracy, in x's dtype.

    NumPy has no erf, so erf and erfcx(z) = exp(z^2) erfc(z) are Chebyshev interpolants built
    once (on first use) from math.erf and erfcx's continued fraction. Working from erfc keeps
    the tiny left tail relatively accurate, where 1 + erf(x) would cancel to 0.
    """
    c_small, c_mid, c_tail = _erf_coefficients()
    z = xp.minimum(xp.abs(x) * xp.asarray(0.7071067811865476, x.dtype), 40)
    half_erfc = xp.full_like(z, xp.nan)    # erfc(z) / 2 for z = |x| / sqrt 2; NaN stays NaN
    small = z < 1
    zs = z[small]
    half_erfc[small] = 0.5 - 0.5 * zs * _chebval(2 * zs * zs - 1, c_small)
    mid = (z >= 1) & (z < 4)
    zm = z[mid]
    half_erfc[mid] = 0.5 * _chebval((zm - 2.5) / 1.5, c_mid) * xp.exp(-zm * zm)
    tail = z >= 4
    zt = z[tail]
    # c_tail interpolates z * erfcx(z) * sqrt(pi) in w = 1/z on (0, 1/4].
    half_erfc[tail] = (_chebval(8 / zt - 1, c_tail) * xp.exp(-zt * zt)
                       / (zt * 3.5449077018110318))
    return xp.where(x < 0, half_erfc, 1 - half_erfc)


def _chebval(u, c):
    """sum_k c_k T_k(u) by Clenshaw's recurrence (c are Python floats: u's dtype is kept)."""
    b1 = b2 = 0.0
    two_u = 2 * u
    for ck in c[:0:-1]:
        b1, b2 = ck + two_u * b1 - b2, b1
    return c[0] + u * b1 - b2


def _chebfit(f, degree):
    """Coefficients of the polynomial interpolating f at the Chebyshev points of [-1, 1]."""
    n = degree + 1
    theta = xp.pi * (xp.arange(n) + 0.5) / n
    c = (2.0 / n) * (xp.cos(xp.outer(xp.arange(n), theta)) @ f(xp.cos(theta)))
    c[0] /= 2
    return [float(v) for v in c]


_ERF_CACHE = []


def _erf_coefficients():
    if not _ERF_CACHE:
        import math

        def erfcx(z):   # continued fraction, exact to rounding for z >= 1
            r = xp.zeros_like(z)
            for k in range(3000, 0, -1):
                r = (k / 2) / (z + r)
            return 1 / math.sqrt(math.pi) / (z + r)

        def erf_over_z(u):      # erf(z) / z as a function of u = 2 z^2 - 1 on [-1, 1]
            z = xp.sqrt((u + 1) / 2)
            return xp.array([math.erf(v) / v for v in z])

        def tail(u):            # z erfcx(z) sqrt(pi) with w = 1/z = (u + 1) / 8
            z = 8 / (u + 1)
            return z * erfcx(z) * math.sqrt(math.pi)

        _ERF_CACHE.extend([_chebfit(erf_over_z, 18),
                           _chebfit(lambda u: erfcx(2.5 + 1.5 * u), 24),
                           _chebfit(tail, 18)])
    return _ERF_CACHE


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope=float(negative_slope))


def elu(x, alpha=1.0):
    return ELU.apply(x, alpha=float(alpha))


def silu(x):
    return SiLU.apply(x)


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus.apply(x, beta=float(beta), threshold=float(threshold))


def logsigmoid(x):
    return LogSigmoid.apply(x)


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate=approximate)
