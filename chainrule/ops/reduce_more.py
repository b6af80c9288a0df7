"""More reductions: amax / amin (several dims, ties share the gradient), aminmax, std_mean /
var_mean, count_nonzero, and the running products cumprod and logcumsumexp."""
from collections import namedtuple

from .._backend import xp
from ..autograd.function import Function
from ._broadcast import as_index, normalize_dim
from .misc import _sum_dtype
from .reduce import mean, var

MinMax = namedtuple("MinMax", ["min", "max"])


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _axes(x, dim, op):
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # torch: dim=() reduces every dim
    return normalize_dim(dim, x.ndim, op, unique=True)


class _AExtremum(Function):
    """max / min over ``axes``; equal extremes share the gradient evenly, as torch's amax."""

    reducer = None

    def forward(self, x, axes, keepdim=False):
        if x.size == 0:
            raise ValueError(f"{type(self).__name__.lower()}: expected a non-empty tensor")
        kept = self.reducer(x, axis=axes, keepdims=True)
        self.hit = x == kept
        self.axes, self.keepdim = axes, keepdim
        return kept if keepdim or not axes else kept.squeeze(axes)

    def backward(self, grad):
        if not self.keepdim and self.axes:
            grad = xp.expand_dims(grad, self.axes)
        share = grad / self.hit.sum(axis=self.axes, keepdims=True)
        return xp.where(self.hit, share, xp.zeros((), grad.dtype)), None


class AMax(_AExtremum):
    reducer = staticmethod(xp.max)


class AMin(_AExtremum):
    reducer = staticmethod(xp.min)


def amax(x, dim=(), keepdim=False):
    """Largest value over ``dim`` (an int or tuple; every dim when ())."""
    return AMax.apply(x, _axes(x, dim, "amax"), keepdim=keepdim)


def amin(x, dim=(), keepdim=False):
    return AMin.apply(x, _axes(x, dim, "amin"), keepdim=keepdim)


def aminmax(x, *, dim=None, keepdim=False):
    d = () if dim is None else as_index(dim, "aminmax")
    return MinMax(amin(x, d, keepdim), amax(x, d, keepdim))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) in one call, as torch.var_mean."""
    return var(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m = var_mean(x, dim, unbiased, keepdim, correction=correction)
    return v.sqrt(), m


def count_nonzero(x, dim=None):
    """The number of non-zero elements over ``dim`` (int64)."""
    axes = _axes(x, dim, "count_nonzero")
    return _tensor()._from_array(xp.asarray(xp.count_nonzero(x._data, axis=axes),
                                            dtype=xp.int64))


# ---- running products -----------------------------------------------------------------------
def _reverse_cumsum(a, axis):
    return xp.flip(xp.cumsum(xp.flip(a, axis), axis), axis)


class CumProd(Function):
    """Running product. Its gradient sum_{j>=i} g_j out_j / x_i fails at zeros, so per slice,
    with z the first zero: before z that formula holds; at z the gradient is the running
    product with x_z taken as 1, weighted by g; after z every product contains x_z, so 0."""

    def forward(self, x, axis, dtype=None):
        self.x, self.axis = x, axis
        self.out = xp.cumprod(x, axis, dtype=dtype)
        return self.out

    def backward(self, grad):
        x, out, axis = self.x, self.out, self.axis
        zero = x == 0
        if not zero.any():
            return _reverse_cumsum(grad * out, axis) / x, None
        zeros_so_far = xp.cumsum(zero, axis)
        before, first = zeros_so_far == 0, zero & (zeros_so_far == 1)
        one = xp.ones((), x.dtype)
        safe = xp.where(zero, one, x)
        g_before = _reverse_cumsum(grad * out, axis) / safe
        out_skip = xp.cumprod(xp.where(first, one, x), axis)
        g_first = _reverse_cumsum(xp.where(zeros_so_far >= 1, grad * out_skip, 0), axis)
        g = xp.where(before, g_before, xp.where(first, g_first, 0))
        return g.astype(x.dtype, copy=False), None


def cumprod(x, dim, dtype=None):
    """Running product along ``dim`` (integer and bool inputs give int64, as in torch)."""
    axes = normalize_dim(as_index(dim, "cumprod"), x.ndim, "cumprod")
    if not axes:
        return CumProd.apply(x.reshape(1), 0, dtype=_sum_dtype(x, dtype)).reshape(())
    return CumProd.apply(x, axes[0], dtype=_sum_dtype(x, dtype))


class LogCumSumExp(Function):
    """log(cumsum(exp(x))) computed as a running logaddexp, exact for any range of values.
    The gradient sum_{j>=i} g_j exp(x_i - out_j) is summed in log space, split by the sign of
    g, so no exp overflows."""

    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.out = xp.logaddexp.accumulate(x, axis=axis)
        return self.out

    def backward(self, grad):
        x, out, axis = self.x, self.out, self.axis
        with xp.errstate(divide="ignore"):
            log_pos = xp.log(xp.maximum(grad, 0)) - out
            log_neg = xp.log(xp.maximum(-grad, 0)) - out

        def reverse_lse(a):
            return xp.flip(xp.logaddexp.accumulate(xp.flip(a, axis), axis=axis), axis)
        return xp.exp(x + reverse_lse(log_pos)) - xp.exp(x + reverse_lse(log_neg)), None


def logcumsumexp(x, dim):
    if x.dtype.kind != "f":
        raise TypeError(f"logcumsumexp: expected a floating point tensor, got {x.dtype}")
    axes = normalize_dim(as_index(dim, "logcumsumexp"), x.ndim, "logcumsumexp")
    if not axes:
        return x.clone()
    return LogCumSumExp.apply(x, axes[0])
