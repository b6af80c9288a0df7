"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d (torch's arguments and reprs; no parameters)."""
from . import functional as F
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d",
           "MaxUnpool3d"]


def _n_tuple(value, d):
    return (value,) * d if isinstance(value, int) else tuple(value)


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L) (stride defaults to kernel_size)."""
    _fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W) (stride defaults to kernel_size)."""
    _fn = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W) (stride defaults to kernel_size)."""
    _fn = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _n_tuple(kernel_size, 1)
        self.stride = _n_tuple(stride if stride is not None else kernel_size, 1)
        self.padding = _n_tuple(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) (count_include_pad, divisor_override)."""
    _fn = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W) (count_include_pad, divisor_override)."""
    _fn = staticmethod(F.avg_pool3d)


class _AdaptivePool(Module):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        if self._takes_indices:
            self.return_indices = return_indices

    def forward(self, input):
        if self._takes_indices:
            return self._fn(input, self.output_size, self.return_indices)
        return self._fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean over output_size bins of L."""
    _fn, _takes_indices = staticmethod(F.adaptive_avg_pool1d), False


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mean over an output_size grid of bins (None keeps that input size)."""
    _fn, _takes_indices = staticmethod(F.adaptive_avg_pool2d), False


class AdaptiveAvgPool3d(_AdaptivePool):
    """Mean over an output_size grid of bins of (N, C, D, H, W) (None keeps that input size)."""
    _fn, _takes_indices = staticmethod(F.adaptive_avg_pool3d), False


class AdaptiveMaxPool1d(_AdaptivePool):
    """Max over output_size bins of L; return_indices gives the index along L."""
    _fn, _takes_indices = staticmethod(F.adaptive_max_pool1d), True


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max over an output_size grid of bins; return_indices gives flat h * W + w."""
    _fn, _takes_indices = staticmethod(F.adaptive_max_pool2d), True


class AdaptiveMaxPool3d(_AdaptivePool):
    """Max over an output_size grid of bins of (N, C, D, H, W)."""
    _fn, _takes_indices = staticmethod(F.adaptive_max_pool3d), True


class _MaxUnpoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        d = self._dims
        self.kernel_size = _n_tuple(kernel_size, d)
        self.stride = _n_tuple(stride if stride is not None else kernel_size, d)
        self.padding = _n_tuple(padding, d)

    def forward(self, input, indices, output_size=None):
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding,
                        output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Puts max_pool1d's values back at their indices (zeros elsewhere)."""
    _fn, _dims = staticmethod(F.max_unpool1d), 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Puts max_pool2d's values back at their indices (zeros elsewhere)."""
    _fn, _dims = staticmethod(F.max_unpool2d), 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Puts max_pool3d's values back at their indices (zeros elsewhere)."""
    _fn, _dims = staticmethod(F.max_unpool3d), 3
