"""Activations: sigmoid, relu, tanh, softmax, log_softmax and the smooth relatives (gelu, elu,
silu, softplus, leaky_relu, logsigmoid). No finite input overflows into a warning or a NaN.

Speed notes (measured on NumPy 2.x): np.where and np.maximum(x, 0) with a random sign pattern
are several times slower than arithmetic, so branches are written as np.clip (max(x, 0) is
clip(x, 0, inf)) and as blends a * m + b * (1 - m) with a 0/1 mask m, which are exact because
one of the two terms is exactly 0.
"""
from .._argcheck import tensor_arg
from .._backend import clip, xp
from ..autograd.function import Function
from ._broadcast import normalize_dim

_INF = float("inf")


def _pos(x):
    """max(x, 0), as an array even for 0-d input (so later in-place steps work)."""
    if x.dtype.kind not in "fc":
        return xp.maximum(x, 0, out=xp.empty_like(x))
    return clip(x, 0, _INF, out=xp.empty_like(x))


def _neg(x):
    """min(x, 0)."""
    return clip(x, -_INF, 0, out=xp.empty_like(x))


def _mask(condition, dtype):
    return condition.astype(dtype)


def sigmoid_array(x):
    """1 / (1 + exp(-x)). exp(-x) overflows only where sigmoid(x) is below the smallest normal
    number; 1 / inf = 0 is then the right answer, so that overflow is silenced."""
    e = xp.negative(x, out=xp.empty_like(x))
    with xp.errstate(over="ignore"):
        xp.exp(e, out=e)
    e += 1
    return xp.divide(1, e, out=e)


class Sigmoid(Function):
    def forward(self, x):
        self.out = sigmoid_array(x)
        return self.out

    def backward(self, grad):
        s = self.out
        d = 1 - s
        d *= s
        d *= grad
        return d


class ReLU(Function):
    def forward(self, x):
        self.out = _pos(x)
        return self.out

    def backward(self, grad):
        # torch's relu passes no gradient at exactly 0.
        return grad * _mask(self.out > 0, grad.dtype)


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
        return xp.subtract(x, x.max(axis=axis, keepdims=True), out=xp.empty_like(x))


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


def _float_tensor(x, op):
    """Integer input to a float activation becomes the default float, as in torch."""
    x = tensor_arg(op, x)
    return x if x._data.dtype.kind in "fc" else x.float()


def sigmoid(x):
    return Sigmoid.apply(_float_tensor(x, "sigmoid"))


def relu(x):
    return ReLU.apply(tensor_arg("relu", x))


def tanh(x):
    return Tanh.apply(_float_tensor(x, "tanh"))


