"""The losses the experiments use: chainrule.nn.functional's when present, else compositions.

The composed versions are the textbook formulas in core ops, used only while chainrule.nn is
not available; each experiment records which one it ran on.
"""
from types import SimpleNamespace

from ..ops.activation import log_softmax
from ..ops.elementwise import abs as _abs, exp, log, minimum


def _reduce(loss, reduction):
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def _bce_with_logits(z, t, reduction="mean"):
    # softplus(z) - t z, with softplus(z) = max(z, 0) + log(1 + e^-|z|) so exp never overflows
    return _reduce(z.relu() + log(1 + exp(-_abs(z))) - t * z, reduction)


def _cross_entropy(logits, target, reduction="mean"):
    return _reduce(-log_softmax(logits, dim=1)[range(target.shape[0]), target.data], reduction)


def _mse_loss(x, t, reduction="mean"):
    return _reduce((x - t) ** 2, reduction)


def _l1_loss(x, t, reduction="mean"):
    return _reduce(_abs(x - t), reduction)


def _huber_loss(x, t, reduction="mean", delta=1.0):
    e = _abs(x - t)
    q = minimum(e, delta)
    return _reduce(0.5 * q * q + delta * (e - q), reduction)


_FALLBACK = SimpleNamespace(binary_cross_entropy_with_logits=_bce_with_logits,
                            cross_entropy=_cross_entropy, mse_loss=_mse_loss, l1_loss=_l1_loss,
                            huber_loss=_huber_loss)


def functional():
    """(namespace of loss functions, name of where they come from)."""
    try:
        from ..nn import functional as F
        return F, "nn.functional"
    except ImportError:
        return _FALLBACK, "losses composed from core ops"
