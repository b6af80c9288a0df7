"""The thread split behind the optimizers' updates: every element updated exactly once, errors
reach the caller, and non-contiguous arrays fall back to one thread."""
import numpy as np
import pytest

from chainrule import _parallel


def _add_one(a, scale):
    a += scale


@pytest.mark.parametrize("threads", ["1", "2", "5"])
def test_every_element_is_updated_once(threads, monkeypatch):
    monkeypatch.setenv("CHAINRULE_NUM_THREADS", threads)
    arrays = [np.zeros((300, 700)), np.zeros(5), np.zeros((2, 3, 40000))]
    strided = np.zeros((400, 400))[:, ::2]  # not contiguous: updated whole, on one thread
    _parallel.run(_add_one, [((a,), (1.0,)) for a in arrays + [strided]])
    for a in arrays + [strided]:
        np.testing.assert_array_equal(a, 1.0)


def test_kernel_errors_reach_the_caller(monkeypatch):
    monkeypatch.setenv("CHAINRULE_NUM_THREADS", "3")

    def fail(a):
        raise FloatingPointError("boom")

    with pytest.raises(FloatingPointError, match="boom"):
        _parallel.run(fail, [((np.zeros(1 << 19),), ())])


def test_thread_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CHAINRULE_NUM_THREADS", "3")
    assert _parallel.num_threads() == 3
    monkeypatch.setenv("CHAINRULE_NUM_THREADS", "auto")
    assert _parallel.num_threads() >= 1
    monkeypatch.delenv("CHAINRULE_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # sizes the BLAS pools, not the updates
    assert _parallel.num_threads() is None     # measured


def test_measured_choice_updates_every_element_once(monkeypatch):
    from chainrule import _autotune
    monkeypatch.delenv("CHAINRULE_NUM_THREADS", raising=False)
    monkeypatch.setattr(_autotune, "FORCE", None)
    a = np.zeros(3 * _parallel.MIN_PIECE + 7)
    for step in range(1, 2 * _autotune.TRIALS + 2):   # both options tried, then one kept
        _parallel.run(_add_one, [((a,), (1.0,))])
        np.testing.assert_array_equal(a, step)
    assert _autotune.tuner(("threads", _add_one, a.size, 1)).best in (0, 1)


def _scale_rows(a, factor, out, by):
    # a kernel that is wrong unless every block holds whole rows: each row scaled by its sum
    np.multiply(a, a.sum(axis=1, keepdims=True) * by, out=out)
    factor[...] = a.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_run_rows_cuts_whole_rows(threads):
    a = np.random.default_rng(0).standard_normal((1001, 257))
    out, factor = np.empty_like(a), np.empty((1001, 1))
    _parallel.set_threads(threads)
    try:
        _parallel.run_rows(_scale_rows, [a, factor, out], 2.0)
    finally:
        _parallel.set_threads(None)
    np.testing.assert_allclose(out, a * a.sum(axis=1, keepdims=True) * 2.0)
    np.testing.assert_allclose(factor, a.sum(axis=1, keepdims=True))
