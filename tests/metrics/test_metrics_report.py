"""classification_report: text identical to scikit-learn's, dict equal, same warnings."""

import math
import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.metrics")

import chainrule.metrics as cm  # noqa: E402


def _dict_equal(ours, theirs):
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        if isinstance(value, dict):
            _dict_equal(ours[key], value)
        else:
            assert type(ours[key]) is type(value), (key, ours[key], value)
            assert (math.isnan(value) and math.isnan(ours[key])) or ours[key] == pytest.approx(
                value, rel=1e-12, abs=0
            ), (key, ours[key], value)


@pytest.mark.parametrize("block", range(4))
def test_report_text_and_dict_match_sklearn(block, case_maker, parity):
    rng = np.random.default_rng(3000 + block)
    for i in range(50):
        case = case_maker(rng)
        kw = dict(labels=case["labels"], sample_weight=case["sample_weight"],
                  zero_division=case["zero_division"], digits=int(rng.integers(0, 6)))
        n_names = len(case["labels"]) if case["labels"] is not None else None
        if n_names and rng.random() < 0.5:
            kw["target_names"] = [f"class-{j}" * int(rng.integers(1, 4)) for j in range(n_names)]
        args = (case["y_true"], case["y_pred"])
        wrap = bool(i % 4 == 0)
        # Text: compared as strings by the parity helper (exact equality).
        parity(cm.classification_report, _text_report, args, kw, wrap)
        ours = _catch(cm.classification_report, *args, output_dict=True, **kw)
        theirs = _catch(sk.classification_report, *args, output_dict=True, **kw)
        if isinstance(theirs, Exception):
            assert isinstance(ours, ValueError)
        else:
            _dict_equal(ours, theirs)


def _text_report(*args, **kwargs):
    return sk.classification_report(*args, **kwargs)


def _catch(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            return e


def test_report_strings_and_target_names_exact():
    y_true = ["cat", "dog", "dog", "bird", "cat", "cat"]
    y_pred = ["cat", "cat", "dog", "bird", "bird", "cat"]
    for digits in (0, 2, 4):
        assert cm.classification_report(y_true, y_pred, digits=digits) == (
            sk.classification_report(y_true, y_pred, digits=digits)
        )
    names = ["a very long bird name", "cat", "dog"]
    assert cm.classification_report(y_true, y_pred, target_names=names) == (
        sk.classification_report(y_true, y_pred, target_names=names)
    )


def test_report_multilabel_has_samples_avg():
    y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]])
    text = cm.classification_report(y_true, y_pred, zero_division=0)
    assert "samples avg" in text
    assert text == sk.classification_report(y_true, y_pred, zero_division=0)


def test_report_warns_like_sklearn(parity):
    # Class 2 is never predicted and class 3 never true.
    args = ([0, 1, 2, 2], [0, 1, 1, 3])
    parity(cm.classification_report, sk.classification_report, args, {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cm.classification_report(*args)
    assert caught and all(w.category is cm.UndefinedMetricWarning for w in caught)
    # F1 stays defined: each label has a true or a predicted sample.
    assert {str(w.message).split(" is ")[0] for w in caught} == {"Precision", "Recall"}


def test_target_names_mismatch():
    with pytest.raises(ValueError, match="classification_report: Number of classes, 2"):
        cm.classification_report([0, 1], [0, 1], target_names=["a", "b", "c"])
    with pytest.warns(UserWarning, match="labels size, 2, does not match size of target_names"):
        cm.classification_report([0, 1], [0, 1], labels=[0, 1], target_names=["a"])
