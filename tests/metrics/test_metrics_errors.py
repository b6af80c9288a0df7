"""Errors name the function, what was expected and what arrived; warnings follow scikit-learn."""

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.metrics")

import chainrule.metrics as cm  # noqa: E402

# (function name, args, kwargs): inputs that scikit-learn rejects with a ValueError.
BAD_CALLS = [
    ("f1_score", ([0, 1, 2], [0, 1, 2]), {}),  # binary average on multiclass
    ("precision_score", ([[0, 1], [1, 1]], [[0, 1], [1, 0]]), {}),  # binary on multilabel
    ("recall_score", (["a", "b", "a"], ["a", "a", "b"]), {}),  # pos_label=1 absent
    ("f1_score", ([0, 1, 1], [0, 1, 1]), {"pos_label": 2}),
    ("f1_score", ([[0, 1], [1, 1]], [0, 1]), {"average": "macro"}),  # multilabel + binary
    ("f1_score", ([[0, 1], [1, 1], [1, 0]], [0, 1, 2]), {"average": "macro"}),
    ("f1_score", ([0, 1, 2], [[0, 1], [1, 1], [1, 0]]), {"average": "macro"}),
    ("f1_score", ([0, 1, 1], [0, 1, 0]), {"average": "samples"}),
    ("f1_score", (["a", "b"], [0, 1]), {"average": "macro"}),  # strings and numbers
    ("f1_score", ([0.5, 1.0, 0.0], [0, 1, 0]), {}),  # continuous
    ("f1_score", ([[0, 1], [1, 0]], [[0, 1], [1, 0]]), {"average": "macro", "labels": [3]}),
    ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [0, 0]}),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": [5, 6]}),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": []}),
    ("confusion_matrix", ([[0, 1], [1, 1]], [[0, 1], [1, 0]]), {}),
    ("precision_recall_fscore_support", ([0, 1, 2], [0, 2, 1]), {"average": "binary"}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD_CALLS)
def test_errors_contain_sklearns_message_and_name_the_function(name, args, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(sk, name)(*args, **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(cm, name)(*args, **kwargs)
    assert str(ours.value).startswith(f"{name}: ")
    assert str(theirs.value) in str(ours.value)


def test_binary_on_multiclass_message_is_sklearns():
    msg = ("f1_score: Target is multiclass but average='binary'. Please choose another "
           "average setting, one of [None, 'micro', 'macro', 'weighted'].")
    with pytest.raises(ValueError) as e:
        cm.f1_score([0, 1, 2], [0, 2, 1])
    assert str(e.value) == msg


def test_mismatched_lengths():
    with pytest.raises(ValueError, match=r"^f1_score: y_true and y_pred must have the same "
                                         r"number of samples; got 3 and 2$"):
        cm.f1_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"accuracy_score: sample_weight must have shape "
                                         r"\(2,\), one weight per sample; got shape \(3,\)"):
        cm.accuracy_score([0, 1], [0, 1], sample_weight=[1, 1, 1])


def test_unknown_average_and_options():
    with pytest.raises(ValueError, match=r"^precision_score: average has to be one of "
                                         r"\(None, 'micro', 'macro', 'weighted', 'samples', "
                                         r"'binary'\); got 'mean'$"):
        cm.precision_score([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match=r"f1_score: zero_division must be 'warn', 0, 1 or "
                                         r"np.nan; got 0.5"):
        cm.f1_score([0, 1], [0, 1], zero_division=0.5)
    with pytest.raises(ValueError, match=r"fbeta_score: beta must be >= 0; got -1"):
        cm.fbeta_score([0, 1], [0, 1], beta=-1)
    with pytest.raises(ValueError, match=r"confusion_matrix: normalize must be one of"):
        cm.confusion_matrix([0, 1], [0, 1], normalize="rows")


def test_pos_label_not_present():
    with pytest.raises(ValueError, match=r"recall_score: pos_label=cat is not a valid label. "
                                         r"It should be one of \['ant' 'bee'\]"):
        cm.recall_score(["ant", "bee"], ["bee", "ant"], pos_label="cat")


def test_mix_of_multilabel_and_multiclass():
    with pytest.raises(ValueError, match=r"f1_score: Classification metrics can't handle a mix "
                                         r"of multilabel-indicator and multiclass targets"):
        cm.f1_score(np.eye(3, dtype=int), [0, 1, 2], average="micro")


def test_empty_input():
    with pytest.raises(ValueError, match=r"accuracy_score: got empty y_true and y_pred"):
        cm.accuracy_score([], [])


WARNING_CALLS = [
    ("precision_score", ([0, 1, 1], [0, 0, 0]), {}),
    ("recall_score", ([0, 0, 0], [0, 1, 1]), {}),
    ("f1_score", ([0, 0, 0], [0, 0, 0]), {}),
    ("f1_score", ([0, 1, 2], [0, 1, 1]), {"average": "macro"}),
    ("f1_score", ([0, 1, 2], [0, 1, 1]), {"average": "macro", "labels": [0, 1, 5]}),
    ("precision_score", ([[0, 1], [1, 0]], [[0, 0], [1, 0]]), {"average": "samples"}),
    ("precision_score", ([[0, 1], [1, 0]], [[0, 0], [0, 0]]), {"average": "micro"}),
    ("recall_score", ([0, 1, 2], [0, 1, 1]), {"average": "weighted", "pos_label": 2}),
    ("confusion_matrix", ([3, 3], [3, 3]), {}),
    ("precision_recall_fscore_support", ([0, 1, 2], [0, 1, 1]), {}),
]


@pytest.mark.parametrize("name,args,kwargs", WARNING_CALLS)
@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
def test_warns_exactly_when_sklearn_warns(name, args, kwargs, zero_division):
    if name != "confusion_matrix":
        kwargs = dict(kwargs, zero_division=zero_division)
    records = []
    for module in (cm, sk):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(module, name)(*args, **kwargs)
        records.append([(w.category.__name__, str(w.message)) for w in caught
                        if issubclass(w.category, UserWarning)])
    assert records[0] == records[1]
    if any(category == "UndefinedMetricWarning" for category, _ in records[1]):
        with pytest.warns(cm.UndefinedMetricWarning):
            getattr(cm, name)(*args, **kwargs)


def test_explicit_zero_division_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for zd in (0, 1, np.nan):
            cm.f1_score([0, 0], [0, 0], zero_division=zd)
            cm.classification_report([0, 1, 2], [0, 0, 0], zero_division=zd)


def test_warning_points_at_the_callers_line():
    with pytest.warns(cm.UndefinedMetricWarning) as record:
        cm.precision_score([0, 1], [0, 0])
    assert record[0].filename == __file__
