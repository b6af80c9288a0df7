"""Streaming metrics: batches of labels, probabilities or logits give the whole-data result."""

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.metrics")

import chainrule.metrics as cm  # noqa: E402


def _batches(rng, n):
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(n - 1, int(rng.integers(0, 6))),
                              replace=False)) if n > 1 else []
    return np.split(np.arange(n), cuts)


def _random_scores(rng, y_true, num_classes, form):
    """Predictions in one of the accepted forms, plus the labels they stand for."""
    n = y_true.shape[0]
    logits = rng.normal(size=(n, num_classes))
    logits[np.arange(n), y_true] += rng.uniform(0, 3)  # better than chance
    labels = np.argmax(logits, axis=1)
    if form == "labels":
        return labels, labels
    if form == "logits":
        return logits, labels
    if form == "probs":
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True), labels
    # Binary forms: one score per sample for the positive class.
    z = logits[:, 1] - logits[:, 0]
    if form == "binary_logits":
        return 3 * z, (z > 0).astype(int)  # scaled so values leave [0, 1]
    p = 1 / (1 + np.exp(-z))
    return p, (p > 0.3).astype(int)  # threshold=0.3 in this form


def _check_stream(metric, ours, expected):
    if isinstance(expected, float):
        assert isinstance(ours, float)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("seed", range(6))
def test_streaming_equals_whole_data(seed, fake_tensor):
    rng = np.random.default_rng(4000 + seed)
    for trial in range(40):
        num_classes = int(rng.integers(2, 6))
        n = int(rng.integers(1, 60))
        y_true = rng.integers(0, num_classes, size=n)
        if rng.random() < 0.2:
            y_true[:] = 0
        forms = ["labels", "logits", "probs"]
        if num_classes == 2:
            forms += ["binary_logits", "binary_probs"]
        form = forms[trial % len(forms)]
        preds, pred_labels = _random_scores(rng, y_true, num_classes, form)
        threshold = 0.3 if form == "binary_probs" else 0.5
        weight = rng.random(n) if rng.random() < 0.3 else None
        averages = ["micro", "macro", "weighted", None] + (["binary"] if num_classes == 2 else [])
        average = averages[int(rng.integers(len(averages)))]
        zero_division = ["warn", 0, 1, np.nan][int(rng.integers(4))]
        labels = None
        if average != "binary" and rng.random() < 0.3:
            labels = rng.choice(num_classes, size=int(rng.integers(1, num_classes + 1)),
                                replace=False)
        common = dict(average=average, labels=labels, zero_division=zero_division)
        beta = float(rng.choice([0.5, 1.0, 2.0]))
        metrics = {
            "precision": (cm.Precision(num_classes, threshold=threshold, **common),
                          lambda: sk.precision_score(y_true, pred_labels, sample_weight=weight,
                                                     **common)),
            "recall": (cm.Recall(num_classes, threshold=threshold, **common),
                       lambda: sk.recall_score(y_true, pred_labels, sample_weight=weight,
                                               **common)),
            "f1": (cm.F1Score(num_classes, threshold=threshold, **common),
                   lambda: sk.f1_score(y_true, pred_labels, sample_weight=weight, **common)),
            "fbeta": (cm.FBetaScore(beta, num_classes, threshold=threshold, **common),
                      lambda: sk.fbeta_score(y_true, pred_labels, beta=beta,
                                             sample_weight=weight, **common)),
            "accuracy": (cm.Accuracy(num_classes, threshold=threshold),
                         lambda: sk.accuracy_score(y_true, pred_labels, sample_weight=weight)),
            "confusion": (cm.ConfusionMatrix(num_classes, threshold=threshold,
                                             normalize=[None, "true", "pred", "all"][trial % 4]),
                          None),
        }
        wrap = fake_tensor if trial % 3 == 0 else (lambda a: a)
        for idx in _batches(rng, n):
            for metric, _ in metrics.values():
                w = None if weight is None else weight[idx]
                metric.update(wrap(preds[idx]), wrap(y_true[idx]), sample_weight=w)
        for name, (metric, whole) in metrics.items():
            if name == "confusion":
                whole = lambda m=metric: sk.confusion_matrix(  # noqa: E731
                    y_true, pred_labels, labels=np.arange(num_classes),
                    sample_weight=weight, normalize=m.normalize)
            with warnings.catch_warnings(record=True) as ours_w:
                warnings.simplefilter("always")
                try:
                    ours = metric.compute()
                except ValueError as e:
                    ours = e
            with warnings.catch_warnings(record=True) as their_w:
                warnings.simplefilter("always")
                try:
                    expected = whole()
                except ValueError as e:
                    expected = e
            if isinstance(expected, Exception):
                # Only all-zero weights make scikit-learn refuse data we accepted batch by batch.
                assert weight is not None and not np.any(weight), expected
                continue
            _check_stream(name, ours, expected)
            assert [str(w.message) for w in ours_w if issubclass(w.category, UserWarning)] == [
                str(w.message) for w in their_w if issubclass(w.category, UserWarning)
                and "single label" not in str(w.message)
            ]
            metric.reset()
            with pytest.raises(ValueError, match="update"):
                metric.compute()


