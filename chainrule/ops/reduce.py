"""Reductions: sum, mean, max, min, var, std, logsumexp, with torch's dim / keepdim."""
import builtins
from collections import namedtuple

from .._backend import xp
from ..autograd.function import Function
from ._broadcast import as_index, normalize_dim

# torch.max(x, dim) returns a (values, indices) named tuple; so does ours.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand_back(grad, shape, axes, keepdim):
    """Reshape a reduced gradient so it broadcasts against the input again."""
    if not keepdim and axes:
        grad = xp.expand_dims(grad, axes)
    return grad


class Sum(Function):
    def forward(self, x, dim=None, keepdim=False):
        self.shape = x.shape
        self.axes = normalize_dim(dim, x.ndim, "sum", unique=True)
        self.keepdim = keepdim
        return x.sum(axis=self.axes, keepdims=keepdim)

    def backward(self, grad):
        grad = _expand_back(grad, self.shape, self.axes, self.keepdim)
        return xp.broadcast_to(grad, self.shape)


class Mean(Function):
    def forward(self, x, dim=None, keepdim=False):
        if x.dtype.kind not in "fc":
            raise TypeError(f"mean: expected a floating point tensor, got {x.dtype}; "
                            "cast with .float() first")
        self.shape = x.shape
        self.axes = normalize_dim(dim, x.ndim, "mean", unique=True)
        self.keepdim = keepdim
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]
        return x.mean(axis=self.axes, keepdims=keepdim)

    def backward(self, grad):
        grad = _expand_back(grad, self.shape, self.axes, self.keepdim) / self.count
        return xp.broadcast_to(grad, self.shape)


class _ExtremumAll(Function):
    """max() / min() over all elements; ties share the gradient equally, as in torch."""

    reducer = None

    def forward(self, x):
        if x.size == 0:
            raise ValueError(f"{type(self).__name__.lower()}: expected a non-empty tensor")
        self.x = x
        self.out = self.reducer(x)
        return xp.asarray(self.out)

    def backward(self, grad):
        mask = self.x == self.out
        return mask * (grad / mask.sum())


class MaxAll(_ExtremumAll):
    reducer = staticmethod(xp.max)


class MinAll(_ExtremumAll):
    reducer = staticmethod(xp.min)


class TakeAlongDim(Function):
    """Pick one element per slice along ``axis`` at ``idx`` (kept dims); the gradient goes back
    to exactly those positions. This is max(dim) / min(dim) once the indices are known."""

    def forward(self, x, idx, axis, keepdim=False):
        self.shape, self.idx, self.axis, self.keepdim = x.shape, idx, axis, keepdim
        values = xp.take_along_axis(x, idx, axis)
        return values if keepdim else values.squeeze(axis)

    def backward(self, grad):
        g = xp.zeros(self.shape, grad.dtype)
        if not self.keepdim:
            grad = xp.expand_dims(grad, self.axis)
        xp.put_along_axis(g, self.idx, grad, self.axis)
        return g, None


def _extremum_dim(x, dim, keepdim, arg, op):
    from ..tensor import Tensor
    axes = normalize_dim(as_index(dim, op), x.ndim, op)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._from_array(xp.zeros((), xp.int64)))
    (axis,) = axes
    if x.shape[axis] == 0:
        raise ValueError(f"{op}: cannot reduce over dim {dim} of size 0 (shape {x.shape})")
    idx = xp.expand_dims(arg(x._data, axis=axis), axis)
    values = TakeAlongDim.apply(x, idx, axis, keepdim=keepdim)
    indices = idx if keepdim else idx.squeeze(axis)
    return ValuesIndices(values, Tensor._from_array(indices.astype(xp.int64, copy=False)))


class Var(Function):
    def forward(self, x, dim=None, correction=1, keepdim=False):
        self.axes = normalize_dim(dim, x.ndim, "var", unique=True)
        n = 1
        for a in self.axes:
            n *= x.shape[a]
        self.denominator = builtins.max(n - correction, 0)
        self.centred = x - x.mean(axis=self.axes, keepdims=True)
        self.shape, self.keepdim = x.shape, keepdim
        with xp.errstate(divide="ignore", invalid="ignore"):
            return (self.centred ** 2).sum(axis=self.axes, keepdims=keepdim) / self.denominator

    def backward(self, grad):
        grad = _expand_back(grad, self.shape, self.axes, self.keepdim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            return grad * (2.0 / self.denominator) * self.centred


class LogSumExp(Function):
    def forward(self, x, dim, keepdim=False):
        self.axes = normalize_dim(dim, x.ndim, "logsumexp", unique=True)
        m = x.max(axis=self.axes, keepdims=True)
        # An all -inf slice would give -inf - -inf = nan; shift by 0 there instead.
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.exp(x - m).sum(axis=self.axes, keepdims=True)
        out = xp.log(s) + m
        self.x, self.out_keep, self.shape, self.keepdim = x, out, x.shape, keepdim
        return out if keepdim else out.squeeze(self.axes) if self.axes else out

    def backward(self, grad):
        grad = _expand_back(grad, self.shape, self.axes, self.keepdim)
        return grad * xp.exp(self.x - self.out_keep)


def _correction(unbiased, correction, op):
    if correction is not None and unbiased is not None:
        raise ValueError(f"{op}: pass either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _all_if_empty(dim):
    """torch reduces over every dim when given an empty dim list (sum(dim=()) is sum())."""
    return None if isinstance(dim, (tuple, list)) and not dim else dim


def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return Sum.apply(x, dim=_all_if_empty(dim), keepdim=keepdim)


def mean(x, dim=None, keepdim=False):
    return Mean.apply(x, dim=_all_if_empty(dim), keepdim=keepdim)


def max(x, dim=None, keepdim=False):
    """max(x) is the largest element; max(x, dim) is (values, indices) along dim."""
    from ..tensor import Tensor
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from .elementwise import maximum
        return maximum(x, dim)
    if dim is None:
        return MaxAll.apply(x)
    return _extremum_dim(x, dim, keepdim, xp.argmax, "max")


def min(x, dim=None, keepdim=False):
    from ..tensor import Tensor
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(x, dim)
    if dim is None:
        return MinAll.apply(x)
    return _extremum_dim(x, dim, keepdim, xp.argmin, "min")


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return Var.apply(x, dim=_all_if_empty(dim),
                     correction=_correction(unbiased, correction, "var"), keepdim=keepdim)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(x, dim, unbiased, keepdim, correction=correction).sqrt()


def logsumexp(x, dim, keepdim=False):
    return LogSumExp.apply(x, dim=_all_if_empty(dim), keepdim=keepdim)


def _arg_extremum(x, dim, keepdim, op):
    from ..tensor import Tensor
    d = x._data
    if d.size == 0:
        raise ValueError(f"{op}: expected a non-empty tensor, got shape {d.shape}")
    if dim is None:
        # torch: keepdim without dim keeps every dim, at size 1
        idx = getattr(d, op)()
        return Tensor._from_array(xp.full((1,) * d.ndim if keepdim else (), idx, xp.int64))
    (axis,) = normalize_dim(as_index(dim, op), d.ndim, op) or (None,)
    if axis is None:  # 0-d: the only element is at index 0
        return Tensor._from_array(xp.zeros((), xp.int64))
    return Tensor._from_array(getattr(d, op)(axis=axis, keepdims=keepdim).astype(xp.int64))


def argmax(x, dim=None, keepdim=False):
    return _arg_extremum(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg_extremum(x, dim, keepdim, "argmin")
