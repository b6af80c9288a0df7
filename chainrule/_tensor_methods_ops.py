"""Tensor methods for the ops of ops/pointwise_math, sorting, indexing, einsum, rearrange,
reduce_more, counting and distance (x.topk(3) is chainrule.topk(x, 3)). Attached only where
Tensor has no method of that name yet, so an existing, more specific one wins."""
from .ops import (aliases, counting, einsum, indexing, pointwise_math as pm, rearrange,
                  reduce_more, sorting)
from .random_ops import bernoulli, multinomial
from .settings import is_complex, is_floating_point
from .tensor import Tensor

_METHODS = {
    # pointwise math
    "floor": pm.floor, "ceil": pm.ceil, "trunc": pm.trunc, "fix": pm.trunc, "frac": pm.frac,
    "round": pm.round, "log1p": pm.log1p, "expm1": pm.expm1, "log2": pm.log2,
    "log10": pm.log10, "exp2": pm.exp2, "sin": pm.sin, "cos": pm.cos, "tan": pm.tan,
    "asin": pm.asin, "acos": pm.acos, "atan": pm.atan, "arcsin": pm.asin, "arccos": pm.acos,
    "arctan": pm.atan, "sinh": pm.sinh, "cosh": pm.cosh, "rsqrt": pm.rsqrt,
    "reciprocal": pm.reciprocal, "atan2": pm.atan2, "arctan2": pm.atan2, "hypot": pm.hypot,
    "lerp": pm.lerp, "clamp_min": pm.clamp_min, "clamp_max": pm.clamp_max,
    "isclose": pm.isclose, "equal": pm.equal,
    # order statistics
    "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort,
    "topk": sorting.topk, "kthvalue": sorting.kthvalue, "median": sorting.median,
    "mode": sorting.mode, "cummax": sorting.cummax, "cummin": sorting.cummin,
    # reductions
    "amax": reduce_more.amax, "amin": reduce_more.amin, "aminmax": reduce_more.aminmax,
    "count_nonzero": reduce_more.count_nonzero, "cumprod": reduce_more.cumprod,
    "logcumsumexp": reduce_more.logcumsumexp,
    # counting
    "unique": counting.unique, "unique_consecutive": counting.unique_consecutive,
    "bincount": counting.bincount, "histc": counting.histc,
    # indexing
    "index_select": indexing.index_select, "index_add": indexing.index_add,
    "narrow": indexing.narrow, "take_along_dim": indexing.take_along_dim,
    "roll": indexing.roll, "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
    "masked_select": indexing.masked_select,
    "nonzero": indexing.nonzero, "argwhere": indexing.argwhere, "tril": indexing.tril,
    "triu": indexing.triu, "diag": indexing.diag, "diagonal": indexing.diagonal,
    "trace": indexing.trace,
    # products
    "mm": einsum.mm, "bmm": einsum.bmm, "mv": einsum.mv, "dot": einsum.dot,
    "inner": einsum.inner, "outer": einsum.outer, "ger": einsum.outer, "addmm": einsum.addmm,
    "baddbmm": einsum.baddbmm, "addmv": einsum.addmv,
    # rearranging
    "repeat_interleave": rearrange.repeat_interleave, "tile": rearrange.tile,
    "movedim": rearrange.movedim, "moveaxis": rearrange.movedim,
    "swapaxes": rearrange.swapaxes, "swapdims": rearrange.swapaxes,
    "unflatten": rearrange.unflatten,
    # misc
    "bernoulli": bernoulli, "multinomial": multinomial,
    "is_floating_point": is_floating_point, "is_complex": is_complex,
    # torch's function spellings and small compositions
    "addcmul": aliases.addcmul, "addcdiv": aliases.addcdiv, "logaddexp": aliases.logaddexp,
    "take": aliases.take, "select": aliases.select, "index_fill": aliases.index_fill,
    "diff": aliases.diff, "tensor_split": aliases.tensor_split,
    "nan_to_num": aliases.nan_to_num, "nansum": aliases.nansum, "nanmean": aliases.nanmean,
    "isin": aliases.isin, "fmod": aliases.fmod, "remainder": aliases.remainder,
    "floor_divide": aliases.floor_divide, "true_divide": aliases.true_divide,
    "logical_and": aliases.logical_and, "logical_or": aliases.logical_or,
    "logical_xor": aliases.logical_xor, "logical_not": aliases.logical_not,
    "broadcast_to": aliases.broadcast_to, "greater": aliases.gt,
    "greater_equal": aliases.ge, "less": aliases.lt, "less_equal": aliases.le,
    "not_equal": aliases.ne, "positive": aliases.positive,
}

for _name, _fn in _METHODS.items():
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, _fn)


def _nelement(self):
    return self._data.size


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from .factories import empty
    return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _round(self, ndigits=None):  # Python's round(t)
    return pm.round(self) if ndigits is None else pm.round(self, decimals=ndigits)


for _name, _fn in (("nelement", _nelement), ("new_empty", _new_empty),
                   ("__round__", _round)):
    if not hasattr(Tensor, _name) or _name == "__round__":
        setattr(Tensor, _name, _fn)


from . import _tensor_inplace_ops  # noqa: E402,F401  (scatter_, index_add_, ...)
