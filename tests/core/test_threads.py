"""Thread control: chainrule.set_num_threads and friends, through NumPy's OpenBLAS."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import _threads
from chainrule import _parallel


@pytest.fixture
def restore_threads():
    before = cr.get_num_threads()
    yield
    _threads.set_blas_threads(before)
    _parallel.set_threads(None)


def test_found_in_numpys_openblas():
    # NumPy's wheels bundle OpenBLAS; if this fails the lookup names need updating
    assert _threads.blas_available
    info = _threads.blas_info()
    assert info["corename"] and "OpenBLAS" in info["config"]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_num_threads_round_trips(restore_threads, n):
    cr.set_num_threads(n)
    assert cr.get_num_threads() == n
    assert _threads._get() == n          # OpenBLAS itself sees it
    assert _parallel.num_threads() == n  # and so do the optimizers


def test_products_still_right_on_one_thread(restore_threads):
    a = np.random.default_rng(0).standard_normal((300, 200))
    expected = a @ a.T
    cr.set_num_threads(1)
    np.testing.assert_allclose(a @ a.T, expected, rtol=1e-12, atol=1e-12)


def test_blas_threads_caps_then_restores(restore_threads):
    cr.set_num_threads(2)
    with _threads.blas_threads(1):
        assert cr.get_num_threads() == 1
    assert cr.get_num_threads() == 2
    with pytest.raises(RuntimeError), _threads.blas_threads(1):
        raise RuntimeError("restored even on error")
    assert cr.get_num_threads() == 2


def test_fallback_without_openblas_symbols(monkeypatch):
    monkeypatch.setattr(_threads, "_set", None)
    monkeypatch.setattr(_threads, "_get", None)
    monkeypatch.setattr(_threads, "blas_available", False)
    monkeypatch.setitem(_threads._requested, "blas", None)
    assert cr.get_num_threads() == 1
    cr.set_num_threads(3)
    try:
        assert cr.get_num_threads() == 3     # remembered
        with _threads.blas_threads(1):       # and a no-op cap
            assert cr.get_num_threads() == 3
        assert _threads.blas_info()["threads"] is None
    finally:
        _parallel.set_threads(None)


def test_interop_threads(monkeypatch):
    monkeypatch.setitem(_threads._requested, "interop", 1)
    assert cr.get_num_interop_threads() == 1
    cr.set_num_interop_threads(4)
    assert cr.get_num_interop_threads() == 4


@pytest.mark.parametrize("fn", ["set_num_threads", "set_num_interop_threads"])
def test_bad_count_names_the_call(fn):
    with pytest.raises(ValueError, match=fn):
        getattr(cr, fn)(0)


def test_torch_names_agree(torch):
    for name in ("set_num_threads", "get_num_threads", "set_num_interop_threads",
                 "get_num_interop_threads"):
        assert callable(getattr(cr, name)) and callable(getattr(torch, name))
