"""Streaming metrics for training loops: update(preds, target) per batch, compute() at the end.

Each class keeps a running confusion matrix (one ``np.bincount`` per batch), so
memory is O(num_classes^2) however many samples pass through, and ``compute()``
equals the scikit-learn-style function on all the data at once.

How ``preds`` are read (the dtype decides, never the values alone):
  * integer or bool, shape (N,): class labels.
  * floating, shape (N, C) with C = num_classes: scores (probabilities or
    logits) per class; the label is the argmax (ties go to the lower class).
  * floating, shape (N,) or (N, 1), binary tasks only: the positive-class score.
    If every value of the batch lies in [0, 1] it is a probability and the label
    is ``p > threshold``; otherwise the batch holds logits and the label is
    ``sigmoid(z) > threshold``, i.e. ``z > log(threshold / (1 - threshold))``
    (``z > 0`` for the default 0.5). The rule is applied per batch, so a batch
    of logits that all happen to fall in [0, 1] is read as probabilities:
    pass probabilities (or labels) when that matters.
``target`` holds class labels in [0, num_classes): integers, bools or integral
floats (as BCE targets often are), shape (N,) or (N, 1).
"""

import numpy as np

from ._prf import prf_from_counts
from ._validation import (
    AVERAGE_OPTIONS,
    _to_numpy,
    check_average,
    check_sample_weight,
    check_zero_division,
)

__all__ = ["Accuracy", "ConfusionMatrix", "Precision", "Recall", "F1Score", "FBetaScore"]


def _squeeze_column(arr):
    return arr.ravel() if arr.ndim == 2 and arr.shape[1] == 1 else arr


def _preds_to_labels(name, preds, num_classes, threshold):
    """Turn a batch of labels, probabilities or logits into integer class labels."""
    p = _squeeze_column(_to_numpy(preds))
    if p.ndim == 2:
        if num_classes is not None and p.shape[1] != num_classes:
            raise ValueError(
                f"{name}.update: 2-D preds must have shape (N, num_classes={num_classes}); "
                f"got {p.shape}"
            )
        return np.argmax(p, axis=1)
    if p.ndim != 1:
        raise ValueError(
            f"{name}.update: preds must be labels (N,), binary scores (N,) or class "
            f"scores (N, C); got shape {p.shape}"
        )
    if p.dtype.kind == "f":
        if num_classes is not None and num_classes != 2:
            raise ValueError(
                f"{name}.update: 1-D floating preds are binary scores but num_classes="
                f"{num_classes}; pass integer labels (N,) or class scores (N, {num_classes})"
            )
        if p.size and (p.min() < 0 or p.max() > 1):
            with np.errstate(divide="ignore"):
                cut = np.log(threshold) - np.log1p(-threshold)
            return (p > cut).astype(np.int64)
        return (p > threshold).astype(np.int64)
    if p.dtype.kind not in "biu":
        raise ValueError(
            f"{name}.update: preds must be numeric labels or scores; got dtype {p.dtype}"
        )
    return _check_range(name, "preds", p, num_classes)


def _target_to_labels(name, target, num_classes):
    t = _squeeze_column(_to_numpy(target))
    if t.ndim != 1:
        raise ValueError(f"{name}.update: target must have shape (N,); got {t.shape}")
    if t.dtype.kind == "f":
        if not np.all(np.mod(t, 1) == 0):
            raise ValueError(
                f"{name}.update: target must hold class labels; got non-integer values"
            )
    elif t.dtype.kind not in "biu":
        raise ValueError(f"{name}.update: target must hold integer labels; got dtype {t.dtype}")
    return _check_range(name, "target", t, num_classes)


def _check_range(name, what, labels, num_classes):
    labels = labels.astype(np.int64, copy=False)
    if labels.size and num_classes is not None:
        lo, hi = labels.min(), labels.max()
        if lo < 0 or hi >= num_classes:
            raise ValueError(
                f"{name}.update: {what} labels must lie in [0, {num_classes}); "
                f"got values from {lo} to {hi}"
            )
    elif labels.size and labels.min() < 0:
        raise ValueError(f"{name}.update: {what} labels must be >= 0; got {labels.min()}")
    return labels


def _check_batch(name, preds, target, num_classes, threshold, sample_weight):
    p = _preds_to_labels(name, preds, num_classes, threshold)
    t = _target_to_labels(name, target, num_classes)
    if p.shape[0] != t.shape[0]:
        raise ValueError(
            f"{name}.update: preds and target must have the same number of samples; "
            f"got {p.shape[0]} and {t.shape[0]}"
        )
    # One batch may weigh nothing; compute() checks the total instead.
    w = check_sample_weight(f"{name}.update", sample_weight, t.shape[0], allow_all_zero=True)
    return p, t, w


