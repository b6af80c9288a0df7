"""Order statistics: sort, argsort, msort, topk, kthvalue, median, mode, cummax / cummin, and the
searches searchsorted and bucketize.

Values are gathered from the input at the chosen indices (misc.Gather), so each gradient goes
back to the element it came from; indices are int64 and never differentiable. Results that are
(values, indices) pairs are named tuples, as torch's return types."""
from collections import namedtuple

from .._backend import xp
from ._broadcast import as_index, normalize_dim
from .misc import Gather

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _axis(x, dim, op):
    """The one non-negative axis ``dim`` names (None for a 0-d tensor)."""
    axes = normalize_dim(as_index(dim, op), x.ndim, op)
    return axes[0] if axes else None


def _pair(x, idx, axis):
    Tensor = _tensor()
    values = Gather.apply(x, idx, axis)
    return ValuesIndices(values, Tensor._from_array(idx.astype(xp.int64, copy=False)))


def _order(a, axis, descending, stable):
    """argsort along ``axis``; NaN counts as the largest value, as in torch. Descending order
    is an ascending sort of the reversed array, reversed back (stable, that keeps equal
    elements in their original order)."""
    kind = "stable" if stable else None  # NumPy's default introsort is 2-3x faster
    if not descending:
        return xp.argsort(a, axis=axis, kind=kind)
    n = a.shape[axis]
    rev = xp.argsort(xp.flip(a, axis), axis=axis, kind=kind)
    return xp.flip(n - 1 - rev, axis)


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; ties keep their order (stable) either way."""
    axis = _axis(x, dim, "sort")
    if axis is None:
        return _scalar_pair(x)
    return _pair(x, _order(x._data, axis, descending, stable), axis)


def argsort(x, dim=-1, descending=False, stable=False):
    Tensor = _tensor()
    axis = _axis(x, dim, "argsort")
    if axis is None:
        return Tensor._from_array(xp.zeros((), xp.int64))
    return Tensor._from_array(_order(x._data, axis, descending, stable).astype(xp.int64))


def msort(x):
    return sort(x, 0).values


def _scalar_pair(x):
    Tensor = _tensor()
    return ValuesIndices(x.clone(), Tensor._from_array(xp.zeros((), xp.int64)))


def _k_and_axis(op, x, k, dim, lowest):
    """``k`` as an int, checked to lie in [lowest, size of ``dim``], and the axis (None for a
    0-d ``x``, whose one element counts as a dim of size 1)."""
    k = as_index(k, op, "k")
    axis = _axis(x, dim, op)
    n = 1 if axis is None else x.shape[axis]
    if not lowest <= k <= n:
        raise ValueError(f"{op}: k={k} is out of range for dim {dim} of size {n} "
                         f"(shape {x.shape})")
    return k, axis


def topk(x, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` as (values, indices), in order."""
    k, axis = _k_and_axis("topk", x, k, dim, lowest=0)
    if axis is None:
        return _scalar_pair(x) if k else ValuesIndices(x.reshape(0), _tensor()._from_array(
            xp.zeros(0, xp.int64)))
    a = x._data
    finite = a.dtype.kind == "f" and k < a.shape[axis] // 4 and xp.isfinite(a).all()
    if finite and k <= 16:
        # a few passes of argmax beat NumPy's argpartition (an introselect per row) by 5-10x
        # for the small k of accuracy@k and beam search; chosen entries are masked with -inf,
        # which no finite element equals
        work = a.copy() if largest else -a
        picks = []
        for _ in range(k):
            i = xp.argmax(work, axis=axis, keepdims=True)
            xp.put_along_axis(work, i, -xp.inf, axis)
            picks.append(i)
        idx = xp.concatenate(picks, axis) if picks else xp.zeros(
            a.shape[:axis] + (0,) + a.shape[axis + 1:], xp.int64)
    elif finite:
        # partition first (linear), then sort only the k chosen
        key = -a if largest else a
        part = xp.take(xp.argpartition(key, k - 1, axis=axis), xp.arange(k), axis=axis)
        inner = xp.argsort(xp.take_along_axis(key, part, axis), axis=axis, kind="stable")
        idx = xp.take_along_axis(part, inner, axis)
    else:
        idx = xp.take(_order(a, axis, largest, True), xp.arange(k), axis=axis)
    return _pair(x, idx, axis)


def _select_kth(x, axis, kth, keepdim):
    """The ``kth`` (0-based) smallest along ``axis``; a slice with a NaN gives that NaN."""
    a = x._data
    # a partition (linear) puts the kth in place; which of equal values it picks is not
    # specified, as in torch
    idx = xp.take(xp.argpartition(a, kth, axis=axis), [kth], axis=axis)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        has_nan = nan.any(axis=axis, keepdims=True)
        if has_nan.any():
            idx = xp.where(has_nan, xp.argmax(nan, axis=axis, keepdims=True), idx)
    out = _pair(x, idx, axis)
    if keepdim:
        return out
    return ValuesIndices(out.values.squeeze(axis), out.indices.squeeze(axis))


