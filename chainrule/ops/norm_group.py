"""Group and instance normalisation as fused Functions.

Each sample's channels are split into groups and every (sample, group) is normalised on its
own: the (N, C, L) input is viewed as (N * G, C / G * L) rows for the row kernels of
norm_layer, then scaled and shifted per channel. Instance norm is the case G = C, with
optional running statistics (the batch mean of the per-instance statistics, as torch).
"""
from .._backend import xp
from ..autograd.function import Function
from .norm_batch import as_ncl, channel_dot, channel_sum, col, tile_length, update_running
from .norm_layer import normalize_rows, normalize_rows_backward, owned_empty


class GroupNorm(Function):
    """y = xhat * weight[c] + bias[c], xhat normalised per (sample, group of channels)."""

    def forward(self, x, weight, bias, groups=1, eps=1e-5, running_mean=None,
                running_var=None, momentum=0.1):
        x3 = as_ncl(x)
        n, c, length = x3.shape
        stats = [] if running_mean is not None else None
        xhat, self.rstd = normalize_rows(x3.reshape(n * groups, -1), eps, stats)
        if stats:                       # instance norm's running statistics (groups == C)
            mean, var = stats[0].reshape(n, c), stats[1].reshape(n, c)
            update_running(running_mean, mean.mean(axis=0), momentum)
            unbiased = var * (length / max(length - 1, 1))
            update_running(running_var, unbiased.mean(axis=0), momentum)
        self.shape, self.weight, self.has_bias = x.shape, weight, bias is not None
        self.xhat = xhat
        y = xhat.reshape(n, c, length)
        tile = tile_length(y.shape)
        y = y * col(weight, tile) if weight is not None else y.copy()
        if bias is not None:
            y += col(bias, tile)
        return y.reshape(x.shape)

    def backward(self, grad):
        dy = as_ncl(grad)
        n, c, length = dy.shape
        w = self.weight
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx, dx_rows = owned_empty(self.shape, dy.dtype, *self.xhat.shape)
            if w is not None:
                xp.multiply(dy, col(w, tile_length(dy.shape)), out=dx_rows.reshape(dy.shape))
                g = dx_rows
            else:
                g = dy.reshape(self.xhat.shape)
            normalize_rows_backward(g, self.xhat, self.rstd, out=dx_rows)
        if w is not None and self.needs_input_grad[1]:
            dw = channel_dot(dy, self.xhat.reshape(n, c, length))
        if self.has_bias and self.needs_input_grad[2]:
            db = channel_sum(dy)
        return dx, dw, db
