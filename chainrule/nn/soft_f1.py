"""A differentiable F1 score, to train directly on F1 when classes are imbalanced."""
from ..ops.activation import sigmoid, softmax
from ..tensor import Tensor


def soft_f1_loss(input, target, *, from_logits=True, average="macro", eps=1e-7):
    """1 - soft F1, where the counts of the F1 score use probabilities instead of hard labels.

    With p the predicted probability of the positive class and y in {0, 1} the truth, summed over
    the batch for each class c:

        TP_c = sum p y,   FP_c = sum p (1 - y),   FN_c = sum (1 - p) y
        softF1_c = 2 TP_c / (2 TP_c + FP_c + FN_c + eps),   loss = 1 - mean_c softF1_c

    When p is exactly 0 or 1 this is 1 - the F1 score, so the loss is a smooth surrogate of the
    metric that gradient descent can follow. Unlike cross entropy it weighs the rare class as
    much as the common one, which helps on imbalanced data.

    Args:
        input: logits (or probabilities with from_logits=False) of shape (N,) or (N, 1) for a
            binary problem (sigmoid), or (N, C) for C classes (softmax over dim 1).
        target: (N,) labels: 0/1 for binary, class indices for (N, C) input.
        average: 'macro' (mean of per-class soft F1) or 'binary' (the positive class only; for
            (N,) input this is the only class scored).
    Returns:
        a scalar Tensor.
    """
    if average not in ("macro", "binary"):
        raise ValueError(f"soft_f1_loss: average must be 'macro' or 'binary', got {average!r}")
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError("soft_f1_loss: input must be a floating point Tensor of scores")
    y = target._data if isinstance(target, Tensor) else target
    n = input.shape[0]
    if input.ndim == 2 and input.shape[1] == 1:
        input = input.reshape(n)
    if getattr(y, "shape", (n,))[0] != n:
        raise ValueError(f"soft_f1_loss: target has {len(y)} entries but input has batch size "
                         f"{n}")
    if input.ndim == 1:
        p = sigmoid(input) if from_logits else input
        y = Tensor._from_array(y.reshape(n).astype(input.dtype))
        tp, fp, fn = (p * y).sum(), (p * (1 - y)).sum(), ((1 - p) * y).sum()
        if average == "macro":  # both classes: the negative class counts with roles swapped
            f1_pos = 2 * tp / (2 * tp + fp + fn + eps)
            tn = ((1 - p) * (1 - y)).sum()
            f1_neg = 2 * tn / (2 * tn + fn + fp + eps)
            return 1 - (f1_pos + f1_neg) / 2
        return 1 - 2 * tp / (2 * tp + fp + fn + eps)
    if input.ndim != 2:
        raise ValueError(f"soft_f1_loss: expected input of shape (N,) or (N, C), got "
                         f"{input.shape}")
    c = input.shape[1]
    if y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= c)):
        raise ValueError(f"soft_f1_loss: target must hold class indices in [0, {c}) for input "
                         f"with {c} classes")
    p = softmax(input, dim=1) if from_logits else input
    onehot = (y.reshape(n, 1) == _arange(c)).astype(input.dtype)
    y1 = Tensor._from_array(onehot)
    tp = (p * y1).sum(0)
    fp = (p * (1 - y1)).sum(0)
    fn = ((1 - p) * y1).sum(0)
    f1 = 2 * tp / (2 * tp + fp + fn + eps)
    if average == "binary":
        if c != 2:
            raise ValueError(f"soft_f1_loss: average='binary' needs 2 classes, got {c}")
        return 1 - f1[1]
    return 1 - f1.mean()


def _arange(c):
    from .._backend import xp
    return xp.arange(c)
