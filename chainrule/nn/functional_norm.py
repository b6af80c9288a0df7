"""The normalisation functions of chainrule.nn.functional: argument checks with torch's
messages; the math lives in chainrule.ops.norm_layer and chainrule.ops.norm_batch."""
from .._backend import xp
from ..ops import norm_layer as _nl
from ..ops.norm_batch import BatchNorm as _BatchNorm
from ..ops.norm_group import GroupNorm as _GroupNorm
from ..tensor import Tensor

__all__ = ["layer_norm", "rms_norm", "batch_norm", "group_norm", "instance_norm"]


def float_input(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a chainrule.Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    return x


def param(op, name, p, x, shape):
    """Weight or bias ``p`` (Tensor or None) checked to have ``shape`` and x's dtype."""
    if p is None:
        return None
    if not isinstance(p, Tensor):
        raise TypeError(f"{op}: {name} must be a chainrule.Tensor or None, got "
                        f"{type(p).__name__}")
    if tuple(p.shape) != tuple(shape):
        raise RuntimeError(f"{op}: expected {name} of shape {list(shape)}, got "
                           f"{list(p.shape)}")
    if p.dtype != x.dtype:
        raise RuntimeError(f"{op}: {name} has dtype {p.dtype} but the input has dtype "
                           f"{x.dtype}; all inputs must share one dtype (cast the module "
                           f"with .to() or the input with .to(dtype))")
    return p


def normalized_shape_of(op, normalized_shape, x):
    if isinstance(normalized_shape, int) or hasattr(normalized_shape, "__index__"):
        shape = (int(normalized_shape),)
    else:
        shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError(f"{op}: expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got normalized_shape "
                           "= []")
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise RuntimeError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, shape))}], but got input of size "
                           f"{list(x.shape)}")
    return shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias, statistics over the last
    len(normalized_shape) dims (biased variance, as torch).

    Shape: input (*, *normalized_shape); weight and bias of normalized_shape.
    """
    op = "layer_norm"
    x = float_input(op, input)
    shape = normalized_shape_of(op, normalized_shape, x)
    w, b = param(op, "weight", weight, x, shape), param(op, "bias", bias, x, shape)
    return _nl.LayerNorm.apply(x, w, b, n_norm=len(shape), eps=float(eps))


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims; eps=None
    is the input dtype's machine epsilon, as torch."""
    op = "rms_norm"
    x = float_input(op, input)
    shape = normalized_shape_of(op, normalized_shape, x)
    w = param(op, "weight", weight, x, shape)
    eps = float(xp.finfo(x.dtype).eps) if eps is None else float(eps)
    return _nl.RMSNorm.apply(x, w, n_norm=len(shape), eps=eps)


def _channels_input(op, x):
    x = float_input(op, x)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least 2 dims, "
                         f"got shape {list(x.shape)}")
    return x


def _running(op, name, r, x):
    """The raw array of a running statistic (updated in place), checked to hold C values."""
    if r is None:
        return None
    if not isinstance(r, Tensor):
        raise TypeError(f"{op}: {name} must be a chainrule.Tensor or None, got "
                        f"{type(r).__name__}")
    if r.numel() != x.shape[1]:
        raise RuntimeError(f"{op}: {name} should contain {x.shape[1]} elements not "
                           f"{r.numel()} (one per channel of the input, dim 1 of shape "
                           f"{list(x.shape)})")
    if r.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {r.dtype}")
    return r._data


def _affine(op, weight, bias, x):
    c = x.shape[1]
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and isinstance(p, Tensor) and p.numel() != c:
            raise RuntimeError(f"{op}: {name} should contain {c} elements not {p.numel()} "
                               f"(one per channel of the input, dim 1 of shape "
                               f"{list(x.shape)})")
    return param(op, "weight", weight, x, (c,)), param(op, "bias", bias, x, (c,))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Per-channel normalisation of (N, C, *): batch statistics when ``training`` (the running
    statistics, if given, are updated in place with ``momentum``), else the running ones.

    Shape: input (N, C, *); running_mean, running_var, weight, bias (C,).
    """
    op = "batch_norm"
    x = _channels_input(op, input)
    rm, rv = _running(op, "running_mean", running_mean, x), _running(op, "running_var",
                                                                     running_var, x)
    w, b = _affine(op, weight, bias, x)
    if training:
        if x.numel() // x.shape[1] == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {list(x.shape)} (batch_norm)")
    elif rm is None or rv is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in "
                           "evaluation mode (training=False)")
    return _BatchNorm.apply(x, w, b, running_mean=rm, running_var=rv, training=bool(training),
                            momentum=float(momentum), eps=float(eps))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in ``num_groups`` groups, then scale and shift per
    channel. Shape: input (N, C, *), C divisible by num_groups; weight, bias (C,)."""
    op = "group_norm"
    x = _channels_input(op, input)
    if num_groups <= 0 or x.shape[1] % num_groups:
        raise RuntimeError(f"{op}: expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    w, b = _affine(op, weight, bias, x)
    return _GroupNorm.apply(x, w, b, groups=int(num_groups), eps=float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims; with ``use_input_stats=False``
    use the running statistics instead. Shape: input (N, C, *); the rest (C,)."""
    op = "instance_norm"
    x = _channels_input(op, input)
    rm, rv = _running(op, "running_mean", running_mean, x), _running(op, "running_var",
                                                                     running_var, x)
    w, b = _affine(op, weight, bias, x)
    if not use_input_stats:
        if rm is None or rv is None:
            raise RuntimeError("instance_norm: expected running_mean and running_var to be "
                               "defined when use_input_stats is false")
        return _BatchNorm.apply(x, w, b, running_mean=rm, running_var=rv, training=False,
                                eps=float(eps))
    if x.numel() // (x.shape[0] * x.shape[1]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(x.shape)} (instance_norm)")
    if (rm is None) != (rv is None):
        raise RuntimeError("instance_norm: give both running_mean and running_var, or neither")
    return _GroupNorm.apply(x, w, b, groups=x.shape[1], eps=float(eps), running_mean=rm,
                            running_var=rv, momentum=float(momentum))
