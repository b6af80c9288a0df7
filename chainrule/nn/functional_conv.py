"""Convolutions in the functional API (torch.nn.functional's conv1d, conv2d, conv_transpose1d,
conv_transpose2d): argument checks and 1-d / unbatched inputs lifted to the 4-D Functions of
chainrule.ops.conv and chainrule.ops.conv_transpose."""
import operator

from ..ops.conv import Conv2d as _Conv2d
from ..ops.conv_depthwise import DepthwiseConv2d as _Depthwise
from ..ops.conv_transpose import ConvTranspose2d as _ConvTranspose2d
from ..tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def ntuple(op, name, value, n):
    """An int or an n-sequence of ints as an n-tuple (torch's _pair / _single)."""
    try:
        if not isinstance(value, bool):
            return (operator.index(value),) * n
    except TypeError:
        pass
    try:
        ints = tuple(operator.index(v) for v in value)
    except TypeError:
        ints = None
    if ints is None or len(ints) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return ints


def _check_tensors(op, x, w, b, dims):
    for name, t in (("input", x), ("weight", w)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a chainrule.Tensor, got {type(t).__name__}")
    if w.ndim != dims + 2:
        raise ValueError(f"{op}: weight must be {dims + 2}-D, got shape {tuple(w.shape)}")
    if x.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) "
                         f"input, got a {x.ndim}-D input of shape {tuple(x.shape)}")
    if x.dtype != w.dtype:
        raise TypeError(f"{op}: input is {x.dtype} but weight is {w.dtype}; convert one of "
                        "them (x.to(weight.dtype) or model.to(dtype))")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {x.dtype}")


def _lift(x, dims):
    """x as a batched 4-D tensor, and a function undoing the lift on the result."""
    unbatched = x.ndim == dims + 1
    if unbatched:
        x = x.unsqueeze(0)
    if dims == 1:
        x = x.unsqueeze(2)

    def undo(out):
        if dims == 1:
            out = out.squeeze(2)
        return out.squeeze(0) if unbatched else out
    return x, undo


def _conv(op, dims, input, weight, bias, stride, padding, dilation, groups):
    _check_tensors(op, input, weight, bias, dims)
    stride = ntuple(op, "stride", stride, dims)
    dilation = ntuple(op, "dilation", dilation, dims)
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: stride and dilation must be positive, got stride={stride}, "
                         f"dilation={dilation}")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    kernel = tuple(weight.shape[2:])
    out_ch, in_per_group = weight.shape[:2]
    if out_ch % groups:
        raise ValueError(f"{op}: out_channels ({out_ch}) must be divisible by groups ({groups})")
    channels = input.shape[-dims - 1]
    if channels != in_per_group * groups:
        raise ValueError(f"{op}: expected input{tuple(input.shape)} to have "
                         f"{in_per_group * groups} channels (weight {tuple(weight.shape)}, "
                         f"groups={groups}), but got {channels} channels instead")
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise ValueError(f"{op}: bias must have shape ({out_ch},), got {tuple(bias.shape)}")
    spatial = tuple(input.shape[-dims:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            raise ValueError(f"{op}: invalid padding string {padding!r}, expected 'valid' or "
                             "'same'")
    else:
        pads = [(p, p) for p in ntuple(op, "padding", padding, dims)]
        if min(min(p) for p in pads) < 0:
            raise ValueError(f"{op}: negative padding is not supported, got {padding!r}")
    for s, k, d, (a, b) in zip(spatial, kernel, dilation, pads):
        if d * (k - 1) + 1 > s + a + b:
            raise ValueError(f"{op}: kernel size {kernel} (dilation {dilation}) is larger than "
                             f"the padded input: input spatial size {spatial}, padding "
                             f"{tuple(pads)}")
    x, undo = _lift(input, dims)
    w = weight if dims == 2 else weight.unsqueeze(2)
    if dims == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
    flat = (pads[0][0], pads[0][1], pads[1][0], pads[1][1])
    if groups > 1 and in_per_group == 1:
        return undo(_Depthwise.apply(x, w, bias, stride=stride, pads=flat, dilation=dilation))
    return undo(_Conv2d.apply(x, w, bias, stride=stride, pads=flat, dilation=dilation,
                              groups=groups))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation). input (N, C_in, L) or (C_in, L), weight
    (C_out, C_in / groups, k), bias (C_out,) -> (N, C_out, L_out). padding: int, tuple,
    'valid' or 'same' (stride 1 only)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation). input (N, C_in, H, W) or (C_in, H, W), weight
    (C_out, C_in / groups, kh, kw), bias (C_out,) -> (N, C_out, H_out, W_out).
    padding: int, pair, 'valid' or 'same' (stride 1 only)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, dims, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    _check_tensors(op, input, weight, bias, dims)
    stride = ntuple(op, "stride", stride, dims)
    dilation = ntuple(op, "dilation", dilation, dims)
    padding = ntuple(op, "padding", padding, dims)
    output_padding = ntuple(op, "output_padding", output_padding, dims)
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"{op}: stride and dilation must be positive, padding and "
                         "output_padding non-negative")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    in_ch, out_per_group = weight.shape[:2]
    if in_ch % groups:
        raise ValueError(f"{op}: in_channels ({in_ch}, weight's first dim) must be divisible "
                         f"by groups ({groups})")
    channels = input.shape[-dims - 1]
    if channels != in_ch:
        raise ValueError(f"{op}: expected input{tuple(input.shape)} to have {in_ch} channels "
                         f"(weight {tuple(weight.shape)}), but got {channels} channels instead")
    if bias is not None and tuple(bias.shape) != (out_per_group * groups,):
        raise ValueError(f"{op}: bias must have shape ({out_per_group * groups},), got "
                         f"{tuple(bias.shape)}")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= s and op_ >= d:
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than "
                             f"either stride {stride} or dilation {dilation}")
    kernel = tuple(weight.shape[2:])
    spatial = tuple(input.shape[-dims:])
    sizes = [(s - 1) * st - 2 * p + d * (k - 1) + op_ + 1 for s, st, p, d, k, op_ in
             zip(spatial, stride, padding, dilation, kernel, output_padding)]
    if min(sizes) < 1:
        raise ValueError(f"{op}: the output size {tuple(sizes)} is too small (input "
                         f"{spatial}, padding {padding}); reduce the padding")
    x, undo = _lift(input, dims)
    w = weight if dims == 2 else weight.unsqueeze(2)
    if dims == 1:
        stride, dilation = (1,) + stride, (1,) + dilation
        padding, output_padding = (0,) + padding, (0,) + output_padding
    return undo(_ConvTranspose2d.apply(x, w, bias, stride=stride, padding=padding,
                                       output_padding=output_padding, dilation=dilation,
                                       groups=groups))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """1-d transposed convolution. input (N, C_in, L) or (C_in, L), weight
    (C_in, C_out / groups, k) -> (N, C_out, L_out),
    L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """2-d transposed convolution. input (N, C_in, H, W) or (C_in, H, W), weight
    (C_in, C_out / groups, kh, kw) -> (N, C_out, H_out, W_out)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)

