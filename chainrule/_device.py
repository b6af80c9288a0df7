"""Devices: chainrule computes on the CPU, and torch code that names a device runs unchanged.

``device("cuda")`` can be built (``device.type == "cuda"`` checks in user code keep working), but
using it, as a tensor's or layer's ``device=`` or in ``.to()``, raises one clear error.
"""

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mkldnn", "vulkan", "ipu", "hpu",
          "mtia", "privateuseone")


class device:
    """torch.device's form: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got "
                            f"{builtin_type(type).__name__}")
        name, _, number = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError(f"device: expected one of {', '.join(_KNOWN)} device type, got "
                               f"{type!r}")
        if number:
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative int, got {index!r}")
        self.type, self.index = name, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


builtin_type = type
CPU = device("cpu")


def check_device(where, dev):
    """The CPU device for ``dev`` (None, "cpu", "cpu:0", device("cpu"), or 0-free forms); any
    other device raises the one error that says chainrule runs on the CPU. ``where`` names the
    op or layer in the message."""
    if dev is None:
        return CPU
    if isinstance(dev, int) and not isinstance(dev, bool):
        dev = device("cuda", dev)   # torch reads a bare int as a CUDA ordinal
    parsed = dev if isinstance(dev, device) else device(dev)
    if parsed.type != "cpu":
        raise RuntimeError(f"{where}: chainrule runs on the CPU only; got device {str(parsed)!r}. "
                           "Use 'cpu' (or leave the device out); torch.cuda.is_available() is "
                           "False under chainrule.")
    return CPU


def layer_dtype(where, device, dtype):
    """What a layer constructor's ``device=None, dtype=None`` mean: the device checked as
    above, and the floating point dtype its parameters are created in (float32 by default)."""
    import numpy
    check_device(where, device)
    if dtype is None:
        return numpy.dtype(numpy.float32)
    try:
        dtype = numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a floating point dtype such as "
                        f"chainrule.float64, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(f"{where}: parameters need a floating point dtype, got {dtype}")
    return dtype
