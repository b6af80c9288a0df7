"""Row normalisations as fused Functions: layer_norm and rms_norm (and the row kernels that
group_norm and instance_norm share).

The input is viewed as a (rows, n) matrix whose rows are normalised on their own. Forward makes
one pass for the statistics and saves the normalised input and 1/std per row; backward needs
nothing else:

    xhat = (x - mean) * rstd,  rstd = 1 / sqrt(var + eps)   (biased variance)
    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),      g = dy * weight

Row reductions run as matrix-vector products (BLAS) where that is faster than NumPy's
reduction loops.
"""
from .._backend import xp
from ..autograd.function import Function


def row_mean(a):
    """Mean of each row of a C-contiguous 2-D array, as a column (rows, 1)."""
    n = a.shape[1]
    ones = xp.full((n, 1), 1.0 / n, a.dtype) if n else xp.zeros((0, 1), a.dtype)
    return a @ ones


def row_dot_mean(a, b):
    """mean(a * b) of each row, as a column (rows, 1)."""
    n = max(a.shape[1], 1)
    return (xp.einsum("ij,ij->i", a, b) / n)[:, None].astype(a.dtype, copy=False)


def normalize_rows(x, eps, stats=None):
    """(xhat, rstd) for the rows of ``x`` (2-D): xhat = (x - mean) * rstd, rstd (rows, 1).
    A list given as ``stats`` receives the mean and biased variance columns."""
    mean = row_mean(x)
    xhat = x - mean
    var = row_dot_mean(xhat, xhat)
    if stats is not None:
        stats += [mean, var.copy()]
    rstd = xp.sqrt(var + xp.asarray(eps, x.dtype), out=var)
    xp.divide(1, rstd, out=rstd)
    xhat *= rstd
    return xhat, rstd


def normalize_rows_backward(g, xhat, rstd, own_g=False):
    """dx of normalize_rows given g = d loss / d xhat (all 2-D; ``g`` is reused if ``own_g``)."""
    dx = g if own_g else g.copy()
    dx -= row_mean(g)
    corr = xhat * row_dot_mean(g, xhat)
    dx -= corr
    dx *= rstd
    return dx


def split_rows(shape, n_norm):
    """(rows, n) of a tensor of ``shape`` whose last ``n_norm`` dims are normalised together."""
    n = 1
    for s in shape[len(shape) - n_norm:]:
        n *= s
    rows = 1
    for s in shape[:len(shape) - n_norm]:
        rows *= s
    return rows, n


class LayerNorm(Function):
    """y = xhat * weight + bias, xhat normalised over the last ``n_norm`` dims."""

    def forward(self, x, weight, bias, n_norm, eps):
        rows, n = split_rows(x.shape, n_norm)
        xhat, self.rstd = normalize_rows(xp.ascontiguousarray(x).reshape(rows, n), eps)
        self.shape, self.weight, self.has_bias = x.shape, weight, bias is not None
        self.xhat = xhat
        if weight is None:
            y = xhat.copy() if bias is None else xhat + bias.reshape(1, n)
        else:
            y = xhat * weight.reshape(1, n)
            if bias is not None:
                y += bias.reshape(1, n)
        return y.reshape(x.shape)

    def backward(self, grad):
        rows, n = self.xhat.shape
        dy = xp.ascontiguousarray(grad).reshape(rows, n)
        w = self.weight
        dx = dw = db = None
        if self.needs_input_grad[0]:
            g = dy * w.reshape(1, n) if w is not None else dy
            dx = normalize_rows_backward(g, self.xhat, self.rstd, own_g=w is not None)
            dx = dx.reshape(self.shape)
        if w is not None and self.needs_input_grad[1]:
            dw = xp.einsum("ij,ij->j", dy, self.xhat).reshape(w.shape)
        if self.has_bias and self.needs_input_grad[2]:
            db = dy.sum(axis=0).reshape(w.shape if w is not None else (n,))
        return dx, dw, db


class RMSNorm(Function):
    """y = x * rrms * weight, rrms = 1 / sqrt(mean(x^2) + eps) over the last ``n_norm`` dims.

    dx = rrms * (g - xhat * mean(g * xhat)), xhat = x * rrms, g = dy * weight.
    """

    def forward(self, x, weight, n_norm, eps):
        rows, n = split_rows(x.shape, n_norm)
        x2 = xp.ascontiguousarray(x).reshape(rows, n)
        ms = row_dot_mean(x2, x2)
        rrms = xp.sqrt(ms + xp.asarray(eps, x.dtype), out=ms)
        xp.divide(1, rrms, out=rrms)
        xhat = x2 * rrms
        self.shape, self.weight, self.xhat, self.rrms = x.shape, weight, xhat, rrms
        if weight is None:
            return xhat.reshape(x.shape)
        return (xhat * weight.reshape(1, n)).reshape(x.shape)

    def backward(self, grad):
        rows, n = self.xhat.shape
        dy = xp.ascontiguousarray(grad).reshape(rows, n)
        w = self.weight
        dx = dw = None
        if self.needs_input_grad[0]:
            g = dy * w.reshape(1, n) if w is not None else dy.copy()
            corr = self.xhat * row_dot_mean(g, self.xhat)
            g -= corr
            g *= self.rrms
            dx = g.reshape(self.shape)
        if w is not None and self.needs_input_grad[1]:
            dw = xp.einsum("ij,ij->j", dy, self.xhat).reshape(w.shape)
        return dx, dw
