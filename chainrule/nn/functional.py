"""The functional API, as torch.nn.functional: ``import chainrule.nn.functional as F``.

Activations, linear / embedding / dropout / one_hot, and every loss with PyTorch's signature.
This module checks what the user passed (shapes, dtypes, class ranges, reduction names) and
raises a clear error naming the op; the math lives in chainrule.ops.
"""
import warnings

from .._backend import xp
from ..factories import as_tensor
from ..ops import loss as _loss
from ..ops.activation import (elu as _elu, gelu, leaky_relu as _leaky_relu, log_softmax as
                              _log_softmax, logsigmoid, relu as _relu, sigmoid, silu as _silu,
                              softmax as _softmax, softplus, tanh)
from ..ops.linalg import linear
from ..ops.nn_ops import Dropout as _Dropout, Embedding as _Embedding
from ..random import numpy_generator
from ..tensor import Tensor

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "gelu", "elu",
           "silu", "softplus", "logsigmoid", "linear", "embedding", "dropout", "one_hot",
           "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "huber_loss",
           "smooth_l1_loss", "kl_div"]


# ---- activations (``inplace`` is accepted for compatibility; the result is a new tensor) ---
def relu(input, inplace=False):
    return _relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _elu(input, alpha)


def silu(input, inplace=False):
    return _silu(input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _log_softmax(input, dim, dtype)


# ---- layers as functions -------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer tensor ``input``.

    Shape: input (*) of indices, weight (num_embeddings, embedding_dim) -> (*, embedding_dim).
    ``padding_idx``'s row gets no gradient; ``max_norm`` renormalises the looked-up rows of
    ``weight`` in place first, as torch does.
    """
    idx = _as_tensor(input)._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices, got dtype {idx.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({n})")
        padding_idx %= n
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
        raise IndexError(f"embedding: index {bad} is out of range for a table of {n} rows "
                         f"(valid: 0 to {n - 1})")
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported; use sparse=False")
    if max_norm is not None:
        _renorm_rows(weight._data, idx, max_norm, norm_type)
    return _Embedding.apply(idx, weight, padding_idx=padding_idx,
                            scale_grad_by_freq=scale_grad_by_freq)


def _renorm_rows(table, idx, max_norm, norm_type):
    rows = xp.unique(idx)
    norms = xp.linalg.norm(table[rows], ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    table[rows] *= scale[:, None].astype(table.dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) while
    ``training``; the identity otherwise. The mask comes from the default generator."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    return _Dropout.apply(input, float(p), numpy_generator())


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: shape (*) -> (*, num_classes) (num_classes=-1: max + 1)."""
    t = _as_tensor(tensor)._data
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer (index) tensor, got dtype {t.dtype}")
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {t.min()}")
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    elif t.size and t.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes "
                         f"({num_classes}), got {t.max()}")
    out = xp.zeros((t.size, num_classes), xp.int64)
    out[xp.arange(t.size), t.reshape(-1)] = 1
    return Tensor._from_array(out.reshape(t.shape + (num_classes,)))


# ---- argument checks shared by the losses --------------------------------------------------
def _as_tensor(x, op="", name="target"):
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{op or 'functional'}: {name} must be a Tensor, got "
                        f"{type(x).__name__}")
    return x if isinstance(x, Tensor) else as_tensor(x)


def _reduction(op, reduction, size_average=None, reduce=None, extra=()):
    if size_average is not None or reduce is not None:      # torch's deprecated pair
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{legacy}' instead.", stacklevel=3)
        return legacy
    allowed = ("none", "mean", "sum") + extra
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, got "
                         f"{reduction!r}")
    return reduction


def _float_input(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a chainrule.Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    return x


def _same_shape(op, x, target):
    if target.shape != x.shape:
        raise ValueError(f"{op}: target has shape {target.shape} but input has shape {x.shape}; "
                         "they must be equal (reshape one of them; broadcasting here usually "
                         "hides a bug)")


def _weight(op, name, w, x, shape=None):
    """``w`` as an array of x's dtype, checked to be of ``shape`` or to broadcast to x."""
    if w is None:
        return None
    w = _as_tensor(w)._data.astype(x.dtype, copy=False)
    if shape is not None:
        if w.shape != shape:
            raise ValueError(f"{op}: {name} must have shape {shape}, got {w.shape}")
    else:
        try:
            ok = xp.broadcast_shapes(w.shape, x.shape) == x.shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{op}: {name} of shape {w.shape} does not broadcast to the input "
                             f"shape {x.shape}")
    return w


def _class_target(op, x, target, ignore_index):
    """Check integer class targets: dtype, shape (N, d1, ...) for input (N, C, d1, ...), range.

    Returns the ignore_index the loss must honour, or None when no target can equal it."""
    t = target._data
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected class indices (an integer tensor) as target but got "
                        f"dtype {t.dtype}; for class probabilities pass a float target of the "
                        f"input's shape {x.shape}")
    expected = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    if t.shape != expected:
        if x.ndim > 1 and t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise ValueError(f"{op}: expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}) (input {x.shape}, target {t.shape})")
        raise ValueError(f"{op}: target has shape {t.shape} but input {x.shape} needs a target "
                         f"of shape {expected}")
    # Viewed as unsigned, a negative index is huge: one comparison finds both kinds of bad.
    unsigned = t if t.dtype.kind == "u" else t.view(f"u{t.dtype.itemsize}")
    outside = unsigned >= n_classes
    if outside.any():
        bad = t[outside & (t != ignore_index)]
        if bad.size:
            raise IndexError(f"{op}: target {bad[0]} is out of bounds for {n_classes} classes "
                             f"(expected 0 to {n_classes - 1}, or ignore_index={ignore_index})")
        return ignore_index
    # Nothing out of range: only an ignore_index that is itself a class can still match.
    return ignore_index if 0 <= ignore_index < n_classes else None


