"""Classification metrics with scikit-learn's names, signatures and results.

Every function accepts lists, NumPy arrays and chainrule Tensors; labels may be
integers or strings; 2-D 0/1 arrays are multilabel indicators. Counting is done
with ``np.bincount`` over label codes, so the cost is linear in the number of
samples with no Python loop over them.
"""

import warnings

import numpy as np

from ._prf import prf_from_counts
from ._validation import (
    check_average,
    check_set_wise_labels,
    check_targets,
    check_zero_division,
    external_stacklevel,
    lookup_labels,
)

__all__ = [
    "accuracy_score",
    "confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
]

_WARN_ALL = ("precision", "recall", "f-score")


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or number) of samples whose prediction equals the truth.

    accuracy = sum_i w_i [y_pred_i == y_true_i] / sum_i w_i. For multilabel input a
    sample counts as correct only when its whole row of labels matches.

    Args:
        y_true: true labels (n,) or indicator array (n, n_labels).
        y_pred: predicted labels, same form as y_true.
        normalize: if False return the (weighted) count of correct samples.
        sample_weight: optional (n,) weights.

    Returns:
        float
    """
    t = check_targets("accuracy_score", y_true, y_pred, sample_weight)
    if t.y_type == "multilabel-indicator":
        correct = np.all(t.true == t.pred, axis=1)
    else:
        correct = t.true == t.pred
    w = t.sample_weight
    if normalize:
        return float(np.average(correct, weights=w))
    if w is None:
        return float(np.sum(correct, dtype=np.float64))
    return float(np.dot(correct, w))


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Matrix C with C[i, j] = (weighted) number of samples of true class i predicted as j.

    Args:
        y_true: true labels (n,).
        y_pred: predicted labels (n,).
        labels: the classes that index rows and columns, in this order; samples
            whose true or predicted label is not among them are left out.
            Default: the sorted labels found in y_true or y_pred.
        sample_weight: optional (n,) weights.
        normalize: None, "true" (rows sum to 1), "pred" (columns sum to 1) or
            "all" (the whole matrix sums to 1); 0/0 becomes 0.

    Returns:
        np.ndarray of shape (n_labels, n_labels); int64 unless weights or
        normalize make it float64.
    """
    fname = "confusion_matrix"
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"{fname}: normalize must be one of None, 'true', 'pred', 'all'; got {normalize!r}"
        )
    t = check_targets(fname, y_true, y_pred, sample_weight)
    if t.y_type not in ("binary", "multiclass"):
        raise ValueError(f"{fname}: {t.y_type} is not supported")
    n_classes = t.classes.shape[0]
    if labels is None:
        n_labels = n_classes
        true_idx, pred_idx, w = t.true, t.pred, t.sample_weight
    else:
        index, found = lookup_labels(fname, t.classes, labels)
        n_labels = found.shape[0]
        if n_labels == 0:
            raise ValueError(f"{fname}: 'labels' should contain at least one label.")
        in_true = np.bincount(t.true, minlength=n_classes) > 0
        if not np.any(in_true[index[found]]):
            raise ValueError(
                f"{fname}: At least one label specified must be in y_true; "
                f"labels={np.asarray(labels)}, y_true has {t.classes[in_true]}"
            )
        # Map class codes to positions in `labels`; n_labels marks "not asked for".
        to_label = np.full(n_classes, n_labels, dtype=np.int64)
        to_label[index[found]] = np.flatnonzero(found)
        true_idx, pred_idx = to_label[t.true], to_label[t.pred]
        keep = (true_idx < n_labels) & (pred_idx < n_labels)
        w = t.sample_weight
        if not keep.all():
            true_idx, pred_idx = true_idx[keep], pred_idx[keep]
            w = None if w is None else w[keep]
    flat = np.bincount(
        true_idx * n_labels + pred_idx, weights=w, minlength=n_labels * n_labels
    )
    # Integer weights keep integer counts; the explicit cast also undoes bincount
    # returning int64 for an empty input even when the weights are float.
    float_weights = w is not None and w.dtype.kind == "f"
    cm = flat.reshape(n_labels, n_labels).astype(np.float64 if float_weights else np.int64)
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion "
            "matrix to have the correct shape, use the 'labels' parameter to pass "
            "all known labels.",
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    return cm


def _label_counts(fname, t, labels, samplewise):
    """Per-label (or per-sample) tp, predicted and true counts, the sufficient statistics."""
    w = t.sample_weight
    if t.y_type != "multilabel-indicator":
        if samplewise:
            raise ValueError(
                f"{fname}: Samplewise metrics are not available outside of "
                "multilabel classification."
            )
        n_classes = t.classes.shape[0]
        hit = t.true == t.pred
        hit_w = None if w is None else w[hit]
        tp = np.bincount(t.true[hit], weights=hit_w, minlength=n_classes)
        pred = np.bincount(t.pred, weights=w, minlength=n_classes)
        true = np.bincount(t.true, weights=w, minlength=n_classes)
        # scikit-learn's counts (hence support, and the report's text) turn float
        # when weighted or when nothing at all was predicted right; follow suit.
        dtype = np.float64 if (w is not None or not hit.any()) else np.int64
        if labels is not None:
            index, found = lookup_labels(fname, t.classes, labels)
            tp, pred, true = (np.where(found, c[index], 0) for c in (tp, pred, true))
        return tuple(c.astype(dtype) for c in (tp, pred, true))

    y_true, y_pred = t.true != 0, t.pred != 0
    if labels is not None:
        cols = np.asarray(labels)
        n_cols = t.classes.shape[0]
        if cols.size and cols.dtype.kind not in "iu":
            raise ValueError(
                f"{fname}: labels must be column indices for multilabel targets; got {cols}"
            )
        if cols.size and cols.max() > n_cols - 1:
            raise ValueError(
                f"{fname}: All labels must be in [0, n labels) for multilabel targets. "
                f"Got {cols.max()} > {n_cols - 1}"
            )
        if cols.size and cols.min() < 0:
            raise ValueError(
                f"{fname}: All labels must be in [0, n labels) for multilabel targets. "
                f"Got {cols.min()} < 0"
            )
        y_true, y_pred = y_true[:, cols], y_pred[:, cols]
    both = y_true & y_pred
    if samplewise:
        counts = [m.sum(axis=1) for m in (both, y_pred, y_true)]
        return tuple(counts if w is None else [c * w for c in counts])
    if w is None:
        return tuple(m.sum(axis=0) for m in (both, y_pred, y_true))
    # Row-major bincount sums the weights in the same order as scikit-learn's CSR path.
    out = []
    for m in (both, y_pred, y_true):
        rows, cols_hit = np.nonzero(m)
        out.append(np.bincount(cols_hit, weights=w[rows], minlength=m.shape[1]))
    # Match scikit-learn's dtype: an empty weighted bincount stays integer there.
    as_float = w.dtype.kind == "f" or y_true.any() or y_pred.any()
    return tuple(c.astype(np.float64 if as_float else np.int64) for c in out)


