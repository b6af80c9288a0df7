"""Functions that create tensors: tensor, zeros, ones, full, randn, rand, arange, eye, ..."""
from ._backend import xp
from .dtypes import as_array, default_float
from .ops._broadcast import as_index, as_sizes, is_index
from ._device import check_device
from .random import numpy_generator
from .tensor import Tensor


def _size(size, op="size"):
    sizes = as_sizes(size, op)
    if any(n < 0 for n in sizes):
        raise ValueError(f"{op}: sizes must be non-negative, got {sizes}")
    return sizes


def _make(array, requires_grad, device=None, op="tensor"):
    check_device(op, device)   # every factory takes torch's device=; only the CPU is served
    return Tensor._from_array(array).requires_grad_(requires_grad) if requires_grad \
        else Tensor._from_array(array)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (dtype inferred as torch.tensor does)."""
    if isinstance(data, Tensor):
        data = data._data
    arr = as_array(data, dtype)
    if arr is data:
        arr = arr.copy()
    return _make(arr, requires_grad, device, "tensor")


def as_tensor(data, dtype=None, device=None):
    """Like tensor() but shares memory with a NumPy array when no conversion is needed."""
    check_device("as_tensor", device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor._from_array(as_array(data, dtype))


def from_numpy(array):
    return Tensor._from_array(xp.asarray(array))


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(xp.zeros(_size(size, "zeros"), dtype or default_float), requires_grad, device,
                 "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(xp.ones(_size(size, "ones"), dtype or default_float), requires_grad, device,
                 "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    return _make(xp.empty(_size(size, "empty"), dtype or default_float), requires_grad, device,
                 "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = as_array(fill_value).dtype
    return _make(xp.full(_size((size,), "full"), fill_value, dtype), requires_grad, device,
                 "full")


def zeros_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _make(xp.zeros(t.shape, dtype or t.dtype), requires_grad, device, "zeros_like")


def ones_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _make(xp.ones(t.shape, dtype or t.dtype), requires_grad, device, "ones_like")


def empty_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _make(xp.empty(t.shape, dtype or t.dtype), requires_grad, device, "empty_like")


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _make(xp.full(t.shape, fill_value, dtype or t.dtype), requires_grad, device,
                 "full_like")


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False,
          pin_memory=False):
    check_device("randn", device)
    arr = numpy_generator(generator).standard_normal(_size(size, "randn"),
                                                     dtype=dtype or default_float)
    return _make(arr, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False,
         pin_memory=False):
    check_device("rand", device)
    arr = numpy_generator(generator).random(_size(size, "rand"), dtype=dtype or default_float)
    return _make(arr, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None and high is not None and not is_index(high):
        low, high, size = 0, low, high  # randint(high, size)
    elif high is None:
        low, high = 0, low  # randint(high, size=size)
    if size is None:
        raise TypeError("randint: missing the size argument, e.g. randint(10, (3,))")
    low, high = as_index(low, "randint", "low"), as_index(high, "randint", "high")
    if low >= high:
        raise ValueError(f"randint: expected low < high, got low={low} and high={high}")
    check_device("randint", device)
    arr = numpy_generator(generator).integers(low, high, size=_size((size,), "randint"))
    return _make(arr.astype(dtype or xp.int64), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False,
             pin_memory=False):
    check_device("randperm", device)
    n = as_index(n, "randperm", "n")
    return _make(numpy_generator(generator).permutation(n).astype(dtype or xp.int64),
                 requires_grad)


def _scalar(v):
    """A Python number from ``v``: one-element tensors and NumPy scalars become int or float."""
    if isinstance(v, Tensor):
        v = v.item()
    if is_index(v) and not isinstance(v, bool):
        return as_index(v, "arange")
    return float(v)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    start, end, step = _scalar(start), _scalar(end), _scalar(step)
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = xp.int64 if is_int else default_float
    return _make(xp.arange(start, end, step).astype(dtype), requires_grad, device, "arange")


def randn_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    check_device("randn_like", device)
    return randn(t.shape, dtype=_float_like(t, dtype, "randn_like"), device=device,
                 requires_grad=requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    check_device("rand_like", device)
    return rand(t.shape, dtype=_float_like(t, dtype, "rand_like"), device=device,
                requires_grad=requires_grad)


def randint_like(t, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False, memory_format=None):
    check_device("randint_like", device)
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, generator=generator, dtype=dtype or t.dtype,
                   device=device, requires_grad=requires_grad)


def _float_like(t, dtype, op):
    dtype = xp.dtype(dtype or t.dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating point dtype, got {dtype}")
    return dtype


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _make(xp.linspace(start, end, steps).astype(dtype or default_float), requires_grad,
                 device, "linspace")


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _make(xp.eye(n, m, dtype=dtype or default_float), requires_grad, device, "eye")
