"""Selecting and placing by index: index_select, masked_select, masked_fill, nonzero /
argwhere, narrow, roll, scatter / scatter_add, index_add, take_along_dim, and the triangles
and diagonals (tril, triu, diag, diagonal, trace)."""
from .._backend import xp, scatter_add as _add_at
from ..autograd.function import Function
from ._broadcast import as_index, normalize_dim, unbroadcast
from .misc import gather
from .shape import getitem


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _array(t):
    return t._data if isinstance(t, _tensor()) else xp.asarray(t)


def _one_axis(x, dim, op):
    """``dim`` as a non-negative axis; a 0-d tensor is treated as 1-D (as torch does)."""
    axes = normalize_dim(as_index(dim, op), x.ndim, op)
    return axes[0] if axes else 0


def _index_vector(index, n, op, what="index"):
    idx = _array(index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise TypeError(f"{op}: {what} must be a 0-d or 1-D integer tensor, got dtype "
                        f"{idx.dtype} and shape {idx.shape}")
    idx = idx.reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(f"{op}: index {bad} is out of range for a dim of size {n}")
    return idx % n if n else idx


# ---- along one dim --------------------------------------------------------------------------
def segment_sum_rows(grad, idx, n):
    """A (n, ...) array whose row i is the sum of grad's rows j with idx[j] == i.

    ``add.at`` does this one row at a time (12 ms for 4096 rows of 64 here). Instead the
    occurrences of each index are ranked (first, second, ...) and added in rounds by rank:
    within a round no index repeats, so a plain vectorised ``+=`` is exact. The rounds are as
    many as the most repeated index; past 32 ``add.at`` is used after all."""
    out = xp.zeros((n,) + grad.shape[1:], grad.dtype)
    if idx.size == 0:
        return out
    order = xp.argsort(idx, kind="stable")
    ordered = idx[order]
    pos = xp.arange(idx.size)
    first = xp.concatenate(([True], ordered[1:] != ordered[:-1]))
    rank = pos - xp.maximum.accumulate(xp.where(first, pos, 0))
    rounds = int(rank.max()) + 1
    if rounds > 32:
        return _add_at(out, idx, grad)
    if rounds == 1:
        out[idx] = grad
        return out
    for r in range(rounds):
        rows = order[rank == r]
        out[idx[rows]] += grad[rows]
    return out


class IndexSelect(Function):
    """Slices of ``x`` along ``axis`` at ``idx``; repeated indices add up in backward."""

    def forward(self, x, idx, axis):
        self.shape, self.idx, self.axis = x.shape, idx, axis
        return xp.take(x, idx, axis=axis)

    def backward(self, grad):
        g = segment_sum_rows(xp.moveaxis(grad, self.axis, 0), self.idx, self.shape[self.axis])
        return xp.moveaxis(g, 0, self.axis), None, None


def index_select(x, dim, index):
    scalar = x.ndim == 0
    axis = _one_axis(x, dim, "index_select")
    if scalar:
        x = x.reshape(1)
    out = IndexSelect.apply(x, _index_vector(index, x.shape[axis], "index_select"), axis)
    return out.reshape(()) if scalar and _array(index).ndim == 0 else out


class IndexAdd(Function):
    """out = x with ``alpha * source`` slices added at ``idx`` along ``axis``."""

    def forward(self, x, source, idx, axis, alpha=1):
        self.idx, self.axis, self.alpha = idx, axis, alpha
        out = x.copy()
        _add_at(xp.moveaxis(out, axis, 0), idx, xp.moveaxis(source * alpha, axis, 0))
        return out

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad[:2]
        g_src = xp.take(grad, self.idx, axis=self.axis) * self.alpha if need_src else None
        return (grad if need_x else None), g_src, None, None


def index_add(x, dim, index, source, *, alpha=1):
    axis = _one_axis(x, dim, "index_add")
    idx = _index_vector(index, x.shape[axis] if x.ndim else 1, "index_add")
    want = list(x.shape)
    if want:
        want[axis] = idx.size
    if tuple(source.shape) != tuple(want):
        raise ValueError(f"index_add: source has shape {tuple(source.shape)}, expected "
                         f"{tuple(want)} (input {x.shape} with {idx.size} indices along dim "
                         f"{dim})")
    return IndexAdd.apply(x, source, idx, axis, alpha=alpha)


def narrow(x, dim, start, length):
    """The ``length`` elements of ``dim`` from ``start`` (a view in torch, a copy here)."""
    axis = _one_axis(x, dim, "narrow")
    n = x.shape[axis]
    start, length = as_index(start, "narrow", "start"), as_index(length, "narrow", "length")
    if start < 0:
        start += n
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise IndexError(f"narrow: start {start} and length {length} do not fit in dim {dim} "
                         f"of size {n} (shape {x.shape})")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def take_along_dim(x, indices, dim=None):
    """gather with broadcasting of ``indices`` against ``x`` (flattened when dim is None)."""
    if dim is None:
        return gather(x.reshape(-1), 0, indices.reshape(-1))
    axis = _one_axis(x, dim, "take_along_dim")
    idx = _array(indices)
    shape = list(xp.broadcast_shapes(tuple(s for i, s in enumerate(x.shape) if i != axis),
                                     tuple(s for i, s in enumerate(idx.shape) if i != axis)))
    x_shape, i_shape = list(shape), list(shape)
    x_shape.insert(axis, x.shape[axis])
    i_shape.insert(axis, idx.shape[axis])
    return gather(x.expand(x_shape), axis, _tensor()._from_array(xp.broadcast_to(idx, i_shape)))


class Roll(Function):
    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp.roll(x, shifts, axes)

    def backward(self, grad):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return xp.roll(grad, back, self.axes), None, None


def roll(x, shifts, dims=None):
    """Shift elements along ``dims`` with wrap-around (of the flattened tensor when None)."""
    if dims is None:
        return Roll.apply(x, as_index(shifts, "roll", "shifts"), None)
    shifts = (shifts,) if not isinstance(shifts, (tuple, list)) else tuple(shifts)
    dims = (dims,) if not isinstance(dims, (tuple, list)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: got {len(shifts)} shifts for {len(dims)} dims")
    axes = normalize_dim(dims, x.ndim, "roll")
    if not axes:
        return x.clone()
    return Roll.apply(x, tuple(as_index(s, "roll", "shift") for s in shifts), axes)


# ---- scatter --------------------------------------------------------------------------------
def _scatter_where(x_shape, index, axis, op):
    idx = _array(index)
    if idx.dtype.kind not in "iu" or idx.ndim != len(x_shape):
        raise ValueError(f"{op}: index must be an integer tensor with as many dims as the "
                         f"input ({len(x_shape)}), got dtype {idx.dtype} and shape {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= x_shape[axis]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {axis} with size "
                         f"{x_shape[axis]}")
    where = list(xp.indices(idx.shape, sparse=True))
    where[axis] = idx
    return tuple(where), idx.shape


class Scatter(Function):
    """out = x with out[where] = src (or += src when ``add``); src may be bigger than index,
    only its leading part (index's shape) is used, as in torch."""

    def forward(self, x, src, where, index_shape, add=False):
        self.where, self.add, self.src_shape = where, add, xp.shape(src)
        part = src[tuple(slice(0, n) for n in index_shape)] if xp.ndim(src) else src
        out = x.copy()
        if add:
            _add_at(out, where, part)
        else:
            out[where] = part
        return out

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad[:2]
        g_x = g_src = None
        if need_x:
            g_x = grad
            if not self.add:
                g_x = grad.copy()
                g_x[self.where] = 0
        if need_src:
            picked = grad[self.where]
            g_src = xp.zeros(self.src_shape, grad.dtype)
            g_src[tuple(slice(0, n) for n in picked.shape)] = picked
        return g_x, g_src, None, None


def scatter(x, dim, index, src=None, value=None, *, reduce=None):
    """Copy ``src`` (or the number ``value``) into x at ``index`` along ``dim``."""
    if reduce is not None:
        if reduce != "add":
            raise ValueError(f"scatter: reduce={reduce!r} is not supported; use 'add' or None")
        return scatter_add(x, dim, index, src)
    if src is not None and not isinstance(src, _tensor()):
        src, value = None, src  # scatter(x, dim, index, 1.0): a number in src's place
    if (src is None) == (value is None):
        raise TypeError("scatter: pass either src (a tensor) or value (a number)")
    axis = _one_axis(x, dim, "scatter")
    where, shape = _scatter_where(x.shape, index, axis, "scatter")
    if src is None:
        return Scatter.apply(x, xp.asarray(value, x.dtype), where, shape)
    return Scatter.apply(x, src, where, shape)


def scatter_add(x, dim, index, src):
    """x with ``src`` added at ``index`` along ``dim``; repeated indices accumulate."""
    axis = _one_axis(x, dim, "scatter_add")
    where, shape = _scatter_where(x.shape, index, axis, "scatter_add")
    if any(a > b for a, b in zip(shape, src.shape)):
        raise ValueError(f"scatter_add: index shape {shape} is larger than src shape "
                         f"{tuple(src.shape)}")
    return Scatter.apply(x, src, where, shape, add=True)


# ---- masks ----------------------------------------------------------------------------------
def _bool_mask(mask, op):
    m = _array(mask)
    if m.dtype != xp.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got {m.dtype}")
    return m


class MaskedSelect(Function):
    def forward(self, x, mask):
        self.x_shape = x.shape
        try:
            xb, self.mask = xp.broadcast_arrays(x, mask)
        except ValueError:
            raise ValueError(f"masked_select: mask of shape {mask.shape} cannot be broadcast "
                             f"with the input's {x.shape}") from None
        return xb[self.mask]

    def backward(self, grad):
        g = xp.zeros(self.mask.shape, grad.dtype)
        g[self.mask] = grad
        return unbroadcast(g, self.x_shape), None


def masked_select(x, mask):
    """The elements of x where mask (broadcast together) is True, as a 1-D tensor."""
    return MaskedSelect.apply(x, _bool_mask(mask, "masked_select"))


def masked_fill(x, mask, value):
    return x.masked_fill(mask, value)


def nonzero(x, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    Tensor = _tensor()
    a = x._data
    if as_tuple:
        return tuple(Tensor._from_array(i.astype(xp.int64)) for i in xp.nonzero(
            a if a.ndim else a.reshape(1)))
    return Tensor._from_array(xp.argwhere(a).astype(xp.int64))


def argwhere(x):
    return nonzero(x)


# ---- triangles and diagonals ----------------------------------------------------------------
class _Triangle(Function):
    keep = None

    def forward(self, x, k):
        if x.ndim < 2:
            raise ValueError(f"{type(self).__name__.lower()}: expected a tensor with at least "
                             f"2 dims, got shape {x.shape}")
        self.k = k
        return self.keep(x, k)

    def backward(self, grad):
        return self.keep(grad, self.k), None


class Tril(_Triangle):
    keep = staticmethod(xp.tril)


class Triu(_Triangle):
    keep = staticmethod(xp.triu)


def tril(x, diagonal=0):
    """Zero everything above the ``diagonal``-th diagonal of the last two dims."""
    return Tril.apply(x, as_index(diagonal, "tril", "diagonal"))


def triu(x, diagonal=0):
    return Triu.apply(x, as_index(diagonal, "triu", "diagonal"))


def _diagonal_cells(n_rows, n_cols, offset):
    length = max(0, min(n_rows + min(offset, 0), n_cols - max(offset, 0)))
    steps = xp.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


class Diagonal(Function):
    """The ``offset`` diagonal of the (axis1, axis2) planes, appended as the last dim."""

    def forward(self, x, offset, axis1, axis2):
        self.shape, self.args = x.shape, (offset, axis1, axis2)
        return xp.diagonal(x, offset, axis1, axis2).copy()

    def backward(self, grad):
        offset, a1, a2 = self.args
        g = xp.zeros(self.shape, grad.dtype)
        rows, cols = _diagonal_cells(self.shape[a1], self.shape[a2], offset)
        xp.moveaxis(g, (a1, a2), (-2, -1))[..., rows, cols] = grad  # writes through the view
        return g, None, None, None


def diagonal(x, offset=0, dim1=0, dim2=1):
    if x.ndim < 2:
        raise ValueError(f"diagonal: expected a tensor with at least 2 dims, got shape {x.shape}")
    a1, a2 = normalize_dim((dim1, dim2), x.ndim, "diagonal", unique=True)
    return Diagonal.apply(x, as_index(offset, "diagonal", "offset"), a1, a2)


class DiagEmbed(Function):
    """A 1-D tensor placed on the ``offset`` diagonal of a square zero matrix."""

    def forward(self, v, offset):
        n = v.shape[0] + abs(offset)
        self.cells = _diagonal_cells(n, n, offset)
        out = xp.zeros((n, n), v.dtype)
        out[self.cells] = v
        return out

    def backward(self, grad):
        return grad[self.cells], None


def diag(x, diagonal=0):
    """diag of a 1-D tensor is a matrix with it on a diagonal; of a 2-D one, that diagonal."""
    k = as_index(diagonal, "diag", "diagonal")
    if x.ndim == 1:
        return DiagEmbed.apply(x, k)
    if x.ndim == 2:
        return Diagonal.apply(x, k, 0, 1)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")


def trace(x):
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    if x.ndim != 2:
        raise ValueError(f"trace: expected a 2-D tensor, got shape {x.shape}")
    d = Diagonal.apply(x, 0, 0, 1)
    return d.sum() if x.dtype.kind in "fc" else d.to(xp.int64).sum()

