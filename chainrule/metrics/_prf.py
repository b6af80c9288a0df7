"""Precision, recall and F-beta from per-label counts, shared by functions and streaming classes."""

import warnings

import numpy as np

from ._validation import external_stacklevel


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined (a 0/0) and was replaced by ``zero_division``.

    Same meaning and message text as scikit-learn's
    ``sklearn.exceptions.UndefinedMetricWarning``.
    """


def _warn_prf(average, modifier, msg_start, result_size):
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    where = "due to" if result_size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        "Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=external_stacklevel(),
    )


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    """Divide counts; where the denominator is 0 use ``zero_division`` (and warn if "warn")."""
    mask = denominator == 0
    denominator = np.where(mask, 1, denominator).astype(np.float64)
    result = np.asarray(numerator, dtype=np.float64) / denominator
    if not mask.any():
        return result
    # Already validated by the caller: "warn" stands for 0, else the number itself.
    result[mask] = 0.0 if isinstance(zero_division, str) else float(zero_division)
    # An explicit zero_division means the user chose the value: stay quiet then.
    if isinstance(zero_division, str) and metric in warn_for:
        _warn_prf(average, modifier, f"{metric.capitalize()} is", result.shape[0])
    return result


def _nanaverage(values, weights=None):
    """Weighted mean ignoring NaN entries; all-zero weights fall back to the plain mean."""
    if values.shape[0] == 0:
        return np.nan
    mask = np.isnan(values)
    if mask.all():
        return np.nan
    if weights is None:
        return np.nanmean(values)
    values, weights = values[~mask], np.asarray(weights)[~mask]
    if np.sum(weights) == 0:
        return np.mean(values)
    return np.average(values, weights=weights)


def prf_from_counts(
    tp_sum,
    pred_sum,
    true_sum,
    *,
    beta=1.0,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    zero_division="warn",
    sample_weight=None,
):
    """Precision, recall, F-beta and support from per-label (or per-sample) counts.

    precision = TP / (TP + FP) = tp_sum / pred_sum
    recall    = TP / (TP + FN) = tp_sum / true_sum
    F-beta    = (1 + b^2) P R / (b^2 P + R) = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP)
              = (1 + b^2) tp_sum / (b^2 true_sum + pred_sum);  F1 = 2TP / (2TP + FP + FN)

    Args:
        tp_sum, pred_sum, true_sum: 1-D arrays, one entry per label (per sample
            when average="samples").
        beta: weight of recall against precision; 0 gives precision, inf recall.
        average: None (per label), "micro" (pool counts first), "macro" (plain
            mean), "weighted" (mean weighted by support), "samples" (mean over
            samples, weighted by ``sample_weight``), "binary" (the single label).
        warn_for: which of "precision", "recall", "f-score" may warn on 0/0.
        zero_division: "warn" (0 and an UndefinedMetricWarning), 0, 1 or np.nan;
            np.nan entries are left out of averages.
        sample_weight: weights of the samples, used by average="samples".

    Returns:
        (precision, recall, fbeta, support): floats with support None when averaged,
        else arrays with support = true_sum.
    """
    # scikit-learn rebuilds these sums from 2x2 confusion matrices as tp + fp and
    # tp + fn; doing the same keeps weighted supports identical to the last bit.
    pred_sum = tp_sum + (pred_sum - tp_sum)
    true_sum = tp_sum + (true_sum - tp_sum)
    if average == "micro":
        tp_sum = np.sum(tp_sum).reshape(1)
        pred_sum = np.sum(pred_sum).reshape(1)
        true_sum = np.sum(true_sum).reshape(1)
    precision = _prf_divide(
        tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division
    )
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        beta2 = beta**2
        denom = beta2 * np.asarray(true_sum, dtype=np.float64) + np.asarray(
            pred_sum, dtype=np.float64
        )
        f_score = _prf_divide(
            (1 + beta2) * np.asarray(tp_sum, dtype=np.float64),
            denom,
            "f-score",
            "true nor predicted",
            average,
            warn_for,
            zero_division,
        )
    if average is None:
        return precision, recall, f_score, true_sum
    if average == "weighted":
        weights = true_sum
    elif average == "samples":
        weights = sample_weight
    else:
        weights = None
    return (
        float(_nanaverage(precision, weights)),
        float(_nanaverage(recall, weights)),
        float(_nanaverage(f_score, weights)),
        None,
    )