class Accuracy:
    """Running accuracy = sum of weights of correct samples / sum of all weights.

    Args:
        num_classes: optional; when given, labels are checked to lie in
            [0, num_classes) and 2-D preds to have num_classes columns.
        threshold: cut-off for 1-D binary probabilities (see the module docs).
    """

    def __init__(self, num_classes=None, *, threshold=0.5):
        if num_classes is not None and (not isinstance(num_classes, (int, np.integer))
                                        or num_classes < 2):
            raise ValueError(f"Accuracy: num_classes must be an int >= 2; got {num_classes!r}")
        self.num_classes = num_classes
        self.threshold = float(threshold)
        self.reset()

    def reset(self):
        """Forget everything seen so far."""
        self._correct = 0.0
        self._total = 0.0

    def update(self, preds, target, sample_weight=None):
        """Add one batch. Args: preds (N,) or (N, C), target (N,), optional weights (N,)."""
        p, t, w = _check_batch("Accuracy", preds, target, self.num_classes, self.threshold,
                               sample_weight)
        hit = p == t
        self._correct += float(hit.sum()) if w is None else float(np.dot(hit, w))
        self._total += float(t.shape[0]) if w is None else float(np.sum(w))

    def compute(self):
        """Returns: float accuracy over all batches since the last reset."""
        if self._total == 0:
            raise ValueError("Accuracy.compute: no samples (or zero total weight) seen since "
                             "reset(); call update() first")
        return self._correct / self._total


class _RunningConfusion:
    """Shared state of the confusion-matrix based metrics: counts, seen classes, update()."""

    def __init__(self, num_classes, threshold):
        name = type(self).__name__
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"{name}: num_classes must be an int >= 2; got {num_classes!r}")
        self.num_classes = int(num_classes)
        self.threshold = float(threshold)
        self.reset()

    def reset(self):
        """Forget everything seen so far."""
        c = self.num_classes
        self._cm = np.zeros((c, c), dtype=np.int64)
        # Classes that occurred at all (weight 0 included): scikit-learn's label set.
        self._seen = np.zeros(c, dtype=bool)
        self._n = 0

    def update(self, preds, target, sample_weight=None):
        """Add one batch. Args: preds (N,) or (N, C), target (N,), optional weights (N,)."""
        c = self.num_classes
        p, t, w = _check_batch(type(self).__name__, preds, target, c, self.threshold,
                               sample_weight)
        counts = np.bincount(t * c + p, weights=w, minlength=c * c).reshape(c, c)
        if w is not None and w.dtype.kind == "f" and self._cm.dtype != np.float64:
            self._cm = self._cm.astype(np.float64)
        self._cm += counts.astype(self._cm.dtype, copy=False)
        self._seen |= (np.bincount(t, minlength=c) + np.bincount(p, minlength=c)) > 0
        self._n += t.shape[0]

    def _require_data(self):
        if self._n == 0:
            raise ValueError(
                f"{type(self).__name__}.compute: no samples seen since reset(); "
                "call update() first"
            )


class ConfusionMatrix(_RunningConfusion):
    """Running confusion matrix C[i, j] = weight of samples of class i predicted as j.

    Equals ``confusion_matrix(y_true, y_pred, labels=range(num_classes),
    normalize=normalize)`` on all the data.

    Args:
        num_classes: number of classes C (labels are 0 .. C-1).
        normalize: None, "true", "pred" or "all", as in :func:`confusion_matrix`.
        threshold: cut-off for 1-D binary probabilities (see the module docs).
    """

    def __init__(self, num_classes, *, normalize=None, threshold=0.5):
        if normalize not in (None, "true", "pred", "all"):
            raise ValueError(
                "ConfusionMatrix: normalize must be one of None, 'true', 'pred', 'all'; "
                f"got {normalize!r}"
            )
        self.normalize = normalize
        super().__init__(num_classes, threshold)

    def compute(self):
        """Returns: np.ndarray (num_classes, num_classes), normalized if asked."""
        self._require_data()
        cm = self._cm.copy()
        if self.normalize is None:
            return cm
        with np.errstate(all="ignore"):
            if self.normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif self.normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        return np.nan_to_num(cm)


