"""Convolution layers, as torch.nn: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d.

Parameters, init, attributes and state_dict keys are torch's: weight (out, in / groups, *k)
for a convolution, (in, out / groups, *k) for a transposed one, both drawn by
kaiming_uniform_(a=sqrt(5)) and the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from .._backend import xp
from .._device import check_device
from ..dtypes import default_float
from . import init
from .functional_conv import (conv1d, conv2d, conv_transpose1d, conv_transpose2d, ntuple)
from ..ops.padding import pad as _pad
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 output_padding, groups, bias, padding_mode, device, dtype):
        super().__init__()
        name, n = type(self).__name__, self._dims
        check_device(name, device)
        dtype = xp.dtype(default_float if dtype is None else dtype)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        if padding_mode not in _MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_MODES}, got "
                             f"{padding_mode!r}")
        self.kernel_size = ntuple(name, "kernel_size", kernel_size, n)
        self.stride = ntuple(name, "stride", stride, n)
        self.dilation = ntuple(name, "dilation", dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, expected "
                                 "'valid' or 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = ntuple(name, "padding", padding, n)
        self.output_padding = ntuple(name, "output_padding", output_padding, n)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode = groups, padding_mode
        # F.pad's pads for the non-zero padding modes, last dim first (torch's order)
        if padding == "valid":
            pads = [(0, 0)] * n
        elif padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            pads = [(p, p) for p in self.padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pads) for v in pair]
        shape = ((in_channels, out_channels // groups) if self.transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(xp.empty(shape, dtype))
        if bias:
            self.bias = Parameter(xp.empty((out_channels,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._reset_weight_and_bias_(self.weight, self.bias)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        n = self._dims
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        params = self._parameters
        if self.padding_mode != "zeros":
            input = _pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        else:
            padding = self.padding
        return self._fn(input, params["weight"], params["bias"], self.stride, padding,
                        self.dilation, self.groups)


class Conv1d(_Conv):
    """1-d convolution over (N, C_in, L) or (C_in, L) inputs -> (N, C_out, L_out),
    L_out = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1."""
    _dims = 1
    _fn = staticmethod(conv1d)


class Conv2d(_Conv):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W) inputs -> (N, C_out, H_out, W_out).

    padding: int, pair, 'valid' or 'same' (stride 1); padding_mode: 'zeros', 'reflect',
    'replicate' or 'circular'; groups=in_channels (with out_channels a multiple) is a
    depthwise convolution.
    """
    _dims = 2
    _fn = staticmethod(conv2d)


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'{type(self).__name__}: only "zeros" padding mode is supported, '
                             f"got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n = self._dims
        output_size = [int(s) for s in output_size]
        if len(output_size) in (n + 1, n + 2):
            output_size = output_size[-n:]
        if len(output_size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} or {n + 2} "
                             f"elements, got {len(output_size)}")
        result = []
        for d in range(n):
            size = input.shape[input.ndim - n + d]
            smallest = ((size - 1) * self.stride[d] - 2 * self.padding[d] +
                        self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ValueError(f"{type(self).__name__}: requested an output size of "
                                 f"{output_size}, but valid sizes range from {smallest} to "
                                 f"{largest} in dim {d} (for an input of {tuple(input.shape)})")
            result.append(output_size[d] - smallest)
        return tuple(result)

    def forward(self, input, output_size=None):
        params = self._parameters
        output_padding = self._output_padding(input, output_size)
        return self._fn(input, params["weight"], params["bias"], self.stride, self.padding,
                        output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution: (N, C_in, L) -> (N, C_out, L_out), L_out =
    (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    _dims = 1
    _fn = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution ("deconvolution"): (N, C_in, H, W) -> (N, C_out, H_out,
    W_out); forward(input, output_size=None) picks the output_padding that gives
    ``output_size``."""
    _dims = 2
    _fn = staticmethod(conv_transpose2d)
