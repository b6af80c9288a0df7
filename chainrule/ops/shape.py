"""Shape ops: reshape/view, permute/transpose, squeeze/unsqueeze, expand, indexing, cat, stack,
split, flip, repeat, unbind. None of them changes a value, so each backward only moves the gradient back into place."""
import builtins

from .._backend import xp, scatter_add
from ..autograd.function import Function
from ._broadcast import as_index, as_sizes, is_index, normalize_dim, unbroadcast


class Reshape(Function):
    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: shape {tuple(shape)} is invalid for an input of shape "
                             f"{x.shape} ({x.size} elements)") from None

    def backward(self, grad):
        return grad.reshape(self.in_shape), None


class Permute(Function):
    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad):
        return grad.transpose(xp.argsort(self.dims)), None


class Expand(Function):
    def forward(self, x, shape):
        self.in_shape = x.shape
        return xp.broadcast_to(x, shape)

    def backward(self, grad):
        return unbroadcast(grad, self.in_shape), None


def _is_basic(index):
    """True when every part of the index is an int, slice, None or Ellipsis (no fancy indexing),
    so no element can be selected twice and plain assignment can place the gradient."""
    parts = index if type(index) is tuple else (index,)
    return all(p is None or p is Ellipsis or type(p) in (int, slice) for p in parts)


class GetItem(Function):
    def forward(self, x, index):
        self.shape, self.index = x.shape, index
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: index {_describe(index)} is invalid for a tensor of "
                             f"shape {x.shape}: {e}") from None

    def backward(self, grad):
        g = xp.zeros(self.shape, grad.dtype)
        index = self.index
        if _is_basic(index):
            g[index] = grad
            return g, None
        parts = index if type(index) is tuple else (index,)
        if any(p is None for p in parts):
            # None among fancy indices moves axes around; place the gradient by the flat
            # position of every selected element instead.
            positions = xp.arange(g.size).reshape(self.shape)[index]
            return scatter_add(g.reshape(-1), positions.reshape(-1),
                               grad.reshape(-1)).reshape(self.shape), None
        # Integer-array indices may repeat an element: every copy's gradient must add up.
        return scatter_add(g, index, grad), None


def _describe(index):
    parts = index if type(index) is tuple else (index,)
    return "[" + ", ".join(f"array{p.shape}" if isinstance(p, xp.ndarray) else repr(p)
                           for p in parts) + "]"


def _convert_index(index):
    from ..tensor import Tensor
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return xp.asarray(index)
    if type(index) is tuple:
        return tuple(_convert_index(i) for i in index)
    return index


class Cat(Function):
    def forward(self, *arrays, axis=0):
        self.sizes = [a.shape[axis] for a in arrays]
        self.axis = axis
        return xp.concatenate(arrays, axis=axis)

    def backward(self, grad):
        cuts = xp.cumsum(self.sizes)[:-1]
        return tuple(xp.split(grad, cuts, axis=self.axis))


class Stack(Function):
    def forward(self, *arrays, axis=0):
        self.axis = axis
        return xp.stack(arrays, axis=axis)

    def backward(self, grad):
        return tuple(xp.moveaxis(grad, self.axis, 0))


class Split(Function):
    materialize_grads = True

    def forward(self, x, sections, axis):
        self.axis = axis
        self.shape = x.shape
        cuts = xp.cumsum(sections)[:-1]
        return tuple(xp.split(x, cuts, axis=axis))

    def backward(self, *grads):
        return xp.concatenate(grads, axis=self.axis), None, None


class Flip(Function):
    def forward(self, x, axes):
        self.axes = axes
        return xp.flip(x, axes)

    def backward(self, grad):
        return xp.flip(grad, self.axes), None


class Repeat(Function):
    """torch's repeat is NumPy's tile; each copy's gradient adds back onto the input."""

    def forward(self, x, reps):
        self.in_shape = x.shape
        self.reps = reps
        return xp.tile(x, reps)

    def backward(self, grad):
        # split every dim n*r into (r, n) and sum over the r copies
        lead = len(self.reps) - len(self.in_shape)
        shape = (1,) * lead + self.in_shape
        split_shape = []
        for r, n in zip(self.reps, shape):
            split_shape += [r, n]
        g = grad.reshape(split_shape).sum(axis=tuple(range(0, len(split_shape), 2)))
        return g.reshape(self.in_shape), None


# ---- public functions ----------------------------------------------------------------------
def reshape(x, *shape):
    shape = as_sizes(shape, "reshape")
    if shape == x._data.shape:
        return x
    return Reshape.apply(x, shape)


def permute(x, *dims):
    dims = as_sizes(dims, "permute")
    if len(dims) != x.ndim:
        raise ValueError(f"permute: dims {dims} are not a permutation of the "
                         f"{x.ndim} dims of a tensor of shape {x.shape}")
    axes = normalize_dim(dims, x.ndim, "permute", unique=True)
    return Permute.apply(x, axes) if x.ndim else x


