"""torch.where in both spellings: where(cond, x, y) picks elementwise, where(cond) alone gives
the indices of the true elements, as nonzero(cond, as_tuple=True)."""
from .elementwise import where as _where3


def where(condition, input=None, other=None):
    if input is None and other is None:
        from ..tensor import Tensor
        from .indexing import nonzero
        cond = condition if isinstance(condition, Tensor) else Tensor(condition)
        return nonzero(cond, as_tuple=True)
    return _where3(condition, input, other)