def _prfs(fname, t, *, beta, labels, pos_label, average, warn_for, zero_division):
    """precision_recall_fscore_support on already checked targets (used by the report too)."""
    labels = check_set_wise_labels(fname, t, average, labels, pos_label)
    tp, pred, true = _label_counts(fname, t, labels, samplewise=average == "samples")
    return prf_from_counts(
        tp,
        pred,
        true,
        beta=beta,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
        sample_weight=t.sample_weight,
    )


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=_WARN_ALL,
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support for each label, or averaged.

    precision = TP / (TP + FP); recall = TP / (TP + FN);
    F-beta = (1 + b^2) P R / (b^2 P + R); support = number of true samples per label.

    Args:
        y_true, y_pred: labels (n,) or multilabel indicators (n, n_labels).
        beta: weight of recall against precision (>= 0).
        labels: labels to score (may include labels absent from the data);
            column indices for multilabel input. Default: all labels present.
        pos_label: the positive class when average="binary".
        average: None (per label), "binary", "micro", "macro", "weighted" or
            "samples" (multilabel only).
        warn_for: which metrics may raise UndefinedMetricWarning.
        sample_weight: optional (n,) weights.
        zero_division: "warn", 0, 1 or np.nan: the value of an undefined 0/0.

    Returns:
        (precision, recall, fbeta, support): floats and None when averaged,
        else arrays of shape (n_labels,).
    """
    fname = "precision_recall_fscore_support"
    _check_options(fname, average, beta, zero_division)
    t = check_targets(fname, y_true, y_pred, sample_weight)
    return _prfs(
        fname,
        t,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
    )


def _check_options(fname, average, beta, zero_division):
    # Options are checked before the data, as scikit-learn's parameter validation does.
    check_average(fname, average)
    check_zero_division(fname, zero_division)
    if not beta >= 0:
        raise ValueError(f"{fname}: beta must be >= 0; got {beta!r}")


def _one_metric(fname, which, y_true, y_pred, beta, labels, pos_label, average, sample_weight,
                zero_division):
    _check_options(fname, average, beta, zero_division)
    t = check_targets(fname, y_true, y_pred, sample_weight)
    metric = {"precision": 0, "recall": 1, "f-score": 2}[which]
    return _prfs(
        fname,
        t,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=(which,),
        zero_division=zero_division,
    )[metric]


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    """Precision = TP / (TP + FP): the fraction of predicted positives that are right.

    Args:
        y_true, y_pred, labels, pos_label, average, sample_weight, zero_division:
            as in :func:`precision_recall_fscore_support`.

    Returns:
        float, or an array of shape (n_labels,) when average is None.
    """
    return _one_metric("precision_score", "precision", y_true, y_pred, 1.0, labels, pos_label,
                       average, sample_weight, zero_division)


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    """Recall = TP / (TP + FN): the fraction of true positives that were found.

    Args:
        y_true, y_pred, labels, pos_label, average, sample_weight, zero_division:
            as in :func:`precision_recall_fscore_support`.

    Returns:
        float, or an array of shape (n_labels,) when average is None.
    """
    return _one_metric("recall_score", "recall", y_true, y_pred, 1.0, labels, pos_label,
                       average, sample_weight, zero_division)


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """F-beta = (1 + b^2) P R / (b^2 P + R) = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP).

    beta > 1 favours recall, beta < 1 precision; beta=0 is precision, beta=inf recall.

    Args:
        y_true, y_pred, labels, pos_label, average, sample_weight, zero_division:
            as in :func:`precision_recall_fscore_support`.
        beta: weight of recall (>= 0), keyword only.

    Returns:
        float, or an array of shape (n_labels,) when average is None.
    """
    return _one_metric("fbeta_score", "f-score", y_true, y_pred, beta, labels, pos_label,
                       average, sample_weight, zero_division)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn"):
    """F1 = 2 P R / (P + R) = 2TP / (2TP + FP + FN): the harmonic mean of precision and recall.

    Args:
        y_true, y_pred, labels, pos_label, average, sample_weight, zero_division:
            as in :func:`precision_recall_fscore_support`.

    Returns:
        float, or an array of shape (n_labels,) when average is None.
    """
    return _one_metric("f1_score", "f-score", y_true, y_pred, 1.0, labels, pos_label,
                       average, sample_weight, zero_division)
