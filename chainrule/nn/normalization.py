"""Per-sample normalisation layers: LayerNorm, RMSNorm, GroupNorm (torch's signatures, init
and state_dict keys)."""
from .._backend import xp
from .._device import check_device
from ..dtypes import default_float
from . import functional as F
from .module import Module
from .parameter import Parameter

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm"]


def param_dtype(where, device, dtype):
    check_device(where, device)
    return xp.dtype(default_float if dtype is None else dtype)


def _shape(normalized_shape):
    if isinstance(normalized_shape, int) or hasattr(normalized_shape, "__index__"):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _affine_parameters(module, shape, dtype, affine, bias):
    """Register weight (ones) and bias (zeros) of ``shape``, each None where turned off."""
    module.register_parameter("weight", Parameter(xp.ones(shape, dtype)) if affine else None)
    module.register_parameter("bias", Parameter(xp.zeros(shape, dtype))
                              if affine and bias else None)


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims, then scale and shift.

    Args:
        normalized_shape: the trailing shape normalised (an int for the last dim).
        eps: added to the variance. elementwise_affine: learn weight (ones) and bias (zeros);
        bias=False drops the bias alone.
    Shape: (*, *normalized_shape) -> same.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        dtype = param_dtype("LayerNorm", device, dtype)
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine_parameters(self, self.normalized_shape, dtype, elementwise_affine, bias)

    def reset_parameters(self):
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def forward(self, input):
        p = self._parameters
        return F.layer_norm(input, self.normalized_shape, p["weight"], p["bias"], self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims.

    eps=None uses the input dtype's machine epsilon (torch's default). weight starts at ones.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        dtype = param_dtype("RMSNorm", device, dtype)
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(xp.ones(self.normalized_shape, dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self):
        if self.weight is not None:
            self.weight._data[...] = 1

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self._parameters["weight"], self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each sample's channels in ``num_groups`` groups, then scale and shift per
    channel (weight ones, bias zeros). Shape: (N, C, *) -> same."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        dtype = param_dtype("GroupNorm", device, dtype)
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_parameters(self, num_channels, dtype, affine, bias)

    def reset_parameters(self):
        LayerNorm.reset_parameters(self)

    def forward(self, input):
        p = self._parameters
        return F.group_norm(input, self.num_groups, p["weight"], p["bias"], self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
