"""Pooling over the last d spatial dims of (N, C, *spatial) as fused Functions.

Windows are never materialised: for each kernel offset the strided view
``padded[..., j*dil : j*dil + (out-1)*stride + 1 : stride]`` holds that offset's element of
every window at once, so a pool is a loop over the (few) kernel offsets of whole-array NumPy
operations, and backward adds the gradient back through the same views (windows may overlap;
one view never repeats a position). Max pooling saves which offset won in each window.
"""
import itertools

from .._backend import xp
from ..autograd.function import Function


def pool_geometry(size, kernel, stride, padding, dilation, ceil_mode):
    """Output length of one dim, and the right padding the views need beyond ``padding``."""
    span = dilation * (kernel - 1) + 1
    top = size + 2 * padding - span
    out = (top + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1                     # the last window must start inside input or left padding
    right = max(0, (out - 1) * stride + span - size - padding)
    return out, right


def _views(a, kernel, stride, dilation, out):
    """(offset number, strided view) for each kernel offset, in row-major (scan) order."""
    lead = (slice(None),) * (a.ndim - len(kernel))
    for k, offs in enumerate(itertools.product(*[range(n) for n in kernel])):
        index = lead + tuple(slice(j * d, j * d + (o - 1) * s + 1, s)
                             for j, d, s, o in zip(offs, dilation, stride, out))
        yield k, a[index]


def _keep_larger(out, arg, v, label, nan_aware):
    """Where v beats the running maximum ``out`` (v > out, or v is NaN: torch's rule), take
    v and set ``arg`` to ``label``. Written as maximum and arithmetic on 0/1 masks: np.copyto
    with where= measured ten times slower."""
    take = xp.greater(v, out)
    if nan_aware:
        take |= xp.isnan(v)
    xp.maximum(out, v, out=out)                  # NaN propagates as torch's value does
    change = xp.subtract(label, arg, dtype=arg.dtype)
    # same-dtype arithmetic: a mixed-dtype multiply goes through NumPy's slow casting loops
    change *= take.view(xp.uint8) if arg.dtype == xp.uint8 else take.astype(arg.dtype)
    arg += change


def _pad(x, padding, right, value):
    if not any(padding) and not any(right):
        return x
    lead = [(0, 0)] * (x.ndim - len(padding))
    return xp.pad(x, lead + [(p, p + r) for p, r in zip(padding, right)],
                  constant_values=value)


def _lowest(dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


class MaxPool(Function):
    """Max over each window; the first maximum in scan order wins and NaN propagates, as
    torch. Returns the pooled values, or (values, flat input indices) with return_indices."""

    def forward(self, x, kernel, stride, padding, dilation, ceil_mode, return_indices):
        d = len(kernel)
        spatial = x.shape[-d:]
        geo = [pool_geometry(*a, ceil_mode) for a in zip(spatial, kernel, stride, padding,
                                                          dilation)]
        out_shape, right = [g[0] for g in geo], [g[1] for g in geo]
        padded = _pad(x, padding, right, _lowest(x.dtype))
        n_off = 1
        for k in kernel:
            n_off *= k
        arg_dtype = xp.uint8 if n_off < 256 else xp.int32
        nan_aware = x.dtype.kind == "f" and x.size and xp.isnan(x.min())
        out = arg = None
        for k, v in _views(padded, kernel, stride, dilation, out_shape):
            if out is None:
                if any(padding):
                    # A window may start in padding: start from -inf at the first offset that
                    # is inside the input, as torch (it matters when all values are -inf).
                    out = xp.full(v.shape, _lowest(x.dtype), x.dtype)
                    arg = self._first_valid(out_shape, kernel, stride, padding, dilation,
                                            arg_dtype)
                    arg = xp.broadcast_to(arg, v.shape).copy()
                else:
                    out, arg = v.copy(), xp.zeros(v.shape, arg_dtype)
                    continue
            _keep_larger(out, arg, v, k, nan_aware)
        self.arg, self.geometry = arg, (x.shape, padded.shape, out_shape)
        self.options = kernel, stride, padding, dilation
        if not return_indices:
            return out
        return out, self._indices(arg, spatial, out_shape)

    def _first_valid(self, out_shape, kernel, stride, padding, dilation, dtype):
        """Per window, the offset number of its first element inside the input."""
        first = 0
        for i, (o, k, s, p, dl) in enumerate(zip(out_shape, kernel, stride, padding, dilation)):
            start = xp.arange(o) * s - p
            j = xp.clip(-(start // dl), 0, k - 1)        # ceil(-start / dilation), clipped
            shape = [1] * len(out_shape)
            shape[i] = o
            first = first * k + j.reshape(shape)
        return xp.asarray(first, dtype)

    def _indices(self, arg, spatial, out_shape):
        kernel, stride, padding, dilation = self.options
        offs = xp.unravel_index(arg, kernel)
        flat = 0
        for i, (size, o, s, p, dl) in enumerate(zip(spatial, out_shape, stride, padding,
                                                    dilation)):
            shape = [1] * len(out_shape)
            shape[i] = o
            pos = (xp.arange(o) * s - p).reshape(shape) + offs[i].astype(xp.int64) * dl
            flat = flat * size + pos
        return flat

    def backward(self, grad, grad_indices=None):
        kernel, stride, padding, dilation = self.options
        x_shape, padded_shape, out_shape = self.geometry
        disjoint = all(s >= dl * (k - 1) + 1 for k, s, dl in zip(kernel, stride, dilation))
        # Windows that tile the input exactly write every position: no zero fill needed.
        tiled = disjoint and all(dl == 1 and s == k and o * s == n for k, s, dl, o, n in
                                 zip(kernel, stride, dilation, out_shape, padded_shape[-len(
                                     kernel):]))
        gi = (xp.empty if tiled else xp.zeros)(padded_shape, grad.dtype)
        for k, v in _views(gi, kernel, stride, dilation, out_shape):
            won = self.arg == k
            if disjoint:                 # windows do not overlap: each position once
                xp.multiply(grad, won, out=v)
            else:
                v += grad * won
        return _crop(gi, x_shape, padding)


def _crop(a, shape, padding):
    d = len(padding)
    if not any(padding) and a.shape == shape:
        return a
    lead = (slice(None),) * (a.ndim - d)
    return a[lead + tuple(slice(p, p + n) for p, n in zip(padding, shape[-d:]))]


def avg_divisor(spatial, out_shape, kernel, stride, padding, count_include_pad, dtype):
    """Per-window divisor (broadcastable to the output): the window size inside input and
    padding (count_include_pad) or inside the input alone."""
    div = xp.ones((), dtype)
    for i, (size, o, k, s, p) in enumerate(zip(spatial, out_shape, kernel, stride, padding)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, size + p)
        if count_include_pad:
            n = end - start
        else:
            n = xp.minimum(end, size) - xp.maximum(start, 0)
        shape = [1] * len(out_shape)
        shape[i] = o
        div = div * n.astype(dtype).reshape(shape)
    return div


class AvgPool(Function):
    """Mean over each window (torch's divisor rules: count_include_pad, divisor_override)."""

    def forward(self, x, kernel, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        d = len(kernel)
        spatial = x.shape[-d:]
        ones = (1,) * d
        geo = [pool_geometry(*a, 1, ceil_mode) for a in zip(spatial, kernel, stride, padding)]
        out_shape, right = [g[0] for g in geo], [g[1] for g in geo]
        padded = _pad(x, padding, right, 0)
        out = None
        for _, v in _views(padded, kernel, stride, ones, out_shape):
            if out is None:
                out = v.copy()
            else:
                out += v
        if divisor_override:
            div = xp.asarray(divisor_override, x.dtype)
        else:
            div = avg_divisor(spatial, out_shape, kernel, stride, padding, count_include_pad,
                              x.dtype)
        out /= div
        self.div, self.geometry = div, (x.shape, padded.shape, out_shape)
        self.options = kernel, stride, padding
        return out

    def backward(self, grad):
        kernel, stride, padding = self.options
        x_shape, padded_shape, out_shape = self.geometry
        g = grad / self.div
        gi = xp.zeros(padded_shape, grad.dtype)
        for _, v in _views(gi, kernel, stride, (1,) * len(kernel), out_shape):
            v += g
        return _crop(gi, x_shape, padding)


def adaptive_bins(size, out):
    """torch's adaptive bins: [floor(i L / out), ceil((i + 1) L / out))."""
    i = xp.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _along(a, matrix, axis):
    """Apply ``matrix`` (out, L) to axis ``axis`` of ``a``."""
    moved = xp.moveaxis(a, axis, -2)
    return xp.moveaxis(xp.matmul(matrix, moved), -2, axis)


class AdaptiveAvgPool(Function):
    """Averages over torch's adaptive bins: one averaging matrix per spatial dim, applied as
    a matrix product (bins may overlap; the backward applies the transposes)."""

    def forward(self, x, out_shape):
        d = len(out_shape)
        self.mats, self.x_shape = [], x.shape
        if all(o == 1 for o in out_shape):
            # Global average pooling: one matrix-vector product over the flattened planes.
            lead = x.shape[:-d]
            flat = xp.ascontiguousarray(x).reshape(lead + (-1,))
            size = flat.shape[-1]
            return (flat @ xp.full(size, 1.0 / size, x.dtype)).reshape(lead + (1,) * d)
        y = x
        for i, (size, o) in enumerate(zip(x.shape[-d:], out_shape)):
            start, end = adaptive_bins(size, o)
            cols = xp.arange(size)
            m = ((cols >= start[:, None]) & (cols < end[:, None])).astype(x.dtype)
            m /= (end - start)[:, None].astype(x.dtype)
            self.mats.append(m)
            y = _along(y, m, x.ndim - d + i)
        return xp.ascontiguousarray(y)

    def backward(self, grad):
        if not self.mats:                        # global: spread grad / plane size
            out = xp.empty(self.x_shape, grad.dtype)
            size = out.size // max(grad.size, 1)
            xp.multiply(grad, xp.asarray(1.0 / size, grad.dtype), out=out)
            return out
        d = len(self.mats)
        g = grad
        for i, m in enumerate(self.mats):
            g = _along(g, m.T, grad.ndim - d + i)
        return xp.ascontiguousarray(g)


class AdaptiveMaxPool(Function):
    """Max over torch's adaptive bins, one spatial dim at a time, last dim first: the max of a
    box is the max over rows of the max over columns, and reducing the last dim first keeps
    torch's choice among ties (the first in row-major order) and its NaN rule. Within a dim,
    each offset into the bins is one gather along that axis (the last element of a shorter bin
    repeats, which never beats itself). Backward sums the gradient into the winners with one
    bincount (bins may overlap)."""

    def forward(self, x, out_shape, return_indices):
        d = len(out_shape)
        spatial = x.shape[-d:]
        nan_aware = x.dtype.kind == "f" and x.size and xp.isnan(x.min())
        values, where = x, []             # where[i]: winning position along spatial dim i
        for i in reversed(range(d)):
            axis = x.ndim - d + i
            start, end = adaptive_bins(spatial[i], out_shape[i])
            widest = int((end - start).max()) if len(start) else 1
            shape = [1] * values.ndim
            shape[axis] = len(start)
            out = arg = None
            for j in range(widest):
                pos = xp.minimum(start + j, end - 1)
                v = xp.take(values, pos, axis=axis)
                if out is None:
                    out = v
                    arg = xp.broadcast_to(pos.reshape(shape), v.shape).astype(xp.int32)
                else:
                    _keep_larger(out, arg, v, pos.astype(xp.int32).reshape(shape), nan_aware)
            # earlier (later-dim) winners follow the rows chosen here
            where = [xp.take_along_axis(w, arg, axis=axis) for w in where]
            where.insert(0, arg)
            values = out
        flat = where[0].astype(xp.int64)
        for w, size in zip(where[1:], spatial[1:]):
            flat = flat * size + w
        self.arg, self.x_shape, self.d = flat, x.shape, d
        return (values, flat) if return_indices else values

    def backward(self, grad, grad_indices=None):
        return scatter_to_input(grad, self.arg, self.x_shape, self.d)


def scatter_to_input(grad, flat_index, x_shape, d):
    """Sum ``grad`` into zeros of ``x_shape`` at the flat spatial indices ``flat_index`` of
    each (N, C) plane; duplicates add up (one bincount, no np.add.at)."""
    plane = 1
    for s in x_shape[-d:]:
        plane *= s
    lead = 1
    for s in x_shape[:-d]:
        lead *= s
    per_plane = grad.size // lead if lead else 0
    where = flat_index.reshape(lead, per_plane) + (xp.arange(lead) * plane)[:, None]
    summed = xp.bincount(where.reshape(-1), weights=grad.reshape(-1), minlength=lead * plane)
    return summed.astype(grad.dtype, copy=False).reshape(x_shape)


class MaxUnpool(Function):
    """The partial inverse of max pooling: zeros with ``x`` put at the flat spatial
    ``indices`` of each plane (a later duplicate wins); backward gathers from there."""

    def forward(self, x, indices, out_spatial):
        d = len(out_spatial)
        lead = x.shape[:-d]
        planes = 1
        for s in lead:
            planes *= s
        size = 1
        for s in out_spatial:
            size *= s
        self.idx, self.x_shape = indices.reshape(planes, -1), x.shape
        out = xp.zeros((planes, size), x.dtype)
        xp.put_along_axis(out, self.idx, x.reshape(planes, -1), axis=1)
        return out.reshape(lead + tuple(out_spatial))

    def backward(self, grad):
        g = grad.reshape(self.idx.shape[0], -1)
        return xp.take_along_axis(g, self.idx, axis=1).reshape(self.x_shape)
