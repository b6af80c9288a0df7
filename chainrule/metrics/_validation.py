"""Input checks for the metrics: conversion, target-type detection, label encoding, options."""

import sys
import warnings
from typing import NamedTuple, Optional

import numpy as np

AVERAGE_OPTIONS = (None, "micro", "macro", "weighted", "samples")
_FEW_LABELS = 4096
_STRING_KINDS = ("U", "S")


def external_stacklevel():
    """The ``stacklevel`` that makes a warning point at the first caller outside this package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame, level = frame.f_back, level + 1
    return level


def _to_numpy(x):
    """Return ``x`` as a NumPy array, duck typing chainrule (and torch) tensors.

    Args:
        x: list, tuple, array, or any object with ``.numpy()`` (``.detach()`` is
            called first when present, so tensors that require grad work).

    Returns:
        np.ndarray
    """
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "numpy") and callable(x.numpy):
        if hasattr(x, "detach"):
            x = x.detach()
        return np.asarray(x.numpy())
    return np.asarray(x)


def _as_array(fname, name, y):
    try:
        arr = _to_numpy(y)
    except ValueError as e:  # ragged nested lists
        raise ValueError(
            f"{fname}: {name} must be a 1-D array of labels or a 2-D indicator "
            f"array; could not convert it to an array ({e})"
        ) from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()  # a column vector is a 1-D target, as in scikit-learn
    return arr


def _is_string_array(a):
    if a.dtype.kind in _STRING_KINDS:
        return True
    return a.dtype == object and a.size > 0 and isinstance(a.flat[0], str)


def _is_integral(values):
    return values.dtype.kind in "biu" or bool(np.all(np.mod(values, 1) == 0))


def type_of_target(fname, name, y, count_classes=True):
    """Classify a target array as scikit-learn's ``type_of_target`` does.

    Args:
        fname: calling function's name, for error messages.
        name: argument name ("y_true", "y_pred"), for error messages.
        y: np.ndarray (column vectors already flattened).
        count_classes: if False, a 1-D label array is reported as "labels"
            instead of "binary"/"multiclass", which saves sorting it.

    Returns:
        One of "binary", "multiclass", "multilabel-indicator", "continuous",
        "multiclass-multioutput", "continuous-multioutput", "unknown" (or "labels").
    """
    if y.ndim not in (1, 2) or y.size == 0:
        return "unknown"
    if y.dtype == object and not isinstance(y.flat[0], str):
        return "unknown"
    suffix = "-multioutput" if y.ndim == 2 else ""
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{fname}: {name} contains NaN or infinity")
        if not _is_integral(y):
            return "continuous" + suffix
    if y.dtype.kind == "c":
        raise ValueError(f"{fname}: complex {name} is not supported")
    if y.ndim == 1 and not count_classes:
        return "labels"
    try:
        n_unique = np.unique(y).shape[0]
    except TypeError:  # an object array mixing str and numbers cannot be sorted
        raise ValueError(
            f"{fname}: Mix of label input types (string and number) in {name}"
        ) from None
    if y.ndim == 2:
        numeric = y.dtype.kind in "biuf"
        return "multilabel-indicator" if (n_unique < 3 and numeric) else "multiclass" + suffix
    return "multiclass" if n_unique > 2 else "binary"


class Targets(NamedTuple):
    """Checked targets: 1-D labels encoded as indices into ``classes``, or indicators."""

    y_type: str  # "binary", "multiclass" or "multilabel-indicator"
    classes: np.ndarray  # sorted labels seen in y_true or y_pred; column ids if multilabel
    true: np.ndarray  # int codes into classes (1-D) or the raw 2-D indicator array
    pred: np.ndarray
    sample_weight: Optional[np.ndarray]


def _encode(y_true, y_pred):
    """Sorted union of labels and both arrays as integer codes into it, in O(n) for small ints."""
    n = y_true.shape[0]
    if y_true.dtype.kind in "iu" and y_pred.dtype.kind in "iu":
        lo = min(int(y_true.min()), int(y_pred.min()))
        hi = max(int(y_true.max()), int(y_pred.max()))
        # A counting table beats sorting when labels are dense small integers,
        # which is what classifiers produce; fall back to np.unique otherwise.
        if hi - lo < max(4 * n, 1 << 16) and -(1 << 62) < lo and hi < (1 << 62):
            t = y_true.astype(np.int64, copy=False) - lo
            p = y_pred.astype(np.int64, copy=False) - lo
            size = hi - lo + 1
            present = (np.bincount(t, minlength=size) + np.bincount(p, minlength=size)) > 0
            lut = np.cumsum(present) - 1
            dtype = np.result_type(y_true.dtype, y_pred.dtype)
            classes = (np.flatnonzero(present) + lo).astype(dtype)
            return classes, lut[t], lut[p]
    # Few distinct labels (strings, sparse ids): hash-based unique (NumPy >= 2.3)
    # plus a binary search is several times faster than sorting every sample.
    try:
        few = np.unique(y_true, sorted=False)
        if few.shape[0] <= _FEW_LABELS:
            few = np.concatenate([few, np.unique(y_pred, sorted=False)])
    except TypeError:  # older NumPy has no `sorted` argument
        few = None
    if few is not None and few.shape[0] <= 2 * _FEW_LABELS:
        classes = np.unique(few)
        return classes, np.searchsorted(classes, y_true), np.searchsorted(classes, y_pred)
    classes, inverse = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    inverse = inverse.reshape(-1)
    return classes, inverse[:n], inverse[n:]


def check_sample_weight(fname, sample_weight, n_samples, allow_all_zero=False):
    """Return ``sample_weight`` as a 1-D numeric array of length ``n_samples`` (or None)."""
    if sample_weight is None:
        return None
    w = _to_numpy(sample_weight)
    if w.ndim == 0:
        w = np.full(n_samples, w.item(), dtype=np.result_type(w.dtype, np.float64))
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"{fname}: sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {w.shape}"
        )
    if w.dtype.kind not in "biuf":
        raise ValueError(f"{fname}: sample_weight must be numeric; got dtype {w.dtype}")
    if not allow_all_zero and not np.any(w):
        raise ValueError(
            f"{fname}: Sample weights must contain at least one non-zero number."
        )
    return w


def check_targets(fname, y_true, y_pred, sample_weight=None):
    """Check that y_true and y_pred describe the same classification task and encode them.

    Args:
        fname: calling function's name, for error messages.
        y_true, y_pred: labels (1-D) or multilabel indicators (2-D 0/1), as lists,
            arrays or tensors.
        sample_weight: optional per-sample weights.

    Returns:
        Targets. Raises ValueError for different lengths, empty input, a mix of
        target types, string and number labels mixed, or unsupported types.
    """
    yt = _as_array(fname, "y_true", y_true)
    yp = _as_array(fname, "y_pred", y_pred)
    if yt.ndim == 0 or yp.ndim == 0:
        raise ValueError(
            f"{fname}: y_true and y_pred must be 1-D label arrays or 2-D indicator "
            f"arrays; got shapes {yt.shape} and {yp.shape}"
        )
    if yt.shape[0] != yp.shape[0]:
        raise ValueError(
            f"{fname}: y_true and y_pred must have the same number of samples; "
            f"got {yt.shape[0]} and {yp.shape[0]}"
        )
    if yt.shape[0] == 0:
        raise ValueError(f"{fname}: got empty y_true and y_pred; at least 1 sample is required")
    weight = check_sample_weight(fname, sample_weight, yt.shape[0])

    # Binary or multiclass is settled after encoding; count classes here only
    # when an error message needs the exact type.
    type_true = type_of_target(fname, "y_true", yt, count_classes=False)
    type_pred = type_of_target(fname, "y_pred", yp, count_classes=False)
    if len({type_true, type_pred}) > 1 and "labels" in (type_true, type_pred):
        type_true = type_of_target(fname, "y_true", yt)
        type_pred = type_of_target(fname, "y_pred", yp)
    y_types = {type_true, type_pred}
    if y_types == {"binary", "multiclass"}:
        y_types = {"multiclass"}
    if len(y_types) > 1:
        raise ValueError(
            f"{fname}: Classification metrics can't handle a mix of {type_true} and "
            f"{type_pred} targets"
        )
    y_type = y_types.pop()
    if y_type not in ("labels", "multilabel-indicator"):
        raise ValueError(f"{fname}: {y_type} is not supported")

    if y_type == "multilabel-indicator":
        if yt.shape[1] != yp.shape[1]:
            raise ValueError(
                f"{fname}: Multi-label binary indicator input with different numbers "
                f"of labels: y_true has {yt.shape[1]} columns, y_pred {yp.shape[1]}"
            )
        return Targets(y_type, np.arange(yt.shape[1]), yt, yp, weight)

    if _is_string_array(yt) != _is_string_array(yp):
        raise ValueError(
            f"{fname}: Mix of label input types (string and number); "
            f"Got {np.unique(yt)} and {np.unique(yp)}."
        )
    try:
        classes, codes_true, codes_pred = _encode(yt, yp)
    except TypeError:
        raise ValueError(f"{fname}: Mix of label input types (string and number)") from None
    y_type = "multiclass" if classes.shape[0] > 2 else "binary"
    return Targets(y_type, classes, codes_true, codes_pred, weight)


def lookup_labels(fname, classes, labels):
    """Find each of ``labels`` in sorted ``classes``.

    Returns:
        (index, found): int index into classes (valid only where found) and a bool mask.
    """
    labels = _to_numpy(labels)
    if labels.ndim != 1:
        raise ValueError(f"{fname}: labels must be 1-D; got shape {labels.shape}")
    if labels.size and _is_string_array(labels) != _is_string_array(classes):
        raise ValueError(
            f"{fname}: labels {labels} and the data's labels {classes} mix strings and numbers"
        )
    if classes.shape[0] == 0 or labels.shape[0] == 0:
        return np.zeros(labels.shape[0], dtype=np.intp), np.zeros(labels.shape[0], dtype=bool)
    index = np.searchsorted(classes, labels)
    clipped = np.minimum(index, classes.shape[0] - 1)
    return clipped, classes[clipped] == labels


def check_zero_division(fname, zero_division):
    """Return the value that replaces 0/0 ("warn" acts as 0); reject anything else."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
    elif isinstance(zero_division, (int, float, np.number)) and not isinstance(
        zero_division, bool
    ):
        if np.isnan(zero_division):
            return np.nan
        if zero_division in (0, 1):
            return float(zero_division)
    raise ValueError(
        f"{fname}: zero_division must be 'warn', 0, 1 or np.nan; got {zero_division!r}"
    )


