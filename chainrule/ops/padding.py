"""F.pad as one Function: constant (negative pads crop), reflect, replicate and circular.

``pad`` follows torch's order: pairs (before, after) starting from the last dimension. The
non-constant modes build the padded array with one np.pad call (an index gather per border),
and their backward folds the border gradients back onto the source rows with one slice-add
per padded dimension, never a per-element scatter.
"""
import operator

from .._backend import xp
from ..autograd.function import Function

_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    """x padded by widths = ((before, after), ...) for every dim (0 for untouched dims)."""

    def forward(self, x, widths=(), mode="constant", value=0.0):
        self.widths, self.mode, self.shape = widths, mode, x.shape
        if mode == "constant":
            out_shape = tuple(s + a + b for s, (a, b) in zip(x.shape, widths))
            out = xp.full(out_shape, value, x.dtype)
            out[self._inner(out_shape)] = x[self._src()]
            return out
        return xp.pad(x, widths, mode=_NUMPY_MODE[mode])

    def _src(self):
        """The part of the input that survives (negative pads crop it)."""
        return tuple(slice(max(-a, 0), s - max(-b, 0)) for s, (a, b) in
                     zip(self.shape, self.widths))

    def _inner(self, out_shape):
        return tuple(slice(max(a, 0), n - max(b, 0)) for n, (a, b) in
                     zip(out_shape, self.widths))

    def backward(self, grad):
        if self.mode == "constant":
            gx = xp.zeros(self.shape, grad.dtype)
            gx[self._src()] = grad[self._inner(grad.shape)]
            return gx
        g = grad
        # Fold the padded borders back dimension by dimension (last first, any order works).
        for dim, (a, b) in enumerate(self.widths):
            if a or b:
                g = _fold_dim(g, dim, a, b, self.shape[dim], self.mode)
        return g


def _fold_dim(g, dim, a, b, n, mode):
    """The gradient of padding one dim of length n by (a, b) in ``mode``, applied to g."""
    def take(lo, hi, step=1):
        idx = [slice(None)] * g.ndim
        idx[dim] = slice(lo, hi, step)
        return tuple(idx)

    out = xp.array(g[take(a, a + n)])
    if mode == "replicate":
        out[take(0, 1)] += g[take(0, a)].sum(axis=dim, keepdims=True)
        out[take(n - 1, n)] += g[take(a + n, a + n + b)].sum(axis=dim, keepdims=True)
    elif mode == "reflect":
        # left border: padded position a - k (k = 1..a) mirrors source k
        if a:
            out[take(1, a + 1)] += g[take(a - 1, None, -1)]
        if b:
            out[take(n - 1 - b, n - 1)] += g[take(a + n + b - 1, a + n - 1, -1)]
    else:  # circular: left border holds source n - a .. n - 1, right border source 0 .. b - 1
        if a:
            out[take(n - a, n)] += g[take(0, a)]
        if b:
            out[take(0, b)] += g[take(a + n, a + n + b)]
    return out


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: ``pad`` = (last_before, last_after, prev_before, ...).

    mode 'constant' fills with ``value`` (default 0) and accepts negative pads (cropping);
    'reflect' (mirror without repeating the edge), 'replicate' (repeat the edge) and
    'circular' (wrap around) need non-negative pads no larger than the dim allows.
    """
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a chainrule.Tensor, got {type(input).__name__}")
    given = pad
    try:
        pad = tuple(operator.index(p) for p in pad)
    except TypeError:
        pad = None
    if pad is None or len(pad) % 2:
        raise ValueError(f"pad: expected an even number of ints (before, after) per dim, got "
                         f"{given!r}")
    n = len(pad) // 2
    if n > input.ndim:
        raise ValueError(f"pad: {len(pad)} pad values pad {n} dims but the input has only "
                         f"{input.ndim} (shape {tuple(input.shape)})")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    widths = [(0, 0)] * (input.ndim - n) + [(pad[2 * k], pad[2 * k + 1])
                                            for k in range(n - 1, -1, -1)]
    shape = tuple(input.shape)
    if mode == "constant":
        for size, (a, b) in zip(shape, widths):
            if size + a + b < 0:
                raise ValueError(f"pad: negative padding {pad} crops more than the input "
                                 f"shape {shape} holds")
        return Pad.apply(input, widths=tuple(widths), mode=mode,
                         value=0.0 if value is None else value)
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: a fill value is only used with mode='constant', not {mode!r}")
    if input.ndim not in (n + 1, n + 2) or n > 3:
        raise ValueError(f"pad: mode {mode!r} with {len(pad)} pad values pads the last {n} "
                         f"dims of a {n + 1}-D (unbatched) or {n + 2}-D (batched) input, got "
                         f"shape {shape}")
    for size, (a, b) in zip(shape[-n:], widths[-n:]):
        limit = {"reflect": size - 1, "circular": size, "replicate": None}[mode]
        if min(a, b) < 0 or (limit is not None and max(a, b) > limit) or size == 0:
            raise ValueError(f"pad: padding {pad} is invalid for mode {mode!r} and input shape "
                             f"{shape} (pads must be non-negative"
                             + (f" and at most {limit} for a dim of size {size})"
                                if limit is not None else ")"))
    return Pad.apply(input, widths=tuple(widths), mode=mode)
