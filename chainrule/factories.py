"""Functions that create tensors: tensor, zeros, ones, full, randn, rand, arange, eye, ..."""
from ._backend import xp
from .dtypes import as_array, default_float
from .random import numpy_generator
from .tensor import Tensor


def _size(size):
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(size[0])
    return tuple(size)


def _make(array, requires_grad):
    return Tensor._from_array(array).requires_grad_(requires_grad) if requires_grad \
        else Tensor._from_array(array)


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (dtype inferred as torch.tensor does)."""
    if isinstance(data, Tensor):
        data = data.data
    arr = as_array(data, dtype)
    if arr is data:
        arr = arr.copy()
    return _make(arr, requires_grad)


def as_tensor(data, dtype=None):
    """Like tensor() but shares memory with a NumPy array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor._from_array(as_array(data, dtype))


def from_numpy(array):
    return Tensor._from_array(xp.asarray(array))


def zeros(*size, dtype=None, requires_grad=False):
    return _make(xp.zeros(_size(size), dtype or default_float), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _make(xp.ones(_size(size), dtype or default_float), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _make(xp.empty(_size(size), dtype or default_float), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = as_array(fill_value).dtype
    return _make(xp.full(tuple(size), fill_value, dtype), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _make(xp.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _make(xp.ones(t.shape, dtype or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _make(xp.full(t.shape, fill_value, dtype or t.dtype), requires_grad)


def randn(*size, dtype=None, requires_grad=False, generator=None):
    arr = numpy_generator(generator).standard_normal(_size(size), dtype=dtype or default_float)
    return _make(arr, requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None):
    arr = numpy_generator(generator).random(_size(size), dtype=dtype or default_float)
    return _make(arr, requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None):
    if high is None:
        low, high = 0, low
    arr = numpy_generator(generator).integers(low, high, size=tuple(size))
    return Tensor._from_array(arr.astype(dtype or xp.int64))


def randperm(n, generator=None):
    return Tensor._from_array(numpy_generator(generator).permutation(n).astype(xp.int64))


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = xp.int64 if is_int else default_float
    return _make(xp.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _make(xp.linspace(start, end, steps).astype(dtype or default_float), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(xp.eye(n, m, dtype=dtype or default_float), requires_grad)
