"""Counting, never differentiable: unique, unique_consecutive, bincount and histc."""
from .._backend import xp
from ._broadcast import as_index, normalize_dim


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _wrap(*arrays):
    Tensor = _tensor()
    out = tuple(Tensor._from_array(xp.asarray(a)) for a in arrays)
    return out[0] if len(out) == 1 else out


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (sorted), optionally with each element's position in them
    (inverse, shaped like the input) and how often each occurs; ``dim`` makes whole slices
    along it the elements."""
    a = x._data
    axis = None
    if dim is not None:
        axes = normalize_dim(as_index(dim, "unique"), a.ndim, "unique")
        axis = axes[0] if axes else None
    values, inverse, counts = xp.unique(a, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(a.shape if axis is None else (a.shape[axis],))
    out = [values]
    if return_inverse:
        out.append(inverse.astype(xp.int64))
    if return_counts:
        out.append(counts.astype(xp.int64))
    return _wrap(*out)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (of the flattened input, or slices along
    ``dim``) into one."""
    a = x._data
    if dim is None:
        flat = a.reshape(-1)
        axis, keys = 0, flat.reshape(-1, 1)
    else:
        axes = normalize_dim(as_index(dim, "unique_consecutive"), a.ndim, "unique_consecutive")
        axis = axes[0] if axes else 0
        flat = a if a.ndim else a.reshape(1)
        keys = xp.moveaxis(flat, axis, 0).reshape(flat.shape[axis], -1)
    n = keys.shape[0]
    starts = xp.ones(n, bool)
    if n:
        starts[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    run = xp.cumsum(starts) - 1
    out = [xp.compress(starts, flat, axis=axis)]
    if return_inverse:
        out.append(run.reshape(a.shape if dim is None else (n,)).astype(xp.int64))
    if return_counts:
        out.append(xp.diff(xp.append(xp.flatnonzero(starts), n)).astype(xp.int64))
    return _wrap(*out)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs in a 1-D int tensor (summing ``weights``
    instead when given: the result then has the weights' dtype)."""
    Tensor = _tensor()
    a = input._data
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise ValueError(f"bincount: expected a 1-D integer tensor, got shape {a.shape} and "
                         f"dtype {a.dtype}")
    if a.size and a.min() < 0:
        raise ValueError(f"bincount: values must be non-negative, got {a.min()}")
    minlength = as_index(minlength, "bincount", "minlength")
    if weights is None:
        return Tensor._from_array(xp.bincount(a, minlength=minlength).astype(xp.int64))
    w = weights._data if isinstance(weights, Tensor) else xp.asarray(weights)
    if w.shape != a.shape:
        raise ValueError(f"bincount: weights have shape {w.shape} but input has {a.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else xp.float64
    return Tensor._from_array(xp.bincount(a, w, minlength=minlength).astype(dtype))


def histc(input, bins=100, min=0, max=0):
    """Counts in ``bins`` equal bins over [min, max] (the data's range when min == max);
    elements outside are ignored. Floating point input only, as torch."""
    Tensor = _tensor()
    a = input._data
    if a.dtype.kind != "f":
        raise TypeError(f"histc: expected a floating point tensor, got {a.dtype}")
    bins = as_index(bins, "histc", "bins")
    if bins <= 0:
        raise ValueError(f"histc: bins must be positive, got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:  # torch widens an empty range by one on each side
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"histc: max {max} must be larger than min {min}")
    kept = a[(a >= lo) & (a <= hi)]
    # bin = floor((v - lo) * bins / (hi - lo)), the top edge going to the last bin
    idx = xp.minimum(((kept.astype(xp.float64) - lo) * (bins / (hi - lo))).astype(xp.int64),
                     bins - 1)
    counts = xp.bincount(idx, minlength=bins)
    return Tensor._from_array(counts.astype(a.dtype))
