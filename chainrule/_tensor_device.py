"""A Tensor's device and ``.to()``: chainrule tensors live on the CPU, and torch code that
moves them (``x.to(device)``, ``.cpu()``, ``.pin_memory()``) runs unchanged; any other device
gets check_device's one error."""
from ._backend import xp
from ._device import CPU, check_device, device as _device_type
from .ops import elementwise as _ew
from .tensor import Tensor


def _to(self, *args, device=None, dtype=None, non_blocking=False, copy=False,
        memory_format=None):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` and the
    keyword forms, as torch's; returns self when nothing changes (unless ``copy``)."""
    if len(args) > 2:
        raise TypeError(f"to: expected at most 2 positional arguments (device, dtype), got "
                        f"{len(args)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a._data.dtype if dtype is None else dtype
        elif isinstance(a, (str, _device_type)) or (isinstance(a, int)
                                                     and not isinstance(a, bool)):
            device = a
        elif a is not None:
            dtype = a
    check_device("to", device)
    if dtype is not None:
        try:
            dtype = xp.dtype(dtype)
        except TypeError:
            raise TypeError(f"to: expected a dtype, a device or a tensor, got {dtype!r}") \
                from None
        if dtype != self._data.dtype:
            return _ew.cast(self, dtype)
    return _ew.clone(self) if copy else self


def _cpu(self, memory_format=None):
    return self


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    check_device("Tensor.cuda", "cuda" if device is None else device)


def _pin_memory(self, device=None):
    return self


def _get_device(self):
    return -1    # torch's answer for a CPU tensor


Tensor.device = property(lambda self: CPU)
Tensor.is_cuda = property(lambda self: False)
Tensor.is_cpu = property(lambda self: True)
Tensor.is_meta = property(lambda self: False)
Tensor.to, Tensor.cpu, Tensor.cuda = _to, _cpu, _cuda
Tensor.pin_memory, Tensor.is_pinned = _pin_memory, lambda self: False
Tensor.get_device = _get_device
