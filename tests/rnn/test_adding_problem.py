"""chainrule.datasets.adding_problem: shapes, markers, targets, seeding, the 1/6 baseline, and
that a small LSTM beats the baseline where it has to remember across the sequence."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.datasets import adding_problem


def test_shapes_markers_and_targets():
    x, y = adding_problem(64, 10, seed=0)
    assert x.shape == (64, 10, 2) and y.shape == (64, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    values, marks = x.data[..., 0], x.data[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (marks.sum(1) == 2).all() and set(np.unique(marks)) == {0.0, 1.0}
    assert (marks[:, :5].sum(1) == 1).all() and (marks[:, 5:].sum(1) == 1).all()
    np.testing.assert_allclose(y.data[:, 0], (values * marks).sum(1), rtol=1e-6)


def test_seeding():
    a, b = adding_problem(8, 6, seed=3), adding_problem(8, 6, seed=3)
    np.testing.assert_array_equal(a[0].data, b[0].data)
    assert not np.array_equal(a[0].data, adding_problem(8, 6, seed=4)[0].data)
    cr.manual_seed(1)
    c = adding_problem(8, 6)
    cr.manual_seed(1)
    np.testing.assert_array_equal(c[0].data, adding_problem(8, 6)[0].data)


def test_answering_one_scores_one_sixth():
    _, y = adding_problem(200_000, 4, seed=0)
    assert abs(((y.data - 1) ** 2).mean() - 1 / 6) < 3e-3


def test_errors():
    with pytest.raises(ValueError, match="adding_problem: seq_len must be an integer >= 2"):
        adding_problem(4, 1)
    with pytest.raises(ValueError, match="adding_problem: n must be a non-negative integer"):
        adding_problem(-1, 5)


def test_example_lstm_beats_the_baseline():
    """The example's model on a short version of the task (kept small for test time)."""
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parents[2] / "examples" / "adding_problem.py"
    spec = importlib.util.spec_from_file_location("adding_problem_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    results = example.main(["--seq-len", "10", "--epochs", "10", "--train-size", "1000",
                            "--test-size", "200", "--batch-size", "20"])
    assert results["LSTM"] < 0.05 and results["GRU"] < 0.05
