"""gather, cumsum, prod and norm (differentiable), and the bool tests isnan, any, all, sign, ...
that torch code calls all the time."""
import builtins
import math

from .._backend import xp, scatter_add
from ..autograd.function import Function
from ._broadcast import as_index, normalize_dim


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _bool(array):
    return _tensor()._from_array(xp.asarray(array))


# ---- gather ---------------------------------------------------------------------------------
class Gather(Function):
    """out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1); repeated indices add up in backward."""

    def forward(self, x, index, axis):
        # open-mesh coordinates with the index in place of ``axis``; the index may be smaller
        # than x in the other dims, as torch allows
        where = list(xp.indices(index.shape, sparse=True))
        where[axis] = index
        self.where, self.shape = tuple(where), x.shape
        return x[self.where]

    def backward(self, grad):
        return scatter_add(xp.zeros(self.shape, grad.dtype), self.where, grad), None, None


def gather(x, dim, index):
    """Values of ``x`` along ``dim`` at the positions in ``index``.

    Args:
        x: input tensor.
        dim: the dim to index along.
        index: int64 tensor with as many dims as ``x``, no larger than ``x`` outside ``dim``.
    Returns:
        A tensor shaped like ``index``.
    """
    Tensor = _tensor()
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {idx.dtype}")
    if idx.ndim != x.ndim:
        raise ValueError(f"gather: index has {idx.ndim} dims but the input has {x.ndim} "
                         f"(index shape {idx.shape}, input shape {x.shape})")
    axes = normalize_dim(dim, x.ndim, "gather")
    scalar = not axes
    if scalar:  # 0-d: index 0 of the only element
        x, idx, axes = x.reshape(1), idx.reshape(1), (0,)
    (axis,) = axes
    shape = x.shape
    for d, (n, m) in enumerate(zip(idx.shape, shape)):
        if d != axis and n > m:
            raise ValueError(f"gather: index shape {idx.shape} is larger than input shape "
                             f"{shape} in dim {d}")
    if idx.size and (idx.min() < 0 or idx.max() >= shape[axis]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"gather: index {bad} is out of bounds for dim {axis} with size "
                         f"{shape[axis]}")
    out = Gather.apply(x, idx, axis)
    return out.reshape(()) if scalar else out


# ---- cumsum ---------------------------------------------------------------------------------
class CumSum(Function):
    def forward(self, x, axis, dtype=None):
        self.axis = axis
        return xp.cumsum(x, axis, dtype=dtype)

    def backward(self, grad):
        # every input adds into all later outputs: a reversed cumulative sum
        a = self.axis
        return xp.flip(xp.cumsum(xp.flip(grad, a), a), a), None


def cumsum(x, dim, dtype=None):
    """Running sum along ``dim`` (integer and bool inputs give int64, as in torch)."""
    axes = normalize_dim(dim, x.ndim, "cumsum")
    if not axes:
        return CumSum.apply(x.reshape(1), 0, dtype=_sum_dtype(x, dtype)).reshape(())
    return CumSum.apply(x, axes[0], dtype=_sum_dtype(x, dtype))


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype
    return xp.int64 if x.dtype.kind in "biu" else None


# ---- prod -----------------------------------------------------------------------------------
class Prod(Function):
    """Product over ``axes``. d/dx_i is the product of the other elements, computed without
    dividing by zero: one zero in a slice gets the product of the rest, the others 0."""

    def forward(self, x, axes, keepdim=False, dtype=None):
        self.x, self.axes, self.keepdim = x, axes, keepdim
        return xp.asarray(xp.prod(x, axis=axes, keepdims=keepdim, dtype=dtype))

    def backward(self, grad):
        x, axes = self.x, self.axes
        if not self.keepdim and axes:
            grad = xp.expand_dims(grad, axes)
        zero = x == 0
        zeros_in_slice = zero.sum(axis=axes, keepdims=True)
        safe = xp.where(zero, xp.ones((), x.dtype), x)
        rest = xp.prod(safe, axis=axes, keepdims=True)
        no_zero = xp.where(zeros_in_slice == 0, rest, 0) / safe
        one_zero = xp.where(zeros_in_slice == 1, rest, 0)
        return (grad * xp.where(zero, one_zero, no_zero)).astype(x.dtype, copy=False)


def prod(x, dim=None, keepdim=False, dtype=None):
    """Product of all elements, or along one ``dim`` (integer and bool inputs give int64)."""
    axes = normalize_dim(None if dim is None else as_index(dim, "prod"), x.ndim, "prod")
    return Prod.apply(x, axes, keepdim=keepdim, dtype=_sum_dtype(x, dtype))