class _SetWiseMetric(_RunningConfusion):
    """Precision, recall and F-beta from the running confusion matrix, as the functions do."""

    _metric = "f-score"

    def __init__(self, num_classes, *, beta, average, pos_label, labels, threshold,
                 zero_division):
        super().__init__(num_classes, threshold)
        name = type(self).__name__
        check_average(name, average)
        if average == "samples":
            raise ValueError(
                f"{name}: average='samples' needs multilabel data, which streaming "
                "metrics do not support; use the function on all the data"
            )
        if average == "binary" and self.num_classes != 2:
            options = [o for o in AVERAGE_OPTIONS if o != "samples"]
            raise ValueError(
                f"{name}: Target is multiclass (num_classes={self.num_classes}) but "
                f"average='binary'. Please choose another average setting, one of {options!r}."
            )
        if average == "binary" and pos_label not in (0, 1):
            raise ValueError(f"{name}: pos_label must be 0 or 1 for binary; got {pos_label!r}")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim != 1 or labels.dtype.kind not in "iu" or (
                labels.size and (labels.min() < 0 or labels.max() >= self.num_classes)
            ):
                raise ValueError(
                    f"{name}: labels must be class ids in [0, {self.num_classes}); got {labels}"
                )
        check_zero_division(name, zero_division)
        if not beta >= 0:
            raise ValueError(f"{name}: beta must be >= 0; got {beta!r}")
        self.beta = beta
        self.average = average
        self.pos_label = pos_label
        self.labels = labels
        self.zero_division = zero_division

    def compute(self):
        """Returns: float, or np.ndarray (one entry per scored class) when average is None."""
        self._require_data()
        if self.average == "binary":
            idx = np.array([self.pos_label])
        elif self.labels is not None:
            idx = self.labels
        else:
            idx = np.flatnonzero(self._seen)
        cm = self._cm
        result = prf_from_counts(
            np.diagonal(cm)[idx],
            cm.sum(axis=0)[idx],
            cm.sum(axis=1)[idx],
            beta=self.beta,
            average=self.average,
            warn_for=(self._metric,),
            zero_division=self.zero_division,
        )
        return result[{"precision": 0, "recall": 1, "f-score": 2}[self._metric]]


_SETWISE_DOC = """

    compute() equals ``{function}(target, pred_labels, average=average, labels=labels,
    pos_label=pos_label, zero_division=zero_division)`` on all the data. As there,
    without ``labels`` only the classes seen so far (in targets or predictions) are
    scored: average=None returns one entry per seen class and "macro" averages over
    seen classes; pass ``labels=range(num_classes)`` to score every class.

    Args:{beta}
        num_classes: number of classes C (labels are 0 .. C-1); 2 for binary.
        average: "binary" (scores class ``pos_label``; needs num_classes=2),
            "micro", "macro", "weighted" or None (per-class array).
        pos_label: positive class for average="binary".
        labels: optional class ids to score (may include unseen classes).
        threshold: cut-off for 1-D binary scores (see the module docs).
        zero_division: "warn", 0, 1 or np.nan, as in the functions.
    """


def _setwise_doc(function, beta=""):
    def decorate(cls):
        if cls.__doc__:  # None under python -OO
            cls.__doc__ += _SETWISE_DOC.format(function=function, beta=beta)
        return cls

    return decorate


@_setwise_doc("fbeta_score", "\n        beta: weight of recall against precision (>= 0).")
class FBetaScore(_SetWiseMetric):
    """Running F-beta = (1 + b^2) P R / (b^2 P + R) = (1 + b^2)TP / ((1 + b^2)TP + b^2 FN + FP)."""

    def __init__(self, beta, num_classes=2, *, average="binary", pos_label=1, labels=None,
                 threshold=0.5, zero_division="warn"):
        super().__init__(num_classes, beta=beta, average=average, pos_label=pos_label,
                         labels=labels, threshold=threshold, zero_division=zero_division)


class _FixedBeta(_SetWiseMetric):
    """The constructor of the metrics that take no beta."""

    def __init__(self, num_classes=2, *, average="binary", pos_label=1, labels=None,
                 threshold=0.5, zero_division="warn"):
        super().__init__(num_classes, beta=1.0, average=average, pos_label=pos_label,
                         labels=labels, threshold=threshold, zero_division=zero_division)


@_setwise_doc("f1_score")
class F1Score(_FixedBeta):
    """Running F1 = 2 P R / (P + R) = 2TP / (2TP + FP + FN)."""


@_setwise_doc("precision_score")
class Precision(_FixedBeta):
    """Running precision = TP / (TP + FP)."""

    _metric = "precision"


@_setwise_doc("recall_score")
class Recall(_FixedBeta):
    """Running recall = TP / (TP + FN)."""

    _metric = "recall"
