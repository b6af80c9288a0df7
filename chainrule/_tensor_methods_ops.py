"""Tensor methods of the newer op families (x.topk(3) is chainrule.topk(x, 3)), attached as
stubs that load their module on first use (see _lazy_ops.py), and only where Tensor has no
method of that name yet, so an existing, more specific one wins."""
from ._lazy_ops import METHODS, method_stub
from .tensor import Tensor

for _name, (_module, _attr) in METHODS.items():
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, method_stub(Tensor, _name, _module, _attr))


def _nelement(self):
    return self._data.size


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from .factories import empty
    return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _round(self, ndigits=None):  # Python's round(t)
    from .ops.pointwise_math import round
    return round(self) if ndigits is None else round(self, decimals=ndigits)


for _name, _fn in (("nelement", _nelement), ("new_empty", _new_empty), ("__round__", _round)):
    if not hasattr(Tensor, _name) or _name == "__round__":
        setattr(Tensor, _name, _fn)

from . import _tensor_inplace_ops  # noqa: E402,F401  (scatter_, index_add_, ...)
