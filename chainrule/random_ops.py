"""More factories and random draws: logspace, bernoulli, multinomial
and normal. Random ones draw from chainrule's generator (or ``generator=``)."""
from ._backend import xp
from ._device import check_device
from .ops._broadcast import as_index, as_sizes
from .random import numpy_generator
from .tensor import Tensor


def _make(array, requires_grad=False):
    t = Tensor._from_array(array)
    return t.requires_grad_(True) if requires_grad else t


def _default_float():
    from . import dtypes
    return dtypes.default_float


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` points from base**start to base**end, evenly spaced in the exponent."""
    check_device("logspace", device)
    steps = as_index(steps, "logspace", "steps")
    if steps < 0:
        raise ValueError(f"logspace: steps must be non-negative, got {steps}")
    out = xp.logspace(float(start), float(end), steps, base=float(base))
    return _make(out.astype(dtype or _default_float()), requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (or ``p``) and 0 otherwise, in input's float dtype."""
    probs = input._data if p is None else xp.broadcast_to(xp.asarray(p, input.dtype),
                                                          input.shape)
    if probs.dtype.kind != "f":
        raise TypeError(f"bernoulli: expected a floating point tensor, got {probs.dtype}")
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise ValueError("bernoulli: probabilities must lie in [0, 1]")
    u = numpy_generator(generator).random(probs.shape, dtype=xp.float64)
    return Tensor._from_array((u < probs).astype(probs.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn by the (unnormalised) weights in each row of a 1-D or 2-D tensor."""
    w = input._data
    if w.ndim not in (1, 2) or w.dtype.kind != "f":
        raise ValueError(f"multinomial: expected a 1-D or 2-D floating point tensor, got "
                         f"shape {w.shape} and dtype {w.dtype}")
    n = as_index(num_samples, "multinomial", "num_samples")
    rows = w.reshape(1, -1) if w.ndim == 1 else w
    if not xp.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: weights must be finite and non-negative")
    positive = (rows > 0).sum(axis=1)
    if (positive == 0).any():
        raise ValueError("multinomial: every row must have a positive total weight")
    if n <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {n}")
    rng = numpy_generator(generator)
    if replacement:
        # inverse CDF; shifting row r's CDF and draws by r lets one searchsorted serve all rows
        cdf = xp.cumsum(rows.astype(xp.float64), axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        offsets = xp.arange(rows.shape[0])[:, None]
        u = rng.random((rows.shape[0], n))
        flat = xp.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right")
        idx = flat.reshape(u.shape) - offsets * rows.shape[1]
        # a weight-0 category can only be reached by u landing exactly on a boundary
        idx = xp.minimum(idx, rows.shape[1] - 1)
    else:
        if n > positive.min():
            raise ValueError(f"multinomial: cannot draw {n} samples without replacement from a "
                             f"row with only {positive.min()} positive weights")
        # exponential race: the order of E / w (E ~ Exp(1)) is a weighted draw without
        # replacement, so the first n of it are the samples
        with xp.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows
        idx = xp.argsort(keys, axis=1, kind="stable")[:, :n]
    idx = idx.astype(xp.int64)
    return Tensor._from_array(idx[0] if w.ndim == 1 else idx)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Normal draws: from tensors of means and stds (broadcast), or numbers with ``size``."""
    rng = numpy_generator(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is not None:
        shape = as_sizes((size,), "normal")
        dtype = dtype or _default_float()
    else:
        shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
        dtype = dtype or next((a.dtype for a in (m, s) if isinstance(a, xp.ndarray)),
                              _default_float())
    if (xp.asarray(s) < 0).any():
        raise ValueError("normal: std must be non-negative")
    z = rng.standard_normal(shape)
    return _make(xp.asarray(m + s * z).astype(dtype), requires_grad)

