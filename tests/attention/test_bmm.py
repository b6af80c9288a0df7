"""ops/_bmm.bmm: the same products as np.matmul (split over two threads or not), and the BLAS
thread count restored afterwards."""
import numpy as np
import pytest

from chainrule import _threads
from chainrule.ops import _bmm


@pytest.mark.parametrize("a_shape, b_shape", [((6, 64, 48), (6, 48, 64)),
                                              ((2, 3, 64, 40), (1, 3, 40, 64)),
                                              ((5, 64, 64), (64, 64)),
                                              ((2, 2, 3, 4), (2, 2, 4, 5)),
                                              # cut along a later axis, or flattened (odd)
                                              ((1, 4, 16, 8), (1, 4, 8, 16)),
                                              ((2, 1, 16, 8), (1, 3, 8, 16)),
                                              ((3, 5, 16, 8), (5, 8, 16))])
def test_bmm_matches_matmul(monkeypatch, rng, a_shape, b_shape):
    monkeypatch.setattr(_bmm, "MIN_WORK", 1)
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    before = _threads.get_blas_threads()
    out = _bmm.bmm(a, np.swapaxes(np.swapaxes(b, -1, -2).copy(), -1, -2))   # a strided operand
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)
    assert out.shape == (a @ b).shape and out.dtype == np.float32
    assert _threads.get_blas_threads() == before
