"""F.interpolate for 'nearest', 'nearest-exact', 'linear' (3-D input) and 'bilinear' (4-D).

Each resized dim is a linear map, so the op is out = A_h @ x @ A_w^T with small (out, in)
interpolation matrices built from torch's source-index formulas: two batched matrix products
forward and two backward, with no scatter. 'nearest' forward picks rows with take instead.
"""
import math

from .._backend import xp
from ..autograd.function import Function


def _source_matrix(n_in, n_out, mode, align_corners, scale, dtype):
    """(n_out, n_in) matrix mapping a dim of n_in samples to n_out, as torch computes it."""
    dst = xp.arange(n_out)
    a = xp.zeros((n_out, n_in), dtype)
    if mode in ("nearest", "nearest-exact"):
        # torch computes the ratio in float32: 1 / scale_factor when one was given
        ratio = xp.float32(1.0 / scale if scale else n_in / n_out)
        pos = dst.astype(xp.float32) + (xp.float32(0.5) if mode == "nearest-exact" else 0)
        src = xp.minimum(xp.floor(pos * ratio).astype(xp.int64), n_in - 1)
        a[dst, src] = 1
        return a, src
    if align_corners:
        ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        pos = ratio * dst
    else:
        ratio = 1.0 / scale if scale else n_in / n_out
        pos = xp.maximum(ratio * (dst + 0.5) - 0.5, 0.0)
    lo = xp.floor(pos).astype(xp.int64)
    hi = lo + (lo < n_in - 1)
    frac = pos - lo
    a[dst, lo] += 1 - frac
    a[dst, hi] += frac
    return a, None


class Interpolate(Function):
    """Resize the last one or two dims of x to ``sizes`` (scales: torch's per-dim
    scale_factor or None)."""

    def forward(self, x, sizes=(), mode="nearest", align_corners=False, scales=()):
        dims = len(sizes)
        self.mats = []
        out = x
        for k in range(dims):
            axis = x.ndim - dims + k
            a, src = _source_matrix(x.shape[axis], sizes[k], mode, align_corners, scales[k],
                                    x.dtype)
            self.mats.append(a)
            if src is not None:
                out = out.take(src, axis=axis)
            else:
                out = xp.moveaxis(xp.matmul(a, xp.moveaxis(out, axis, -2)), -2, axis)
        return xp.ascontiguousarray(out)

    def backward(self, grad):
        g = grad
        for k, a in enumerate(self.mats):
            axis = grad.ndim - len(self.mats) + k
            g = xp.moveaxis(xp.matmul(a.T, xp.moveaxis(g, axis, -2)), -2, axis)
        return g


_MODES = {"nearest": (1, 2), "nearest-exact": (1, 2), "linear": (1,), "bilinear": (2,)}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """torch.nn.functional.interpolate for 3-D (N, C, L) and 4-D (N, C, H, W) inputs.

    Give ``size`` (int or tuple) or ``scale_factor`` (float or tuple): the output size is
    floor(input size * scale_factor). Modes: 'nearest', 'nearest-exact', 'linear' (3-D),
    'bilinear' (4-D), the last two with or without ``align_corners``.
    """
    op = "interpolate"
    if mode not in _MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(_MODES)}")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    dims = input.ndim - 2
    if dims not in _MODES[mode]:
        want = " or ".join(f"{d + 2}-D" for d in _MODES[mode])
        raise ValueError(f"{op}: mode {mode!r} expects a {want} input (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    if align_corners is not None and mode.startswith("nearest"):
        raise ValueError(f"{op}: align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        sizes = (size,) * dims if isinstance(size, int) else tuple(int(s) for s in size)
        scales = (None,) * dims
    else:
        scales = ((float(scale_factor),) * dims if isinstance(scale_factor, (int, float))
                  else tuple(float(s) for s in scale_factor))
        if len(scales) != dims or min(scales) <= 0:
            raise ValueError(f"{op}: scale_factor must be positive, one per spatial dim "
                             f"({dims}), got {scale_factor!r}")
        sizes = tuple(math.floor(s * f) for s, f in zip(spatial, scales))
        if recompute_scale_factor:
            scales = (None,) * dims
    if len(sizes) != dims or min(sizes) < 1:
        raise ValueError(f"{op}: output size must have {dims} positive entries for input "
                         f"{tuple(input.shape)}, got {sizes}")
    return Interpolate.apply(input, sizes=sizes, mode=mode, align_corners=bool(align_corners),
                             scales=scales)
