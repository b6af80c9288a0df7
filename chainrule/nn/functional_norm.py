"""The normalisation functions of chainrule.nn.functional: argument checks with torch's
messages; the math lives in chainrule.ops.norm_layer and chainrule.ops.norm_batch."""
from .._backend import xp
from ..ops import norm_layer as _nl
from ..tensor import Tensor

__all__ = ["layer_norm", "rms_norm"]


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