# ---- norm -----------------------------------------------------------------------------------
class Norm(Function):
    """Vector p-norm (sum |x|^p)^(1/p) over ``axes``; p = inf / -inf are max / min |x|, p = 0
    counts non-zeros. The 2-norm has zero gradient at the zero vector, as in torch."""

    def forward(self, x, p, axes, keepdim=False):
        self.x, self.p, self.axes, self.keepdim = x, p, axes, keepdim
        a = xp.abs(x)
        if p == 2:
            out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
        elif p == 1:
            out = xp.sum(a, axis=axes, keepdims=True)
        elif p == math.inf:
            out = xp.max(a, axis=axes, keepdims=True)
        elif p == -math.inf:
            out = xp.min(a, axis=axes, keepdims=True)
        elif p == 0:
            out = xp.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
        else:
            with xp.errstate(divide="ignore"):
                out = xp.sum(a ** p, axis=axes, keepdims=True) ** (1.0 / p)
        self.out = out
        return out if keepdim or not axes else out.squeeze(axes)

    def backward(self, grad):
        x, p, out, axes = self.x, self.p, self.out, self.axes
        if not self.keepdim and axes:
            grad = xp.expand_dims(grad, axes)
        zero = xp.zeros((), x.dtype)
        if p == 0:
            return xp.zeros_like(x), None, None
        if p == 1:
            return xp.sign(x) * grad, None, None
        if p in (math.inf, -math.inf):
            # ties share the gradient, as in torch
            hit = xp.abs(x) == out
            share = grad / hit.sum(axis=axes, keepdims=True)
            return xp.where(hit, xp.sign(x) * share, zero), None, None
        safe_out = xp.where(out == 0, xp.ones((), x.dtype), out)
        scale = xp.where(out == 0, zero, grad / safe_out ** (p - 1))
        if p == 2:
            return x * scale, None, None
        with xp.errstate(divide="ignore", invalid="ignore"):
            powered = xp.where(x == 0, zero, xp.sign(x) * xp.abs(x) ** (p - 1))
        return powered * scale, None, None


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: the vector p-norm over ``dim`` (all elements when None).

    Args:
        p: 'fro' (the 2-norm of the elements), or a number, inf or -inf.
        dim: int or tuple of ints.
    """
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind not in "fc":
        raise TypeError(f"norm: expected a floating point tensor, got {x.dtype}")
    if p == "fro":
        p = 2
    elif isinstance(p, str) or not isinstance(p, (int, float)):
        raise ValueError(f"norm: p={p!r} is not supported; use 'fro', a number, inf or -inf")
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # torch: dim=() is every dim
    axes = normalize_dim(dim, x.ndim, "norm", unique=True)
    return Norm.apply(x, float(p), axes, keepdim=keepdim)


# ---- tests that give bool tensors (no gradient) ---------------------------------------------
def isnan(x):
    return _bool(xp.isnan(x._data))


def isinf(x):
    return _bool(xp.isinf(x._data))


def isfinite(x):
    return _bool(xp.isfinite(x._data))


def _logical(x, dim, keepdim, op):
    axes = normalize_dim(dim, x.ndim, op, unique=True)
    d = x._data
    return _bool(getattr(d, op)(axis=axes, keepdims=keepdim) if d.ndim else d.astype(bool))


def any(x, dim=None, keepdim=False):
    """True where any element along ``dim`` (everywhere when None) is non-zero."""
    return _logical(x, dim, keepdim, "any")


def all(x, dim=None, keepdim=False):
    """True where every element along ``dim`` (everywhere when None) is non-zero."""
    return _logical(x, dim, keepdim, "all")


def sign(x):
    """-1, 0 or 1 by the sign of each element (0 for NaN, as torch gives); no gradient."""
    d = x._data
    if d.dtype == xp.bool_:
        return _bool(d.copy())
    s = xp.sign(d)
    if d.dtype.kind in "fc":
        s = xp.where(xp.isnan(d), xp.zeros((), d.dtype), s)
    return _tensor()._from_array(xp.asarray(s))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |a - b| <= atol + rtol * |b| everywhere (a and b must share a dtype)."""
    Tensor = _tensor()
    a = a._data if isinstance(a, Tensor) else xp.asarray(a)
    b = b._data if isinstance(b, Tensor) else xp.asarray(b)
    if a.dtype != b.dtype:
        raise TypeError(f"allclose: dtypes must match, got {a.dtype} and {b.dtype}")
    try:
        return builtins.bool(xp.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise ValueError(f"allclose: shapes {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None


def is_tensor(obj):
    return isinstance(obj, _tensor())


def numel(x):
    return x.numel()
