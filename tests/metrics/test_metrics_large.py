"""A million labels: the vectorized paths (integer lookup table, string hashing, streaming
batches) agree with scikit-learn. Their speed is measured in benchmarks/metrics.py."""
import numpy as np
import pytest

sk = pytest.importorskip("sklearn.metrics")

import chainrule.metrics as cm  # noqa: E402


def test_f1_on_a_million_labels_matches_sklearn():
    rng = np.random.default_rng(0)
    n = 1_000_000
    y_true = rng.integers(0, 10, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, 10, size=n))
    expected = sk.f1_score(y_true, y_pred, average="macro")
    names = np.array([f"class_{i}" for i in range(10)])  # sorts as the integers do
    for y_t, y_p in ((y_true, y_pred), (names[y_true], names[y_pred])):
        assert cm.f1_score(y_t, y_p, average="macro") == pytest.approx(expected, rel=1e-12)


def test_streaming_a_million_labels_in_batches_matches_sklearn():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(1_000_000, 10)).astype(np.float32)
    target = rng.integers(0, 10, size=1_000_000)
    metric = cm.F1Score(10, average="macro")
    for lo in range(0, 1_000_000, 10_000):
        metric.update(logits[lo:lo + 10_000], target[lo:lo + 10_000])
    assert metric.compute() == pytest.approx(
        sk.f1_score(target, logits.argmax(axis=1), average="macro"), rel=1e-12)
