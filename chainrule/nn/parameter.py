"""Parameter: a leaf tensor that a Module registers as learnable."""
from .._backend import xp
from ..dtypes import as_array
from ..tensor import Tensor

_array_slot = Tensor.data  # the slot that holds a tensor's array


class Parameter(Tensor):
    """A Tensor that requires grad by default and that a Module lists in parameters()."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = as_array([])
        super().__init__(data.data if isinstance(data, Tensor) else data)
        self.requires_grad_(requires_grad)

    # torch code often writes `layer.weight.data = other_tensor` (weight tying, custom init):
    # store the array behind it, never the Tensor itself, which would break every later op.
    @property
    def data(self):
        return _array_slot.__get__(self)

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value.data
        elif not isinstance(value, xp.ndarray):
            value = as_array(value)
        _array_slot.__set__(self, value)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
