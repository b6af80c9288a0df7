"""_autotune: the fastest option is kept once every option was tried."""
import time

import pytest

from chainrule import _autotune, _threads


def test_fastest_keeps_the_quickest_option(monkeypatch):
    monkeypatch.setattr(_autotune, "FORCE", None)
    choice = _autotune.Fastest(3)
    tried = []
    for _ in range(3 * _autotune.TRIALS):
        k = choice.option()
        tried.append(k)
        choice.record(k, {0: 3.0, 1: 1.0, 2: 2.0}[k] + 0.01 * len(tried))
    assert sorted(set(tried)) == [0, 1, 2]
    assert choice.best == 1 and choice.option() == 1
    choice.record(0, 0.0)  # decided: later times change nothing
    assert choice.option() == 1


def test_force_overrides(monkeypatch):
    monkeypatch.setattr(_autotune, "FORCE", 0)
    choice = _autotune.Fastest(2)
    choice.best = 1
    assert choice.option() == 0


@pytest.mark.skipif(not _threads.blas_available, reason="needs NumPy's OpenBLAS")
def test_step_threads_caps_and_restores(monkeypatch):
    monkeypatch.setattr(_autotune, "FORCE", None)
    before = _threads.get_blas_threads()
    _threads.set_blas_threads(2)
    try:
        key = ("test", time.monotonic())
        seen = []
        for _ in range(2 * _autotune.TRIALS):
            with _autotune.step_threads(key) as s:
                seen.append((s.option, _threads.get_blas_threads()))
            assert _threads.get_blas_threads() == 2
        assert (0, 1) in seen and (1, 2) in seen
        assert _autotune.tuner(key).best in (0, 1)
    finally:
        _threads.set_blas_threads(before)


def test_fastest_returns_each_ways_result_then_keeps_one(monkeypatch):
    monkeypatch.setattr(_autotune, "FORCE", None)
    key = ("test fastest", time.monotonic())
    calls = []

    def slow():
        calls.append("slow")
        time.sleep(0.002)
        return 1

    def quick():
        calls.append("quick")
        return 1

    for _ in range(2 * _autotune.TRIALS + 3):
        assert _autotune.fastest(key, slow, quick) == 1
    assert set(calls[:2 * _autotune.TRIALS]) == {"slow", "quick"}
    assert calls[-3:] == ["quick"] * 3
