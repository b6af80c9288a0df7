"""The pooling functions of chainrule.nn.functional: torch's signatures and argument checks;
the math lives in chainrule.ops.pooling. Inputs are (N, C, *spatial) or unbatched
(C, *spatial)."""
from .._backend import xp
from ..ops import pooling as _pool
from ..tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def tuple_of(op, name, value, d, allow_none=False):
    """An int or a sequence of d values as a d-tuple of ints (None kept if allowed)."""
    if isinstance(value, Tensor):
        value = value.tolist()
    values = [value] * d if isinstance(value, int) or value is None else list(value)
    if len(values) == 1:
        values = values * d
    if len(values) != d:
        raise ValueError(f"{op}: {name} must be an int or a sequence of {d} ints, got {value!r}")
    for v in values:
        if not (isinstance(v, int) or hasattr(v, "__index__") or (allow_none and v is None)):
            raise TypeError(f"{op}: {name} must hold ints, got {value!r}")
    return tuple(v if v is None else int(v) for v in values)


def pool_input(op, x, d, floats_only=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a chainrule.Tensor, got {type(x).__name__}")
    if x.ndim not in (d + 1, d + 2) or 0 in x.shape[-d - 1:]:
        raise RuntimeError(f"{op}: expected a non-empty {d + 1}D (unbatched) or {d + 2}D "
                           f"(batched) input, got shape {list(x.shape)}")
    if floats_only and x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype} (convert "
                        "with .float())")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{op}: unsupported input dtype {x.dtype}")
    return x


def _window(op, x, d, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = tuple_of(op, "kernel_size", kernel_size, d)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else tuple_of(op, "stride", stride, d)
    padding, dilation = tuple_of(op, "padding", padding, d), tuple_of(op, "dilation", dilation, d)
    if min(kernel) <= 0:
        raise RuntimeError(f"{op}: kernel_size should be greater than zero, but got "
                           f"{list(kernel)}")
    if min(stride) <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got {list(stride)}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got "
                           f"{list(dilation)}")
    for k, p, dl in zip(kernel, padding, dilation):
        if p < 0 or p > k // 2:
            raise RuntimeError(f"{op}: pad should be at most half of kernel size, but got "
                               f"pad={p} and kernel_size={k}")
    spatial = x.shape[-d:]
    out = [_pool.pool_geometry(*a, ceil_mode)[0]
           for a in zip(spatial, kernel, stride, padding, dilation)]
    if min(out) < 1:
        c = x.shape[-d - 1]
        raise RuntimeError(f"{op}: given input size: ({'x'.join(map(str, (c,) + spatial))}). "
                           f"Calculated output size: ({'x'.join(map(str, [c] + out))}). "
                           "Output size is too small")
    return kernel, stride, padding, dilation


def _max_pool(op, d, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    x = pool_input(op, input, d)
    kernel, stride, padding, dilation = _window(op, x, d, kernel_size, stride, padding,
                                                dilation, ceil_mode)
    return _pool.MaxPool.apply(x, kernel=kernel, stride=stride, padding=padding,
                               dilation=dilation, ceil_mode=bool(ceil_mode),
                               return_indices=bool(return_indices))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, L); with return_indices also the int64 index of
    each maximum in L (as torch, for max_unpool1d)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, H, W) (stride defaults to kernel_size; padding
    counts as -inf); with return_indices also the flat index h * W + w of each maximum."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def _avg_pool(op, d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x = pool_input(op, input, d, floats_only=True)
    kernel, stride, padding, _ = _window(op, x, d, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    return _pool.AvgPool.apply(x, kernel=kernel, stride=stride, padding=padding,
                               ceil_mode=bool(ceil_mode),
                               count_include_pad=bool(count_include_pad),
                               divisor_override=divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of (N, C, L); zero padding counts in the mean unless
    count_include_pad=False."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of (N, C, H, W); divisor_override replaces the window size."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive_size(op, x, d, output_size):
    sizes = tuple_of(op, "output_size", output_size, d, allow_none=True)
    sizes = tuple(x.shape[-d + i] if s is None else s for i, s in enumerate(sizes))
    if min(sizes) < 0:
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return sizes


def adaptive_avg_pool1d(input, output_size):
    """Mean over output_size bins of L (bins as torch's: [floor(i L / o), ceil((i+1) L / o)))."""
    x = pool_input("adaptive_avg_pool1d", input, 1, floats_only=True)
    return _pool.AdaptiveAvgPool.apply(x, out_shape=_adaptive_size("adaptive_avg_pool1d", x,
                                                                   1, output_size))


def adaptive_avg_pool2d(input, output_size):
    """Mean over an output_size grid of bins of (H, W); None keeps that input size."""
    x = pool_input("adaptive_avg_pool2d", input, 2, floats_only=True)
    return _pool.AdaptiveAvgPool.apply(x, out_shape=_adaptive_size("adaptive_avg_pool2d", x,
                                                                   2, output_size))


def adaptive_avg_pool3d(input, output_size):
    x = pool_input("adaptive_avg_pool3d", input, 3, floats_only=True)
    return _pool.AdaptiveAvgPool.apply(x, out_shape=_adaptive_size("adaptive_avg_pool3d", x,
                                                                   3, output_size))


def _adaptive_max(op, d, input, output_size, return_indices):
    x = pool_input(op, input, d)
    return _pool.AdaptiveMaxPool.apply(x, out_shape=_adaptive_size(op, x, d, output_size),
                                       return_indices=bool(return_indices))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over an output_size grid of bins of (H, W); indices are flat h * W + w."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def _max_unpool(op, d, input, indices, kernel_size, stride, padding, output_size):
    x = pool_input(op, input, d)
    kernel = tuple_of(op, "kernel_size", kernel_size, d)
    stride = kernel if stride is None else tuple_of(op, "stride", stride, d)
    padding = tuple_of(op, "padding", padding, d)
    idx = indices._data if isinstance(indices, Tensor) else xp.asarray(indices)
    if idx.dtype.kind not in "iu" or idx.shape != tuple(x.shape):
        raise RuntimeError(f"{op}: expected indices of integer dtype and the input's shape "
                           f"{list(x.shape)}, got {idx.dtype} of shape {list(idx.shape)}")
    default = [(n - 1) * s - 2 * p + k for n, k, s, p in zip(x.shape[-d:], kernel, stride,
                                                              padding)]
    if output_size is None:
        out = default
    else:
        out = [int(s) for s in output_size][-d:]
        if len(out) != d:
            raise ValueError(f"{op}: output_size must have {d} or {d + 2} elements, got "
                             f"{output_size!r}")
    size = 1
    for s in out:
        size *= s
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise RuntimeError(f"{op}: found an invalid max index {int(idx.max())} (output "
                           f"volume is {size}, output size {out})")
    return _pool.MaxUnpool.apply(x, indices=idx, out_spatial=tuple(out))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Put each value of a max-pooled (N, C, H, W) back at its max_pool2d index; zeros
    elsewhere."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)
