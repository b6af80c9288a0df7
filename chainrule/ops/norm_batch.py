"""Batch normalisation as one fused Function, and the per-channel reductions it shares with
group and instance normalisation.

The input (N, C, *) is viewed as (N, C, L). In training the statistics are per channel over
N and L (biased variance to normalise; the running variance gets the unbiased one, as torch);
forward saves the normalised input and 1/std, and backward is

    dx = weight * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))   (means per channel)

In evaluation the running statistics make it an affine map y = x * scale + shift.
"""
from .._backend import xp
from ..autograd.function import Function
from .norm_layer import owned_empty, row_dot


def as_ncl(a):
    """(N, C, *) -> a C-contiguous (N, C, L) view (a copy only if ``a`` is not contiguous)."""
    a = xp.ascontiguousarray(a)
    return a.reshape(a.shape[0], a.shape[1], -1)


def channel_sum(a):
    """Sum over N and L of an (N, C, L) array -> (C,). Row sums run as one BLAS
    matrix-vector product, several times faster than NumPy's reduction over two axes."""
    n, c, length = a.shape
    if length == 1:
        return a[:, :, 0].sum(axis=0)
    rows = a.reshape(n * c, length) @ xp.ones(length, a.dtype)
    return rows.reshape(n, c).sum(axis=0)


def channel_dot(a, b):
    """sum over N and L of a * b for (N, C, L) arrays -> (C,)."""
    n, c, length = a.shape
    if length == 1:
        return xp.einsum("nc,nc->c", a[:, :, 0], b[:, :, 0])
    rows = row_dot(a.reshape(n * c, length), b.reshape(n * c, length))
    return rows.reshape(n, c).sum(axis=0)


def col(v, length=1):
    """A per-channel vector (C,) shaped to broadcast over (N, C, L). Given the L of a large
    batch it is repeated to (1, C, L): NumPy's loops with a stride-0 operand measured 1.5x
    slower than with a contiguous one, and the (C, L) block stays in cache."""
    if length > 1:
        return xp.repeat(v, length).reshape(1, -1, length)
    return v.reshape(1, -1, 1)


def tile_length(shape):
    """The L to give col() for an (N, C, L) array: L when N is large enough that repeating
    the vector costs little next to the operation, else 1 (plain broadcasting)."""
    return shape[2] if shape[0] >= 4 and shape[2] >= 16 else 1


def update_running(running, value, momentum):
    """running = (1 - momentum) * running + momentum * value, in place."""
    running *= 1 - momentum
    running += momentum * value.astype(running.dtype, copy=False)


class BatchNorm(Function):
    """Per-channel normalisation of (N, C, *) with optional affine weight and bias (C,).

    ``running_mean`` / ``running_var`` (raw arrays or None) are updated in place in training;
    without training they supply the statistics. Training saves the centred input d = x - mean
    and rstd (xhat = d * rstd is never formed: the output is d * (weight * rstd) + bias).
    """

    def forward(self, x, weight, bias, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        x3 = as_ncl(x)
        tile = tile_length(x3.shape)
        self.shape, self.weight, self.has_bias = x.shape, weight, bias is not None
        self.training, self.tile = training, tile
        if training:
            count = x3.shape[0] * x3.shape[2]
            mean = channel_sum(x3) / count
            centred = x3 - col(mean, tile)
            var = channel_dot(centred, centred) / count
            rstd = 1 / xp.sqrt(var + eps)
            if running_mean is not None:
                update_running(running_mean, mean, momentum)
            if running_var is not None:
                update_running(running_var, var * (count / max(count - 1, 1)), momentum)
            self.centred, self.rstd = centred, rstd
            y = centred * col(rstd * weight if weight is not None else rstd, tile)
            if bias is not None:
                y += col(bias, tile)
            return y.reshape(x.shape)
        # Evaluation: an affine map with the running statistics.
        rstd = (1 / xp.sqrt(running_var + eps)).astype(x.dtype, copy=False)
        mean = running_mean.astype(x.dtype, copy=False)
        scale = rstd * weight if weight is not None else rstd
        shift = -mean * scale
        if bias is not None:
            shift += bias
        self.x3, self.mean, self.rstd, self.scale = x3, mean, rstd, scale
        y = x3 * col(scale, tile)
        y += col(shift, tile)
        return y.reshape(x.shape)

    def backward(self, grad):
        dy = as_ncl(grad)
        w, tile, rstd = self.weight, self.tile, self.rstd
        need_x, need_w, need_b = self.needs_input_grad[:3]
        dx = dw = db = None
        if self.training:
            count = dy.shape[0] * dy.shape[2]
            sum_dy = channel_sum(dy)
            sum_dy_xhat = channel_dot(dy, self.centred) * rstd
            if need_x:
                # dx = w rstd (dy - mean(dy) - xhat mean(dy xhat)), xhat = centred * rstd
                dx, d3 = owned_empty(self.shape, dy.dtype, dy.shape)
                xp.multiply(self.centred, col(rstd * sum_dy_xhat / count, tile), out=d3)
                xp.subtract(dy, d3, out=d3)
                d3 -= col(sum_dy / count, tile)
                d3 *= col(rstd * w if w is not None else rstd, tile)
        else:
            if need_x:
                dx, d3 = owned_empty(self.shape, dy.dtype, dy.shape)
                xp.multiply(dy, col(self.scale, tile), out=d3)
            sum_dy = channel_sum(dy) if (need_w or need_b) else None
            if need_w:
                sum_dy_xhat = channel_dot(dy, self.x3 - col(self.mean, tile)) * rstd
        if w is not None and need_w:
            dw = sum_dy_xhat
        if self.has_bias and need_b:
            db = sum_dy
        return dx, dw, db