def softmax(x, dim=None, dtype=None):
    x = _float_tensor(x, "softmax") if dtype is None else tensor_arg("softmax", x).to(dtype)
    return Softmax.apply(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(x, dim=None, dtype=None):
    x = (_float_tensor(x, "log_softmax") if dtype is None
         else tensor_arg("log_softmax", x).to(dtype))
    return LogSoftmax.apply(x, _softmax_axis(x, dim, "log_softmax"))


# ---- more activations: each backward beside its forward, torch's conventions at the kinks ----
class LeakyReLU(Function):
    def forward(self, x, negative_slope=0.01):
        self.x, self.slope = x, negative_slope
        out = _neg(x)
        out *= negative_slope
        out += _pos(x)
        return out

    def backward(self, grad):
        # 1 for x > 0, the slope at and below 0 (as torch).
        m = _mask(self.x > 0, grad.dtype)
        d = 1 - m
        d *= self.slope
        d += m
        d *= grad
        return d


class ELU(Function):
    """alpha * (exp(x) - 1) for x <= 0, x above; expm1 keeps tiny negatives exact."""

    def forward(self, x, alpha=1.0):
        self.x, self.alpha = x, alpha
        out = _neg(x)
        xp.expm1(out, out=out)
        out *= alpha
        out += _pos(x)
        return out

    def backward(self, grad):
        # alpha * exp(x) on x <= 0 (so alpha at 0, as torch), 1 above.
        m = _mask(self.x > 0, grad.dtype)
        d = _neg(self.x)
        xp.exp(d, out=d)
        d *= self.alpha
        d *= 1 - m
        d += m
        d *= grad
        return d


class SiLU(Function):
    """x * sigmoid(x) (also called swish)."""

    def forward(self, x):
        self.x, self.s = x, sigmoid_array(x)
        return x * self.s

    def backward(self, grad):
        s = self.s
        d = 1 - s
        d *= self.x
        d += 1
        d *= s
        d *= grad
        return d


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        with xp.errstate(over="ignore"):      # an infinite beta x lands in the linear branch
            bx = xp.multiply(x, beta, out=xp.empty_like(x))
        self.linear = m = _mask(bx > threshold, x.dtype)
        # exp is taken of min(bx, threshold) only, so it never overflows.
        self.z = z = xp.clip(bx, -_INF, threshold, out=bx)
        xp.exp(z, out=z)
        out = xp.log1p(z)
        out *= (1 - m) / beta
        out += x * m
        return out

    def backward(self, grad):
        z, m = self.z, self.linear
        d = z / (z + 1)                        # sigmoid(beta x)
        d *= 1 - m
        d += m
        d *= grad
        return d


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): exp only of non-positive numbers."""

    def forward(self, x):
        e = xp.abs(x, out=xp.empty_like(x))
        xp.negative(e, out=e)
        xp.exp(e, out=e)
        self.e, self.nonneg = e, _mask(x >= 0, x.dtype)
        out = _neg(x)
        out -= xp.log1p(e)
        return out

    def backward(self, grad):
        # d/dx = sigmoid(-x) = e / (1 + e) for x >= 0 and 1 / (1 + e) below, e = exp(-|x|)
        e, m = self.e, self.nonneg
        d = e * m
        d += 1 - m
        d /= 1 + e
        d *= grad
        return d


class GELU(Function):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    The tanh form is computed as x * sigmoid(z), z = 2 sqrt(2/pi) (x + 0.044715 x^3) (the same
    function: 0.5 (1 + tanh(z / 2)) = sigmoid(z)), in place: NumPy's float32 exp is about 1.5x
    its tanh on AVX2, and the in-place passes halve the memory traffic (a GPT's 4 x (2048 x
    512) feed-forward activations: 42 of its 238 ms step before).
    """

    def forward(self, x, approximate="none"):
        self.x, self.approximate = x, approximate
        if approximate == "tanh":
            # Beyond |x| = 1e4 the sigmoid is saturated; clipping keeps x^3 from overflowing.
            # (out= everywhere keeps 0-d inputs arrays, which in-place updates need)
            self.xc = xc = xp.clip(x, -1e4, 1e4, out=xp.empty_like(x))
            s = xp.multiply(xc, xc, out=xp.empty_like(x))
            s *= x.dtype.type(2 * _GELU_BETA * _GELU_KAPPA)
            s += x.dtype.type(2 * _GELU_BETA)
            s *= xc                             # s = z
            with xp.errstate(over="ignore"):    # exp(-z) = inf for z << 0 gives s = 0: right
                xp.negative(s, out=s)
                xp.exp(s, out=s)
            s += 1
            xp.reciprocal(s, out=s)             # sigmoid(z)
            self.s = s
            return x * s
        self.cdf = normal_cdf(x)
        return x * self.cdf

    def backward(self, grad):
        x = self.x
        if self.approximate == "tanh":
            # d/dx x s(z) = s + x s (1 - s) z'(x),  z' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)
            # (x clipped as in forward: where it was, s (1 - s) is exactly 0)
            s, xc = self.s, self.xc
            d = xp.multiply(xc, xc, out=xp.empty_like(xc))
            d *= x.dtype.type(6 * _GELU_BETA * _GELU_KAPPA)
            d += x.dtype.type(2 * _GELU_BETA)
            d *= xc
            one_minus = 1 - s
            one_minus *= s
            d *= one_minus
            d += s
            d *= grad
            return d
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
    z = xp.clip(xp.abs(x) * 0.7071067811865476, 0, 40)
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
    m = _mask(x >= 0, x.dtype)            # Phi = 1 - erfc / 2 for x >= 0, erfc / 2 below
    half_erfc *= 1 - 2 * m
    half_erfc += m
    return half_erfc


def _chebval(u, c):
    """sum_k c_k T_k(u) by Clenshaw's recurrence, in place on two work buffers (c are Python
    floats, so u's dtype is kept)."""
    b1 = xp.full_like(u, c[-1])
    b2 = xp.zeros_like(u)
    two_u = u + u
    for ck in c[-2:0:-1]:
        # (b1, b2) <- (ck + 2u b1 - b2, b1), reusing b2's buffer for the new b1
        xp.subtract(two_u * b1, b2, out=b2)
        b2 += ck
        b1, b2 = b2, b1
    b1 *= u
    b1 -= b2
    b1 += c[0]
    return b1


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
    return LeakyReLU.apply(tensor_arg("leaky_relu", x), negative_slope=float(negative_slope))


def elu(x, alpha=1.0):
    return ELU.apply(tensor_arg("elu", x), alpha=float(alpha))


def silu(x):
    return SiLU.apply(tensor_arg("silu", x))


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus.apply(tensor_arg("softplus", x), beta=float(beta),
                          threshold=float(threshold))


def logsigmoid(x):
    return LogSigmoid.apply(tensor_arg("logsigmoid", x))


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(tensor_arg("gelu", x), approximate=approximate)
