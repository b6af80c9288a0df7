"""Parameter: a leaf tensor that a Module registers as learnable."""
from ..dtypes import as_array
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and that a Module lists in parameters()."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = as_array([])
        super().__init__(data._data if isinstance(data, Tensor) else data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