def kthvalue(x, k, dim=-1, keepdim=False):
    """The k-th smallest element (k counts from 1) along ``dim``, as (values, indices)."""
    k, axis = _k_and_axis("kthvalue", x, k, dim, lowest=1)
    if axis is None:
        return _scalar_pair(x)
    return _select_kth(x, axis, k - 1, keepdim)


def median(x, dim=None, keepdim=False):
    """The lower median (torch does not average the two middle values); NaN if a slice has
    one. Without ``dim`` the median of all elements, else (values, indices) along ``dim``."""
    if dim is None:
        if x.numel() == 0:
            raise ValueError("median: expected a non-empty tensor")
        flat = x.reshape(-1)
        return _select_kth(flat, 0, (flat.shape[0] - 1) // 2, False).values
    axis = _axis(x, dim, "median")
    if axis is None:
        return _scalar_pair(x)
    if x.shape[axis] == 0:
        raise ValueError(f"median: cannot reduce over dim {dim} of size 0 (shape {x.shape})")
    return _select_kth(x, axis, (x.shape[axis] - 1) // 2, keepdim)


def mode(x, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest on ties) and the index of its last
    occurrence, as torch gives, as (values, indices)."""
    axis = _axis(x, dim, "mode")
    if axis is None:
        return _scalar_pair(x)
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"mode: cannot reduce over dim {dim} of size 0 (shape {x.shape})")
    a = xp.moveaxis(x._data, axis, -1)
    order = xp.argsort(a, axis=-1, kind="stable")  # equal values keep their original order
    s = xp.take_along_axis(a, order, -1)
    pos = xp.arange(n)
    change = s[..., 1:] != s[..., :-1]
    starts = xp.concatenate([xp.ones(a.shape[:-1] + (1,), bool), change], -1)
    ends = xp.concatenate([change, xp.ones(a.shape[:-1] + (1,), bool)], -1)
    first = xp.maximum.accumulate(xp.where(starts, pos, 0), -1)
    last = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(ends, pos, n - 1), -1), -1), -1)
    best = xp.argmax(last - first, axis=-1)[..., None]  # the first longest run: smallest value
    idx = xp.take_along_axis(order, xp.take_along_axis(last, best, -1), -1)
    out = _pair(x, xp.moveaxis(idx, -1, axis), axis)
    if keepdim:
        return out
    return ValuesIndices(out.values.squeeze(axis), out.indices.squeeze(axis))


def _cumulative_extremum(x, dim, ufunc, op):
    axis = _axis(x, dim, op)
    if axis is None:
        return _scalar_pair(x)
    a = x._data
    running = ufunc.accumulate(a, axis=axis)
    # index of the latest element equal to the running extremum (torch moves it on ties)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = xp.arange(a.shape[axis]).reshape(shape)
    hit = (a == running) | (xp.isnan(a) if a.dtype.kind == "f" else False)
    idx = xp.maximum.accumulate(xp.where(hit, positions, 0), axis=axis)
    return _pair(x, idx, axis)


def cummax(x, dim):
    """Running maximum along ``dim`` as (values, indices)."""
    return _cumulative_extremum(x, dim, xp.maximum, "cummax")


def cummin(x, dim):
    return _cumulative_extremum(x, dim, xp.minimum, "cummin")


# ---- searches (no gradient) -----------------------------------------------------------------
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where ``input`` would go in ``sorted_sequence`` (sorted along its last dim) to keep it
    sorted; a 1-D sequence serves every value, an N-D one matches the leading dims of input."""
    Tensor = _tensor()
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input._data if not scalar else input)
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side='left' contradicts right=True")
        right = side == "right"
    if sorter is not None:
        order = sorter._data if isinstance(sorter, Tensor) else xp.asarray(sorter)
        seq = xp.take_along_axis(seq, order, -1)
    dtype = xp.int32 if out_int32 else xp.int64
    if seq.ndim <= 1:
        out = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise ValueError(f"searchsorted: the leading dims of sorted_sequence {seq.shape} "
                             f"and input {vals.shape} must match")
        # count the elements before each value, batch by batch at once
        before = seq[..., None, :] <= vals[..., None] if right else \
            seq[..., None, :] < vals[..., None]
        out = before.sum(-1)
    return Tensor._from_array(xp.asarray(out, dtype=dtype))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: i with boundaries[i-1] < v <= boundaries[i] (right=False)."""
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {boundaries.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
