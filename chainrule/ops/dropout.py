"""Channel dropout (dropout1d/2d/3d) and alpha dropout as Functions; the masks come from the
generator passed in (chainrule's default one in chainrule.nn.functional)."""
from .._backend import xp
from ..autograd.function import Function


def _scaled_mask(rng, shape, p, dtype):
    """Bernoulli(1 - p) draws scaled by 1 / (1 - p) (inverted dropout)."""
    draw_dtype = dtype if dtype in (xp.float32, xp.float64) else xp.float32
    mask = (rng.random(shape, dtype=draw_dtype) >= p).astype(dtype)
    mask *= 0.0 if p == 1 else 1.0 / (1.0 - p)
    return mask


class ChannelDropout(Function):
    """Zero whole channels: one draw per (sample, channel) of x (N, C, *), or per channel of
    an unbatched (C, *) input when ``batched`` is False."""

    def forward(self, x, p, rng, batched=True):
        lead = 2 if batched else 1
        shape = x.shape[:lead] + (1,) * (x.ndim - lead)
        self.mask = _scaled_mask(rng, shape, p, x.dtype)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask, None, None


# SELU's fixed point: alpha dropout keeps zero mean and unit variance for SELU activations.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_ALPHA_PRIME = -_SELU_ALPHA * _SELU_SCALE


class AlphaDropout(Function):
    """Dropped values become alpha' = -selu_alpha * selu_scale, then an affine map a x + b
    restores the mean and variance: a = 1 / sqrt((alpha'^2 p + 1)(1 - p)), b = -a alpha' p."""

    def forward(self, x, p, rng):
        keep = (rng.random(x.shape) >= p).astype(x.dtype)
        a = 1.0 / ((_ALPHA_PRIME ** 2 * p + 1) * (1 - p)) ** 0.5
        self.scale = keep * a
        # x * a * keep + (keep - 1) * alpha' * a + alpha' * a * p, torch's arrangement
        out = x * self.scale
        out += (keep - 1) * (-_ALPHA_PRIME * a) + (-_ALPHA_PRIME * a * p)
        return out

    def backward(self, grad):
        return grad * self.scale, None, None