def transpose(x, dim0, dim1):
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = normalize_dim((dim0, dim1), x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, tuple(dims))


def unsqueeze(x, dim):
    dim = as_index(dim, "unsqueeze")
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dims")
    shape = list(x.shape)
    shape.insert(dim % nd, 1)
    return Reshape.apply(x, tuple(shape))


def squeeze(x, dim=None):
    axes = normalize_dim(dim, x.ndim, "squeeze")
    shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        normalize_dim((start_dim, end_dim), 0, "flatten")
        return reshape(x, (1,))
    s, e = normalize_dim((start_dim, end_dim), x.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"(tensor shape {x.shape})")
    # the product, not -1: a dim of size 0 makes -1 ambiguous
    merged = 1
    for n in x.shape[s:e + 1]:
        merged *= n
    return reshape(x, x.shape[:s] + (merged,) + x.shape[e + 1:])


def expand(x, *sizes):
    sizes = as_sizes(sizes, "expand")
    if len(sizes) < x.ndim:
        raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the "
                         f"number of dims ({x.ndim}) of a tensor of shape {x.shape}")
    lead = len(sizes) - x.ndim
    for i, s in enumerate(sizes):
        if s < 0 and (i < lead or s != -1):
            where = "a new leading dim" if i < lead else "any dim"
            raise ValueError(f"expand: size {s} is not allowed in {where} (dim {i}; "
                             f"tensor shape {x.shape}, sizes {sizes})")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[lead + i]:
            raise ValueError(f"expand: size {n} of dim {i} must be 1 or equal the requested "
                             f"{shape[lead + i]} (tensor shape {x.shape}, sizes {tuple(sizes)})")
    return Expand.apply(x, shape)


def getitem(x, index):
    return GetItem.apply(x, _convert_index(index))


def _check_same_shapes(tensors, axis, op, allow_axis):
    first = tensors[0].shape
    for t in tensors[1:]:
        s = t.shape
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(first, s))
                                        if not (allow_axis and i == axis)):
            what = f"except in dim {axis}" if allow_axis else "in every dim"
            raise ValueError(f"{op}: tensors must have the same shape {what}; got {first} "
                             f"and {s}")


def cat(tensors, dim=0):
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: zero-dimensional tensor (at position {i}) cannot be "
                             "concatenated; use stack, or unsqueeze it first")
    (axis,) = normalize_dim(dim, tensors[0].ndim, "cat")
    _check_same_shapes(tensors, axis, "cat", allow_axis=True)
    return Cat.apply(*tensors, axis=axis)


def stack(tensors, dim=0):
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    (axis,) = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    _check_same_shapes(tensors, axis, "stack", allow_axis=False)
    return Stack.apply(*tensors, axis=axis)


def _axis_of_nonscalar(x, dim, op):
    if x.ndim == 0:
        raise ValueError(f"{op}: expected a tensor with at least 1 dim, got a 0-d tensor")
    return normalize_dim(dim, x.ndim, op)[0]


def split(x, split_size_or_sections, dim=0):
    axis = _axis_of_nonscalar(x, dim, "split")
    n = x.shape[axis]
    if is_index(split_size_or_sections):
        size = as_index(split_size_or_sections, "split", "split_size")
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sections = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sections = [as_index(s, "split", "section size") for s in split_size_or_sections]
        if builtins.sum(sections) != n:
            raise ValueError(f"split: sections {sections} sum to {builtins.sum(sections)}, but "
                             f"dim {dim} has size {n}")
    out = Split.apply(x, sections, axis)
    return out if isinstance(out, tuple) else (out,)


def chunk(x, chunks, dim=0):
    chunks = as_index(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    axis = _axis_of_nonscalar(x, dim, "chunk")
    n = x.shape[axis]
    size = -(-n // chunks)
    return split(x, size, dim)


def flip(x, *dims):
    dims = dims[0] if len(dims) == 1 and not is_index(dims[0]) else dims
    axes = normalize_dim(tuple(dims), x.ndim, "flip", unique=True)
    return Flip.apply(x, axes) if axes else x


def repeat(x, *sizes):
    reps = as_sizes(sizes, "repeat")
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: got {len(reps)} repeat counts for a tensor with {x.ndim} "
                         f"dims (shape {x.shape}); give at least one per dim")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
    return Repeat.apply(x, reps)


def unbind(x, dim=0):
    axis = _axis_of_nonscalar(x, dim, "unbind")
    return tuple(squeeze(p, axis) for p in split(x, 1, axis)) if x.shape[axis] else ()


def _as_tensor(t):
    from ..tensor import Tensor
    return t if isinstance(t, Tensor) else Tensor(t)