# ---- losses --------------------------------------------------------------------------------
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits against class indices or class probabilities (fused with the
    log-softmax); the formulas are in chainrule.ops.loss.CrossEntropy.

    Shape: input (C), (N, C) or (N, C, d1, ...); target () / (N) / (N, d1, ...) of class
    indices, or of the input's shape holding probabilities. Output: scalar, or the target's
    batch shape for reduction='none'.
    """
    op = "cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _float_input(op, input)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dim (C) or 2 dims (N, C), got a "
                         "0-d tensor")
    target = _as_tensor(target, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    w = _weight(op, "weight", weight, x, (n_classes,))
    if target.shape == x.shape:
        if target.dtype.kind != "f":
            raise TypeError(f"{op}: a target of the input's shape {x.shape} holds class "
                            f"probabilities and must be floating point, got {target.dtype}")
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index is not supported for probability targets")
        if target.dtype != x.dtype:
            target = target.to(x.dtype)
    else:
        ignore_index = _class_target(op, x, target, ignore_index)
    return _loss.CrossEntropy.apply(x, target, w, ignore_index=ignore_index,
                                    reduction=reduction, label_smoothing=float(label_smoothing))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of log-probabilities: loss_i = -weight[t_i] input[i, t_i].

    Shape: input (C), (N, C) or (N, C, d1, ...); target () / (N) / (N, d1, ...) class indices.
    """
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _float_input(op, input)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dim, got a 0-d tensor")
    target = _as_tensor(target, op)
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    w = _weight(op, "weight", weight, x, (n_classes,))
    ignore_index = _class_target(op, x, target, ignore_index)
    return _loss.NLLLoss.apply(x, target, w, ignore_index=ignore_index, reduction=reduction)


def _pointwise(fn, op, input, target, weight, reduction, **options):
    x = _float_input(op, input)
    target = _as_tensor(target, op)
    _same_shape(op, x, target)
    w = _weight(op, "weight", weight, x, x.shape)     # torch: "same size as the input"
    return fn.apply(x, target, w, reduction=reduction, **options)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1] (logs clamped at -100).

    Shape: input and target (*), weight broadcastable to it.
    """
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, target = _float_input(op, input), _as_tensor(target, op)
    _same_shape(op, x, target)
    for name, t in (("input", x), ("target", target)):
        if t._data.size and (t._data.min() < 0 or t._data.max() > 1):
            raise ValueError(f"{op}: all elements of {name} should be between 0 and 1 (got "
                             f"values in [{t._data.min()}, {t._data.max()}]); for logits use "
                             "binary_cross_entropy_with_logits")
    w = _weight(op, "weight", weight, x)
    return _loss.BinaryCrossEntropy.apply(x, target, w, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one stable step:
    w ((1 - y) x - (1 + (pos_weight - 1) y) log sigmoid(x)).

    Shape: input and target (*); weight and pos_weight broadcastable to it (pos_weight is
    usually (C,), one weight per class along the last dim).
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _float_input(op, input)
    target = _as_tensor(target, op)
    _same_shape(op, x, target)
    w = _weight(op, "weight", weight, x)
    pw = _weight(op, "pos_weight", pos_weight, x)
    return _loss.BinaryCrossEntropyWithLogits.apply(x, target, w, reduction=reduction,
                                                    pos_weight=pw)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2; with ``weight``, 'mean' is sum(w l) / sum(w) as torch."""
    op = "mse_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    return _pointwise(_loss.MSE, op, input, target, weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|; with ``weight``, 'mean' is sum(w l) / sum(w) as torch."""
    op = "l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    return _pointwise(_loss.L1, op, input, target, weight, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), d = input - target."""
    op = "huber_loss"
    reduction = _reduction(op, reduction)
    if not delta > 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    return _pointwise(_loss.Huber, op, input, target, weight, reduction, delta=float(delta))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta (beta = 0: the l1 loss)."""
    op = "smooth_l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"{op}: beta must be non-negative, got {beta}")
    return _pointwise(_loss.SmoothL1, op, input, target, None, reduction, beta=float(beta))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input), input holding
    log-probabilities. 'batchmean' (sum / batch size) is the true KL divergence; 'mean'
    divides by every element, as torch does."""
    op = "kl_div"
    reduction = _reduction(op, reduction, size_average, reduce, extra=("batchmean",))
    return _pointwise(_loss.KLDiv, op, input, target, None, reduction,
                      log_target=bool(log_target))


from .soft_f1 import soft_f1_loss  # noqa: E402  (the F1 metric as a differentiable loss)

__all__.append("soft_f1_loss")

from ..ops.attention import scaled_dot_product_attention  # noqa: E402
from .attention import multi_head_attention_forward  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]

from .functional_norm import (batch_norm, group_norm, instance_norm,  # noqa: E402
                              layer_norm, rms_norm)

__all__ += ["layer_norm", "rms_norm", "batch_norm", "group_norm", "instance_norm"]

from . import functional_pool as _fp  # noqa: E402  (pooling)
from .functional_pool import *  # noqa: E402,F401,F403

__all__ += _fp.__all__

# ---- distances and normalisation (chainrule/ops/distance.py) --------------------------------
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: E402,F401

__all__ += ["cosine_similarity", "normalize", "pairwise_distance"]

from .dropout import alpha_dropout, dropout1d, dropout2d, dropout3d  # noqa: E402

__all__ += ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]

from .functional_conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: E402
from ..ops.padding import pad  # noqa: E402
from ..ops.interpolate import interpolate  # noqa: E402
from ..ops.fold import fold, unfold  # noqa: E402

__all__ += ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pad", "interpolate",
            "fold", "unfold"]
