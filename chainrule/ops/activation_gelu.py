"""GELU, x Phi(x), and the normal CDF Phi it needs (exact, or GELU's tanh approximation).

NumPy has no erf, so Phi comes from Chebyshev interpolants of erf and erfcx built once on
first use; no finite input overflows into a warning or a NaN.
"""
from .._argcheck import tensor_arg
from .._backend import xp
from ..autograd.function import Function


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
    m = (x >= 0).astype(x.dtype)          # Phi = 1 - erfc / 2 for x >= 0, erfc / 2 below
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


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(tensor_arg("gelu", x), approximate=approximate)