def test_binary_threshold_rule():
    # Probabilities (all in [0, 1]) are cut at threshold; logits at logit(threshold).
    m = cm.Accuracy(threshold=0.5)
    m.update(np.array([0.2, 0.5, 0.51, 0.9]), np.array([0, 0, 1, 1]))
    assert m.compute() == 1.0  # 0.5 is not > 0.5
    m = cm.Accuracy(threshold=0.5)
    m.update(np.array([-3.0, 0.0, 0.2, 4.0]), np.array([0, 0, 1, 1]))
    assert m.compute() == 1.0  # logits: sigmoid(0) = 0.5 is not > 0.5
    m = cm.Recall(threshold=0.8)
    m.update(np.array([-1.0, 1.0, 1.5]), np.array([1, 1, 1]))
    # logit(0.8) = 1.386..., so only 1.5 is positive
    assert m.compute() == pytest.approx(1 / 3)


def test_column_logits_and_float_targets():
    f1 = cm.F1Score()
    logits = np.array([[2.0], [-1.0], [0.3], [-0.2]])
    target = np.array([[1.0], [0.0], [0.0], [1.0]])  # BCE-style float targets
    f1.update(logits, target)
    assert f1.compute() == pytest.approx(sk.f1_score([1, 0, 0, 1], [1, 0, 1, 0]))


def test_torch_tensors_with_grad():
    torch = pytest.importorskip("torch")
    logits = torch.randn(50, 4, requires_grad=True)
    target = torch.randint(0, 4, (50,))
    m = cm.F1Score(4, average="macro")
    m.update(logits, target)
    expected = sk.f1_score(target.numpy(), logits.argmax(1).numpy(), average="macro",
                           zero_division="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert m.compute() == pytest.approx(expected, rel=1e-12)


def test_streaming_errors_name_the_class_and_the_problem():
    with pytest.raises(ValueError, match=r"F1Score: Target is multiclass .*average='binary'"):
        cm.F1Score(num_classes=3)
    with pytest.raises(ValueError, match=r"Precision: average has to be one of"):
        cm.Precision(average="mean")
    with pytest.raises(ValueError, match=r"Recall: average='samples' needs multilabel"):
        cm.Recall(3, average="samples")
    m = cm.F1Score(3, average="macro")
    with pytest.raises(ValueError, match=r"F1Score.update: target labels must lie in \[0, 3\)"):
        m.update(np.array([0, 1]), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"F1Score.update: 2-D preds must have shape \(N, "
                                         r"num_classes=3\); got \(2, 4\)"):
        m.update(np.zeros((2, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"1-D floating preds are binary scores but "
                                         r"num_classes=3"):
        m.update(np.array([0.1, 0.9]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"same number of samples; got 3 and 2"):
        m.update(np.array([0, 1, 2]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"ConfusionMatrix: num_classes must be an int >= 2"):
        cm.ConfusionMatrix(1)
    with pytest.raises(ValueError, match=r"Accuracy.compute: no samples"):
        cm.Accuracy().compute()
