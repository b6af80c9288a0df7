"""The thread split behind the optimizers' updates: every element updated exactly once, errors
reach the caller, and non-contiguous arrays fall back to one thread."""
import numpy as np
import pytest

from chainrule.optim import _parallel


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
    assert _autotune.tuner(("optim", _add_one, a.size, 1)).best in (0, 1)
