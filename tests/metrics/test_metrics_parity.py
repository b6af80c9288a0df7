"""Randomized parity with scikit-learn: same values, same warnings, errors exactly when it errs."""

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.metrics")

import chainrule.metrics as cm  # noqa: E402

N_BLOCKS, PER_BLOCK = 12, 100  # 1200 seeded random cases for the set-wise metrics

SINGLE = {
    "precision_score": (cm.precision_score, sk.precision_score),
    "recall_score": (cm.recall_score, sk.recall_score),
    "f1_score": (cm.f1_score, sk.f1_score),
}


@pytest.mark.parametrize("block", range(N_BLOCKS))
def test_precision_recall_f_match_sklearn(block, case_maker, parity):
    rng = np.random.default_rng(1000 + block)
    for i in range(PER_BLOCK):
        case = case_maker(rng)
        args = (case.pop("y_true"), case.pop("y_pred"))
        wrap = bool(i % 3 == 0)  # every third case goes in as tensors
        beta = float(rng.choice([0.0, 0.5, 1.0, 2.0, np.inf]))
        parity(cm.precision_recall_fscore_support, sk.precision_recall_fscore_support,
               args, dict(case, beta=beta), wrap)
        name = ["precision_score", "recall_score", "f1_score"][i % 3]
        ours, theirs = SINGLE[name]
        parity(ours, theirs, args, case, wrap)
        parity(cm.fbeta_score, sk.fbeta_score, args, dict(case, beta=beta), wrap)


@pytest.mark.parametrize("block", range(4))
def test_accuracy_and_confusion_matrix_match_sklearn(block, case_maker, parity):
    rng = np.random.default_rng(2000 + block)
    for i in range(PER_BLOCK):
        case = case_maker(rng)
        args = (case["y_true"], case["y_pred"])
        wrap = bool(i % 2)
        normalize = bool(rng.random() < 0.7)
        parity(cm.accuracy_score, sk.accuracy_score, args,
               dict(normalize=normalize, sample_weight=case["sample_weight"]), wrap)
        norm = [None, "true", "pred", "all"][i % 4]
        parity(cm.confusion_matrix, sk.confusion_matrix, args,
               dict(labels=case["labels"], sample_weight=case["sample_weight"],
                    normalize=norm), wrap)


def test_every_average_and_zero_division_combination(parity):
    # The random cases cover these on average; this pins every pair on data where
    # every kind of 0/0 occurs (a label never predicted, a label never true).
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 3, 3, 0])
    ml_true = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0]])
    ml_pred = np.array([[1, 0, 0], [0, 0, 0], [0, 1, 0]])
    for zero_division in ["warn", 0, 1, np.nan]:
        for average in [None, "micro", "macro", "weighted", "samples", "binary"]:
            for yt, yp in ((y_true, y_pred), (ml_true, ml_pred), (y_true % 2, y_pred % 2)):
                for labels in (None, [2, 1, 7]):
                    kw = dict(average=average, zero_division=zero_division, labels=labels)
                    parity(cm.precision_recall_fscore_support,
                           sk.precision_recall_fscore_support, (yt, yp), kw)
                    for ours, theirs in SINGLE.values():
                        parity(ours, theirs, (yt, yp), kw)


def test_string_labels_and_pos_label(parity):
    y_true = ["spam", "ham", "ham", "spam", "ham"]
    y_pred = ["spam", "spam", "ham", "ham", "ham"]
    for average in ["binary", "macro", None]:
        kw = dict(pos_label="spam", average=average,
                  labels=None if average == "binary" else ["spam", "ham"])
        parity(cm.f1_score, sk.f1_score, (y_true, y_pred), kw)
    with pytest.warns(UserWarning, match=r"pos_label \(set to 'spam'\) is ignored"):
        cm.f1_score(y_true, y_pred, pos_label="spam", average="macro")


def test_multilabel_samples_with_weights_match_sklearn(parity):
    rng = np.random.default_rng(7)
    for _ in range(50):
        n, k = int(rng.integers(1, 20)), int(rng.integers(2, 6))
        y_true = (rng.random((n, k)) < 0.4).astype(int)
        y_pred = (rng.random((n, k)) < 0.4).astype(int)
        w = rng.integers(0, 3, size=n).astype(float)
        for average in ["samples", "micro", "weighted"]:
            kw = dict(average=average, sample_weight=w, zero_division="warn")
            parity(cm.precision_recall_fscore_support, sk.precision_recall_fscore_support,
                   (y_true, y_pred), kw)


def test_accepts_lists_arrays_and_torch_tensors():
    torch = pytest.importorskip("torch")
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 2, 1, 1]
    expected = sk.f1_score(y_true, y_pred, average="macro")
    for conv in (list, np.asarray, torch.tensor, lambda v: torch.tensor(v, dtype=torch.float32,
                                                                         requires_grad=True)):
        assert cm.f1_score(conv(y_true), conv(y_pred), average="macro") == pytest.approx(
            expected, rel=1e-12
        )


def test_column_vectors_are_flattened():
    y_true = np.array([[0], [1], [1]])
    y_pred = np.array([[0], [1], [0]])
    assert cm.recall_score(y_true, y_pred) == sk.recall_score(y_true, y_pred)
