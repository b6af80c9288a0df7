"""Row normalisations as fused Functions: layer_norm and rms_norm (and the row kernels that
group_norm and instance_norm share).

The input is viewed as a (rows, n) matrix whose rows are normalised on their own. Forward takes
the mean, then the variance of the centred rows (two passes, stable in float32), and saves the
normalised input and 1/std per row; backward needs nothing else:

    xhat = (x - mean) * rstd,  rstd = 1 / sqrt(var + eps)   (biased variance)
    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),      g = dy * weight

Row reductions run as matrix-vector products (BLAS) where that is faster than NumPy's
reduction loops.
"""
from .. import _parallel as parallel
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
    return (row_dot(a, b) / n)[:, None].astype(a.dtype, copy=False)


def row_dot(a, b):
    """sum(a * b) of each row of 2-D arrays (NumPy 2's vecdot is about 1.6x einsum's speed)."""
    if _vecdot is not None:
        return _vecdot(a, b)
    return xp.einsum("ij,ij->i", a, b)


_vecdot = getattr(xp, "vecdot", None)


def normalize_rows(x, eps, stats=None):
    """(xhat, rstd) for the rows of ``x`` (2-D): xhat = (x - mean) * rstd, rstd (rows, 1).
    A list given as ``stats`` receives the mean and biased variance columns."""
    xhat, rstd = xp.empty_like(x), xp.empty((x.shape[0], 1), x.dtype)
    mean, var = normalize_rows_into(x, xhat, rstd, eps)
    if stats is not None:
        stats += [mean, var]
    return xhat, rstd


def normalize_rows_into(x, xhat, rstd, eps):
    """normalize_rows writing into ``xhat`` and ``rstd``; returns the mean and variance."""
    mean = row_mean(x)
    xp.subtract(x, mean, out=xhat)
    var = row_dot_mean(xhat, xhat)
    xp.sqrt(var + xp.asarray(eps, x.dtype), out=rstd)
    xp.divide(1, rstd, out=rstd)
    xhat *= rstd
    return mean, var


def normalize_rows_backward(g, xhat, rstd, out):
    """dx of normalize_rows, written into ``out`` (2-D, may be ``g`` itself), given
    g = d loss / d xhat."""
    mean_g = row_mean(g)
    corr = xhat * row_dot_mean(g, xhat)
    xp.subtract(g, corr, out=out)
    out -= mean_g
    out *= rstd
    return out


def owned_empty(shape, dtype, *view_shape):
    """An uninitialised array of ``shape`` and a view of it as ``view_shape``: a gradient
    written through the view is returned as the array itself, which owns its memory, so the
    engine stores it as ``.grad`` without a defensive copy."""
    out = xp.empty(shape, dtype)
    return out, out.reshape(*view_shape)


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
    """y = xhat * weight + bias, xhat normalised over the last ``n_norm`` dims.

    Rows are independent, so large inputs are cut into blocks of rows run on several threads
    (chainrule/_parallel.py; 2-core AMD EPYC, 2048 x 256 float32: forward + backward 1.3-1.5
    against 1.9-2.4 ms on one thread). The weight and bias gradients sum over rows and run
    once, after.
    """

    def forward(self, x, weight, bias, n_norm, eps):
        rows, n = split_rows(x.shape, n_norm)
        x2 = xp.ascontiguousarray(x).reshape(rows, n)
        self.xhat, self.rstd = xp.empty_like(x2), xp.empty((rows, 1), x2.dtype)
        y = xp.empty_like(x2)
        parallel.run_rows(_layer_norm_rows, [x2, self.xhat, self.rstd, y],
                          None if weight is None else weight.reshape(1, n),
                          None if bias is None else bias.reshape(1, n), eps)
        self.shape, self.weight, self.has_bias = x.shape, weight, bias is not None
        return y.reshape(x.shape)

    def backward(self, grad):
        rows, n = self.xhat.shape
        dy = xp.ascontiguousarray(grad).reshape(rows, n)
        w = self.weight
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx, dx2 = owned_empty(self.shape, dy.dtype, rows, n)
            parallel.run_rows(_layer_norm_grad_rows, [dy, self.xhat, self.rstd, dx2],
                              None if w is None else w.reshape(1, n))
        if w is not None and self.needs_input_grad[1]:
            dw = _as_shape(xp.einsum("ij,ij->j", dy, self.xhat), w.shape)
        if self.has_bias and self.needs_input_grad[2]:
            db = _as_shape(xp.ones(rows, dy.dtype) @ dy, w.shape if w is not None else (n,))
        return dx, dw, db


def _layer_norm_rows(x, xhat, rstd, y, weight, bias, eps):
    """LayerNorm's forward on a block of rows, into ``xhat``, ``rstd`` and ``y``."""
    normalize_rows_into(x, xhat, rstd, eps)
    if weight is not None:
        xp.multiply(xhat, weight, out=y)
    if bias is not None:
        xp.add(y if weight is not None else xhat, bias, out=y)
    elif weight is None:
        y[...] = xhat


def _layer_norm_grad_rows(dy, xhat, rstd, dx, weight):
    """LayerNorm's input gradient on a block of rows, into ``dx``."""
    g = xp.multiply(dy, weight, out=dx) if weight is not None else dy
    normalize_rows_backward(g, xhat, rstd, out=dx)


def _as_shape(a, shape):
    return a if a.shape == tuple(shape) else a.reshape(shape)


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
            dx, g = owned_empty(self.shape, dy.dtype, rows, n)
            if w is not None:
                xp.multiply(dy, w.reshape(1, n), out=g)
            else:
                g[...] = dy
            corr = self.xhat * row_dot_mean(g, self.xhat)
            g -= corr
            g *= self.rrms
        if w is not None and self.needs_input_grad[1]:
            dw = _as_shape(xp.einsum("ij,ij->j", dy, self.xhat), w.shape)
        return dx, dw