def check_average(fname, average):
    """Reject an unknown ``average`` with a message naming the valid ones."""
    options = AVERAGE_OPTIONS + ("binary",)
    if average not in options:
        raise ValueError(f"{fname}: average has to be one of {options}; got {average!r}")


def check_set_wise_labels(fname, targets, average, labels, pos_label):
    """Resolve which labels a precision/recall/F metric scores, as scikit-learn does.

    Returns:
        The labels to score (``[pos_label]`` for average="binary"), or None for all.
    """
    check_average(fname, average)
    if average == "binary":
        if targets.y_type == "binary":
            present = targets.classes
            if not np.any(present == pos_label) and present.shape[0] >= 2:
                raise ValueError(
                    f"{fname}: pos_label={pos_label} is not a valid label. It "
                    f"should be one of {present}"
                )
            return [pos_label]
        options = list(AVERAGE_OPTIONS)
        if targets.y_type == "multiclass":
            options.remove("samples")
        raise ValueError(
            f"{fname}: Target is {targets.y_type} but average='binary'. Please choose "
            f"another average setting, one of {options!r}."
        )
    if pos_label not in (None, 1):
        warnings.warn(
            "Note that pos_label (set to %r) is ignored when average != 'binary' "
            "(got %r). You may use labels=[pos_label] to specify a single positive "
            "class." % (pos_label, average),
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    return labels
