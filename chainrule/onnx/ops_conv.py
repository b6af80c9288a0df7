"""Converters: convolution, transposed convolution, padding, interpolation.

chainrule runs 1-d convolutions as 2-d ones over a height of 1 (the lift is traced as a
Reshape), so 2-d converters cover both.
"""
import numpy as np

from .registry import ExportError, converts, option as _opt


from ..ops import conv as _conv, conv_depthwise as _depthwise, conv_transpose as _conv_t
from ..ops import interpolate as _interp, padding as _pad


def _bias(g, args, options):
    b = _opt(args, options, "b", 2)
    return [g.name_of(b)] if b is not None else []


@converts(_conv.Conv2d, _depthwise.DepthwiseConv2d)
def _conv2d(g, args, options, outs):
    x, w = args[0], args[1]
    top, bottom, left, right = _opt(args, options, "pads", 4, (0, 0, 0, 0))
    groups = _opt(args, options, "groups", 6, None)
    if groups is None:          # depthwise: one filter group per input channel
        groups = x._data.shape[1]
    return g.node("Conv", [g.name_of(x), g.name_of(w)] + _bias(g, args, options),
                  kernel_shape=list(w._data.shape[2:]),
                  strides=list(_opt(args, options, "stride", 3, (1, 1))),
                  pads=[int(top), int(left), int(bottom), int(right)],
                  dilations=list(_opt(args, options, "dilation", 5, (1, 1))), group=int(groups))


@converts(_conv_t.ConvTranspose2d)
def _conv_transpose(g, args, options, outs):
    x, w = args[0], args[1]
    padding = [int(p) for p in _opt(args, options, "padding", 4, (0, 0))]
    return g.node("ConvTranspose", [g.name_of(x), g.name_of(w)] + _bias(g, args, options),
                  kernel_shape=list(w._data.shape[2:]),
                  strides=list(_opt(args, options, "stride", 3, (1, 1))),
                  pads=padding + padding,
                  output_padding=list(_opt(args, options, "output_padding", 5, (0, 0))),
                  dilations=list(_opt(args, options, "dilation", 6, (1, 1))),
                  group=int(_opt(args, options, "groups", 7, 1)))


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


@converts(_pad.Pad)
def _pad_op(g, args, options, outs):
    x = args[0]
    widths = _opt(args, options, "widths", 1)
    mode = _opt(args, options, "mode", 2, "constant")
    if mode == "circular" and g.opset < 19:
        raise ExportError("onnx.export: circular padding needs opset_version >= 19")
    pads = [int(a) for a, _ in widths] + [int(b) for _, b in widths]
    inputs = [g.name_of(x), g.const(np.asarray(pads, np.int64), "pads")]
    if mode == "constant":
        value = _opt(args, options, "value", 3, 0.0)
        inputs.append(g.const(np.asarray(value, x._data.dtype)))
    return g.node("Pad", inputs, mode=_PAD_MODES[mode])


@converts(_interp.Interpolate)
def _interpolate(g, args, options, outs):
    x = args[0]
    sizes = list(_opt(args, options, "sizes", 1))
    mode = _opt(args, options, "mode", 2, "nearest")
    align = _opt(args, options, "align_corners", 3, False)
    scales = list(_opt(args, options, "scales", 4, ()))
    xs = g.name_of(x)
    if scales and all(s is not None for s in scales):
        inputs = [xs, "", g.const(np.asarray([1.0, 1.0] + scales, np.float32), "scales")]
    else:
        lead = g.node("Shape", [xs], start=0, end=2)
        inputs = [xs, "", "", g.node("Concat", [lead, g.ints(sizes)], axis=0)]
    if mode == "nearest":
        attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric",
                     nearest_mode="floor")
    elif mode == "nearest-exact":
        attrs = dict(mode="nearest", coordinate_transformation_mode="half_pixel",
                     nearest_mode="round_prefer_ceil")
    else:
        attrs = dict(mode="linear", coordinate_transformation_mode="align_corners" if align
                     else "pytorch_half_pixel")
    return g.node("Resize", inputs, **attrs)
