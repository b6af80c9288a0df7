"""torch's function spellings of operators and methods (torch.add, torch.eq, torch.t, ...) and
small compositions scripts call (addcmul, diff, take, tensordot, nan_to_num, logaddexp,
index_fill, tensor_split, nansum, ...). Each is built on existing differentiable ops."""
import builtins

from .._backend import xp
from ._broadcast import as_index, is_index, normalize_dim
from .einsum import einsum
from .conditional import where  # noqa: F401  (torch.where's two spellings)
from .elementwise import maximum, where as _where3
from .indexing import IndexSelect, _index_vector, _one_axis
from .pointwise_math import log1p, trunc
from .shape import cat, expand, getitem, split


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _as(x):
    Tensor = _tensor()
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- operators as functions -----------------------------------------------------------------
def add(input, other, *, alpha=1):
    return _as(input) + (other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return _as(input) - (other if alpha == 1 else other * alpha)


subtract = sub


def mul(input, other):
    return _as(input) * other


multiply = mul


def div(input, other, *, rounding_mode=None):
    return _as(input).div(other, rounding_mode=rounding_mode)


divide = div


def true_divide(input, other):
    return _as(input) / other


def floor_divide(input, other):
    return _as(input) // other


def remainder(input, other):
    """Python's modulo: the result has the sign of ``other``."""
    return _as(input) % other


def fmod(input, other):
    """C's fmod: the result has the sign of ``input`` (input - trunc(input / other) * other)."""
    x = _as(input)
    b = other._data if isinstance(other, _tensor()) else other
    if x.dtype.kind in "biu" and xp.asarray(b).dtype.kind in "biu":
        return _tensor()._from_array(xp.asarray(xp.fmod(x._data, b)))
    return x - trunc(x / other) * other


def neg(input):
    return -input


negative = neg


def positive(input):
    return input


def _compare(name):
    def op(input, other):
        return getattr(_as(input), f"__{name}__")(other)
    op.__name__ = name
    return op


eq, ne, gt, ge, lt, le = (_compare(n) for n in ("eq", "ne", "gt", "ge", "lt", "le"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(ufunc):
    def op(input, other):
        b = other._data if isinstance(other, _tensor()) else other
        return _tensor()._from_array(xp.asarray(ufunc(_as(input)._data, b)))
    op.__name__ = ufunc.__name__
    return op


logical_and, logical_or, logical_xor = (_logical(u) for u in (xp.logical_and,
                                                               xp.logical_or,
                                                               xp.logical_xor))


def logical_not(input):
    return _tensor()._from_array(xp.asarray(xp.logical_not(input._data)))


def t(input):
    return input.t()


def clone(input, *, memory_format=None):
    return input.clone()


def detach(input):
    return input.detach()


# ---- small compositions ---------------------------------------------------------------------
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    quot = tensor1 / tensor2
    return input + (quot if value == 1 else quot * value)


def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow."""
    m = maximum(input, other)
    return m + log1p((-(input - other).abs()).exp())


def take(input, index):
    """Elements of the flattened input at ``index`` (shaped like index)."""
    idx = _tensor()(index) if not isinstance(index, _tensor()) else index
    flat = input.reshape(-1)
    picked = IndexSelect.apply(flat, _index_vector(idx.reshape(-1), flat.shape[0], "take"), 0)
    return picked.reshape(idx.shape)


def select(input, dim, index):
    """The slice at ``index`` of dim ``dim`` (that dim removed)."""
    axis = _one_axis(input, dim, "select")
    n = input.shape[axis]
    index = as_index(index, "select", "index")
    if not -n <= index < n:
        raise IndexError(f"select: index {index} is out of range for dim {dim} of size {n}")
    return getitem(input, (slice(None),) * axis + (index,))


def index_fill(input, dim, index, value):
    """input with the slices at ``index`` along ``dim`` set to ``value``."""
    axis = _one_axis(input, dim, "index_fill")
    n = input.shape[axis] if input.ndim else 1
    keep = [1] * builtins.max(input.ndim, 1)
    keep[axis] = n
    mask = xp.zeros(n, bool)
    mask[_index_vector(index, n, "index_fill")] = True
    return input.masked_fill(_tensor()._from_array(mask.reshape(keep[:input.ndim] or ())),
                             value)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim`` (after adding ``prepend`` / ``append``)."""
    axis = _one_axis(input, dim, "diff")
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat([_as(p) for p in parts], axis) if len(parts) > 1 else input
    for _ in range(as_index(n, "diff", "n")):
        length = x.shape[axis]
        lead = (slice(None),) * axis
        later, earlier = getitem(x, lead + (slice(1, length),)), \
            getitem(x, lead + (slice(0, length - 1),))
        x = later != earlier if x.dtype == xp.bool_ else later - earlier
    return x


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n near-equal parts (the first ones one longer), or at the given indices."""
    axis = _one_axis(input, dim, "tensor_split")
    size = input.shape[axis]
    if is_index(indices_or_sections):
        k = as_index(indices_or_sections, "tensor_split", "sections")
        if k <= 0:
            raise ValueError(f"tensor_split: sections must be positive, got {k}")
        sizes = [size // k + (1 if i < size % k else 0) for i in range(k)]
    else:
        cuts = [builtins.min(builtins.max(as_index(c, "tensor_split", "index"), 0), size)
                for c in indices_or_sections]
        bounds = [0] + cuts + [size]
        sizes = [builtins.max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return split(input, sizes, axis)


def tensordot(a, b, dims=2):
    """Sum over the last ``dims`` dims of a and the first of b, or over the listed pairs."""
    if is_index(dims):
        k = as_index(dims, "tensordot", "dims")
        da, db = list(range(a.ndim - k, a.ndim)), list(range(k))
    else:
        da, db = ([d] if is_index(d) else list(d) for d in dims)
    da = list(normalize_dim(tuple(da), a.ndim, "tensordot", unique=True))
    db = list(normalize_dim(tuple(db), b.ndim, "tensordot", unique=True))
    if len(da) != len(db):
        raise ValueError(f"tensordot: {len(da)} dims of a paired with {len(db)} dims of b")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + \
        [c for j, c in enumerate(sb) if j not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced (by 0 and the dtype's largest / lowest finite values by
    default); the replaced elements get no gradient."""
    d = input._data
    if d.dtype.kind != "f":
        return input.clone()
    info = xp.finfo(d.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    Tensor = _tensor()
    out = _where3(Tensor._from_array(xp.isnan(d)), xp.asarray(nan, d.dtype), input)
    out = _where3(Tensor._from_array(d == xp.inf), xp.asarray(posinf, d.dtype), out)
    return _where3(Tensor._from_array(d == -xp.inf), xp.asarray(neginf, d.dtype), out)


def nansum(input, dim=None, keepdim=False):
    """sum treating NaN as zero."""
    clean = _where3(_tensor()._from_array(xp.isnan(input._data)), xp.zeros((), input.dtype),
                    input)
    return clean.sum(dim, keepdim)


def nanmean(input, dim=None, keepdim=False):
    """mean over the elements that are not NaN."""
    count = (~xp.isnan(input._data)).sum(axis=dim if dim is None else
                                          normalize_dim(dim, input.ndim, "nanmean"),
                                          keepdims=keepdim).astype(input.dtype)
    return nansum(input, dim, keepdim) / _tensor()._from_array(xp.asarray(count))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    a = _as(elements)._data
    b = test_elements._data if isinstance(test_elements, _tensor()) else xp.asarray(
        test_elements)
    return _tensor()._from_array(xp.isin(a, b, assume_unique=assume_unique, invert=invert))


def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    try:
        return tuple(xp.broadcast_shapes(*(tuple(s) if not is_index(s) else (s,)
                                           for s in shapes)))
    except ValueError:
        raise ValueError(f"broadcast_shapes: shapes {shapes} cannot be broadcast "
                         "together") from None


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in map(_as, tensors)], 0)


def hstack(tensors):
    tensors = [_as(t) for t in tensors]
    return cat([t.reshape(1) if t.ndim == 0 else t for t in tensors],
               0 if tensors[0].ndim <= 1 else 1)
