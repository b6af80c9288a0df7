"""The one place broadcasting is reversed, and where dims and sizes are checked."""
import operator


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1, so its
    gradient is the sum of the output gradient over those same axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def as_index(value, op, what="dim"):
    """``value`` as a Python int: ints, NumPy integers and one-element integer tensors pass."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(value).__name__}") from None


def is_index(value):
    """True for a single integer (Python, NumPy or integer tensor), False for a sequence."""
    try:
        operator.index(value)
        return True
    except TypeError:
        return False


def as_sizes(sizes, op):
    """Unpack ``f(2, 3)`` or ``f((2, 3))`` style size arguments into a tuple of ints."""
    if len(sizes) == 1 and not is_index(sizes[0]):
        if not hasattr(sizes[0], "__iter__"):
            raise TypeError(f"{op}: size must be an int or a sequence of ints, got "
                            f"{type(sizes[0]).__name__}")
        sizes = sizes[0]
    return tuple(as_index(s, op, "size") for s in sizes)


def normalize_dim(dim, ndim, op, unique=False):
    """Turn ``dim`` (int, tuple or None) into a tuple of non-negative axes, checking range.

    A 0-d tensor accepts dim 0 and -1 as torch does; it has no axes, so the result is ().
    ``unique`` rejects a dim named twice (as reductions must).
    """
    if dim is None:
        return tuple(range(ndim))
    try:
        dims = (dim,) if is_index(dim) else tuple(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got "
                        f"{type(dim).__name__}") from None
    bound = max(ndim, 1)
    out = []
    for d in dims:
        d = as_index(d, op)
        if not -bound <= d < bound:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims "
                             f"(expected -{bound} to {bound - 1})")
        d %= bound
        if unique and d in out:
            raise ValueError(f"{op}: dim {d} appears more than once in {tuple(dims)}")
        out.append(d)
    return tuple(out) if ndim else ()
