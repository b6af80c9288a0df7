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


# GELU and the normal CDF it needs live in their own file (one job a file).
from .activation_gelu import GELU, gelu, normal_cdf  # noqa: E402,F401
