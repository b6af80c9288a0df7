"""Rearranging elements: repeat_interleave, tile, movedim / moveaxis, swapaxes / swapdims,
unflatten, meshgrid, cartesian_prod, rot90, fliplr / flipud (built on the differentiable shape
ops), and Tensor.unfold's sliding windows."""
from .._backend import xp
from ..autograd.function import Function
from ._broadcast import as_index, as_sizes, is_index, normalize_dim
from .indexing import IndexSelect
from .shape import expand, flip, permute, repeat, reshape, stack, transpose


def _tensor():
    from ..tensor import Tensor
    return Tensor


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or each slice along ``dim``) ``repeats`` times, one after another;
    ``repeats`` is a number or one count per element. ``repeat_interleave(counts)`` alone gives
    ``[0]*counts[0] + [1]*counts[1] + ...``."""
    Tensor = _tensor()
    if repeats is None:  # torch.repeat_interleave(repeats)
        counts = x._data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise ValueError(f"repeat_interleave: repeats must be a 1-D integer tensor, got "
                             f"shape {counts.shape} and dtype {counts.dtype}")
        return Tensor._from_array(xp.repeat(xp.arange(counts.size), counts).astype(xp.int64))
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axes = normalize_dim(as_index(dim, "repeat_interleave"), x.ndim, "repeat_interleave")
        if not axes:
            x, axes = x.reshape(1), (0,)
        (axis,) = axes
    n = x.shape[axis]
    counts = repeats._data if isinstance(repeats, Tensor) else xp.asarray(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or counts.size not in (1, n):
        raise ValueError(f"repeat_interleave: repeats must be an int or {n} integer counts "
                         f"(one per element of the dim), got {counts.shape} {counts.dtype}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts.min()}")
    total = int(counts.sum()) if counts.size == n else n * int(counts)
    if output_size is not None and output_size != total:
        raise ValueError(f"repeat_interleave: output_size={output_size} but the repeats give "
                         f"{total}")
    if counts.size == 1:  # the same count everywhere: a broadcast, whose gradient is a sum
        r = int(counts)
        wide = x.unsqueeze(axis + 1)
        return wide.expand(wide.shape[:axis + 1] + (r,) + wide.shape[axis + 2:]).reshape(
            x.shape[:axis] + (n * r,) + x.shape[axis + 1:])
    return IndexSelect.apply(x, xp.repeat(xp.arange(n), counts.reshape(-1)), axis)


def tile(x, dims):
    """repeat with fewer counts than dims allowed (the missing leading counts are 1)."""
    reps = as_sizes((dims,), "tile")
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


def movedim(x, source, destination):
    """Move dims ``source`` to positions ``destination``, the others keeping their order."""
    src = (source,) if is_index(source) else tuple(source)
    dst = (destination,) if is_index(destination) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must have the same "
                         "number of dims")
    src = normalize_dim(src, x.ndim, "movedim", unique=True)
    dst = normalize_dim(dst, x.ndim, "movedim", unique=True)
    if not x.ndim:
        return x
    order = [d for d in range(x.ndim) if d not in src]
    for s, d in sorted(zip(dst, src)):
        order.insert(s, d)
    return permute(x, order)


moveaxis = movedim


def swapaxes(x, axis0, axis1):
    return transpose(x, axis0, axis1)


swapdims = swapaxes


def unflatten(x, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    (axis,) = normalize_dim(as_index(dim, "unflatten"), x.ndim, "unflatten") or (0,)
    sizes = as_sizes((sizes,), "unflatten")
    if not sizes:
        raise ValueError("unflatten: sizes must not be empty")
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    n = x.shape[axis] if x.ndim else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or \
            (-1 in sizes and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to the size {n} of dim "
                         f"{dim} (shape {x.shape})")
    return reshape(x, x.shape[:axis] + sizes + x.shape[axis + 1:])


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: the i-th output varies along dim i ('ij'), or with
    the first two inputs' dims swapped ('xy', NumPy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-D or 1-D tensors, got shape {t.shape}")
    tensors = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t.shape[0] for t in tensors)
    k = len(tensors)
    grids = [expand(t.reshape([-1 if d == i else 1 for d in range(k)]), shape)
             for i, t in enumerate(tensors)]
    if swap:  # the grids of the swapped inputs, handed back in the order given
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (1-D for one tensor)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def rot90(x, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of ``dims``, from the first towards the
    second (a flip and a transpose, so the gradient is exact)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must name two dims, got {dims}")
    if x.ndim < 2:
        raise ValueError(f"rot90: expected a tensor with at least 2 dims, got shape {x.shape}")
    d0, d1 = normalize_dim(dims, x.ndim, "rot90", unique=True)
    k = as_index(k, "rot90", "k") % 4
    if k == 0:
        return x.clone()
    if k == 2:
        return flip(x, (d0, d1))
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    return flip(transpose(x, d0, d1), (d1,))


def fliplr(x):
    if x.ndim < 2:
        raise ValueError(f"fliplr: expected a tensor with at least 2 dims, got shape {x.shape}")
    return flip(x, (1,))


def flipud(x):
    if x.ndim < 1:
        raise ValueError("flipud: expected a tensor with at least 1 dim, got a 0-d tensor")
    return flip(x, (0,))


class Unfold(Function):
    """Sliding windows of ``size`` every ``step`` along ``axis``, as a new last dim."""

    def forward(self, x, axis, size, step):
        self.shape, self.args = x.shape, (axis, size, step)
        windows = xp.lib.stride_tricks.sliding_window_view(x, size, axis=axis)
        cut = [slice(None)] * windows.ndim
        cut[axis] = slice(None, None, step)
        return xp.ascontiguousarray(windows[tuple(cut)])

    def backward(self, grad):
        axis, size, step = self.args
        g = xp.zeros(self.shape, grad.dtype)
        count = grad.shape[axis]
        # one pass per offset inside the window: there the windows' positions are distinct
        for j in range(size):
            cut = [slice(None)] * g.ndim
            cut[axis] = slice(j, j + step * (count - 1) + 1, step)
            g[tuple(cut)] += grad[..., j]
        return g, None, None, None


def unfold(x, dimension, size, step):
    """Tensor.unfold: every window of ``size`` elements, ``step`` apart, along ``dimension``;
    the windows form a new last dim."""
    axis = normalize_dim(as_index(dimension, "unfold"), x.ndim, "unfold")
    axis = axis[0] if axis else 0
    n = x.shape[axis] if x.ndim else 1
    size, step = as_index(size, "unfold", "size"), as_index(step, "unfold", "step")
    if step <= 0 or not 0 <= size <= n:
        raise ValueError(f"unfold: size {size} must be in [0, {n}] and step {step} positive "
                         f"(dim {dimension} of shape {x.shape})")
    if x.ndim == 0:
        return x.reshape(1)
    return Unfold.apply(x, axis, size, step)
