"""Channel dropout (Dropout1d/2d/3d), AlphaDropout and their functions (re-exported by
chainrule.nn.functional). Masks are drawn from chainrule's default generator."""
import warnings

from ..ops.dropout import AlphaDropout as _AlphaDropout, ChannelDropout as _ChannelDropout
from ..random import numpy_generator
from ..tensor import Tensor
from .module import Module

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]


def _check(op, input, p):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a chainrule.Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {input.dtype}")


def _channel(input, p, training, batched):
    if not training or p == 0:
        return input
    return _ChannelDropout.apply(input, float(p), numpy_generator(), batched=batched)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scale the rest by
    1 / (1 - p)."""
    _check("dropout1d", input, p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: expected 2D or 3D input, but received a {input.ndim}D "
                           "input (channel-wise dropout for (N, C, L) or unbatched (C, L))")
    return _channel(input, p, training, input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) with probability p, scale the rest by 1 / (1 - p).
    A 3-D input is read as (N, C, L), with torch's warning."""
    _check("dropout2d", input, p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated; channel-wise dropout is meant for 3D or 4D inputs.",
                      stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. Use dropout1d for that.",
                      stacklevel=2)
    return _channel(input, p, training, True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W)."""
    _check("dropout3d", input, p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated; channel-wise dropout is meant for 4D or 5D inputs.",
                      stacklevel=2)
    return _channel(input, p, training, input.ndim != 4)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: keeps zero mean and unit variance (training off by default,
    as torch's F.alpha_dropout)."""
    _check("alpha_dropout", input, p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input * 0.0
    return _AlphaDropout.apply(input, float(p), numpy_generator())


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return self._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Channel dropout for (N, C, L) / (C, L) in training mode; the identity in eval."""
    _fn = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """Channel dropout for (N, C, H, W) in training mode; the identity in eval."""
    _fn = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    _fn = staticmethod(dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout (for SELU) in training mode; the identity in eval."""
    _fn = staticmethod(alpha_dropout)
