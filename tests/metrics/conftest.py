"""Helpers for the metrics tests: seeded random cases, side-by-side runs with scikit-learn."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")


class FakeTensor:
    """Stands in for a chainrule Tensor: just detach(), numpy() and __array__."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def detach(self):
        return self

    def numpy(self):
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)


def _random_labels(rng):
    """Class set for one case: ints, strings or integral floats, sometimes non-contiguous."""
    k = int(rng.integers(2, 6))
    style = rng.choice(["int", "int_sparse", "str", "float", "negative"])
    if style == "int":
        return np.arange(k)
    if style == "int_sparse":
        return np.sort(rng.choice(np.arange(-3, 40), size=k, replace=False))
    if style == "negative":
        return np.arange(-k, 0) * 1000
    if style == "float":
        return np.arange(k).astype(np.float64)
    return np.array(["cat", "dog", "ant", "bee", "eel"][:k])


def random_case(rng):
    """One randomized classification problem with the arguments the metrics take."""
    n = int(rng.integers(1, 40))
    average = rng.choice(np.array(["binary", "micro", "macro", "weighted", "samples", None],
                                  dtype=object))
    # Mostly pick data the average suits, but keep some mismatches to test the errors.
    multilabel = rng.random() < (0.8 if average == "samples" else 0.2)
    binary = rng.random() < (0.8 if average == "binary" else 0.3)
    if multilabel:
        n_labels = int(rng.integers(2, 6))
        density = rng.uniform(0.0, 1.0)
        y_true = (rng.random((n, n_labels)) < density).astype(int)
        y_pred = (rng.random((n, n_labels)) < density).astype(int)
        if rng.random() < 0.2:
            y_pred[:] = 0
        if rng.random() < 0.2:
            y_true[:, rng.integers(n_labels)] = 0
        classes = np.arange(n_labels)
        absent = np.array([], dtype=int)
    else:
        classes = _random_labels(rng)
        if binary:
            classes = classes[:2]
        y_true = rng.choice(classes, size=n)
        y_pred = rng.choice(classes, size=n)
        # Predictions that are correct more often than chance, as real classifiers are.
        mask = rng.random(n) < rng.uniform(0, 0.8)
        y_pred[mask] = y_true[mask]
        roll = rng.random()
        if roll < 0.15:
            y_pred[:] = y_pred[0]  # degenerate: one predicted class
        elif roll < 0.25:
            y_true[:] = y_true[0]  # degenerate: one true class
        elif roll < 0.3:
            y_pred = y_true.copy()  # perfect
        if classes.dtype.kind == "U":
            absent = np.array(["zzz", "aaa"])
        elif classes.dtype.kind == "f":
            absent = np.array([17.0, -1.0])
        else:
            absent = np.array([99, -99])
    labels = None
    if rng.random() < 0.4:
        pool = np.concatenate([classes, absent]) if absent.size else classes
        size = int(rng.integers(1, pool.shape[0] + 1))
        labels = rng.choice(pool, size=size, replace=False)
    sample_weight = None
    roll = rng.random()
    if roll < 0.2:
        sample_weight = rng.random(n)
    elif roll < 0.35:
        sample_weight = rng.integers(0, 4, size=n)
    pos_label = 1
    if not multilabel and rng.random() < 0.6:
        pool = np.concatenate([classes, absent]) if rng.random() < 0.2 else classes
        pos_label = rng.choice(pool).item()
    zero_division = ["warn", 0, 1, np.nan, 0.0, 1.0][int(rng.integers(6))]
    return dict(
        y_true=y_true,
        y_pred=y_pred,
        labels=labels,
        sample_weight=sample_weight,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def run_both(ours, theirs, args, kwargs, wrap=False):
    """Call ours and scikit-learn's on the same arguments; record results, errors and warnings.

    Returns:
        ((result, error, warnings) for ours, the same for scikit-learn). Warnings
        are (category name, message) pairs of UserWarning subclasses, in order.
    """
    out = []
    for fn, wrap_inputs in ((ours, wrap), (theirs, False)):
        call_args = [FakeTensor(a) if wrap_inputs else a for a in args]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result, error = fn(*call_args, **kwargs), None
            except (ValueError, TypeError, ZeroDivisionError) as e:
                result, error = None, e
        seen = [(w.category.__name__, str(w.message)) for w in caught
                if issubclass(w.category, UserWarning)]
        out.append((result, error, seen))
    return out


def assert_same_value(ours, theirs, exact_dtype=True):
    """Equal floats/arrays (NaN equal to NaN), same container types, tight tolerance."""
    if theirs is None:
        assert ours is None
        return
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_value(a, b, exact_dtype)
        return
    if isinstance(theirs, str):
        assert ours == theirs
        return
    if isinstance(theirs, float):
        assert isinstance(ours, float), (type(ours), ours)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)
        return
    theirs = np.asarray(theirs)
    assert isinstance(ours, np.ndarray), type(ours)
    assert ours.shape == theirs.shape
    if exact_dtype:
        assert ours.dtype.kind == theirs.dtype.kind, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15, equal_nan=True)


def assert_parity(ours, theirs, args, kwargs, wrap=False):
    """Same result, same warnings, and a ValueError exactly when scikit-learn raises one."""
    (r1, e1, w1), (r2, e2, w2) = run_both(ours, theirs, args, kwargs, wrap)
    if e2 is not None:
        assert e1 is not None, f"scikit-learn raised {e2!r}, we returned {r1!r}"
        assert isinstance(e1, ValueError), repr(e1)
        assert str(e2) in str(e1), f"\nours:    {e1}\nsklearn: {e2}"
        return
    assert e1 is None, f"we raised {e1!r}, scikit-learn returned {r2!r}"
    assert_same_value(r1, r2)
    assert w1 == w2


@pytest.fixture
def case_maker():
    return random_case


@pytest.fixture
def parity():
    return assert_parity


@pytest.fixture
def fake_tensor():
    return FakeTensor
