"""classification_report: per-class precision, recall, F1 and support, as text or a dict."""

import warnings

import numpy as np

from .classification import _prfs
from ._validation import check_targets, check_zero_division, external_stacklevel

__all__ = ["classification_report"]

_HEADERS = ["precision", "recall", "f1-score", "support"]


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
):
    """Text (or dict) summary of precision, recall, F1 and support per class, as scikit-learn's.

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2TP / (2TP + FP + FN),
    support = number of true samples of the class. Averages: macro (plain mean over
    classes), weighted (mean weighted by support), samples (multilabel only) and
    micro (pooled counts), which is shown as "accuracy" when it equals accuracy
    (single-label data and all present labels reported).

    Args:
        y_true, y_pred: labels (n,) or multilabel indicators (n, n_labels).
        labels: labels to report, in this order. Default: all labels present.
        target_names: display names for the labels, same order.
        sample_weight: optional (n,) weights.
        digits: decimals in the text report (ignored for the dict).
        output_dict: return a dict {name: {"precision", "recall", "f1-score",
            "support"}} instead of text; "accuracy" maps to a float.
        zero_division: "warn", 0, 1 or np.nan: the value of an undefined 0/0.

    Returns:
        str or dict
    """
    fname = "classification_report"
    check_zero_division(fname, zero_division)
    t = check_targets(fname, y_true, y_pred, sample_weight)
    if labels is None:
        labels = t.classes
        labels_given = False
    else:
        labels = np.asarray(labels)
        labels_given = True

    # Micro-averaged P = R = F1 = accuracy only when every present label is scored.
    micro_is_accuracy = t.y_type in ("multiclass", "binary") and (
        not labels_given or set(labels) >= set(t.classes)
    )

    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}",
                UserWarning,
                stacklevel=external_stacklevel(),
            )
        else:
            raise ValueError(
                f"{fname}: Number of classes, {len(labels)}, does not match size of "
                f"target_names, {len(target_names)}. Try specifying the labels parameter"
            )
    if target_names is None:
        target_names = ["%s" % label for label in labels]

    prfs_args = dict(
        beta=1.0,
        labels=labels,
        pos_label=1,
        warn_for=("precision", "recall", "f-score"),
        zero_division=zero_division,
    )
    p, r, f1, s = _prfs(fname, t, average=None, **prfs_args)
    rows = list(zip(target_names, p, r, f1, s))
    averages = ["micro", "macro", "weighted"]
    if t.y_type == "multilabel-indicator":
        averages.append("samples")

    if output_dict:
        report = {row[0]: dict(zip(_HEADERS, [float(v) for v in row[1:]])) for row in rows}
    else:
        width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(_HEADERS)
        text = head_fmt.format("", *_HEADERS, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            text += row_fmt.format(*row, width=width, digits=digits)
        text += "\n"

    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else average + " avg"
        avg_p, avg_r, avg_f1, _ = _prfs(fname, t, average=average, **prfs_args)
        values = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report[heading] = dict(zip(_HEADERS, [float(v) for v in values]))
        elif heading == "accuracy":
            acc_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += acc_fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)

    if output_dict:
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    return text
