"""The one-pass y <- alpha x + beta y behind the optimizers: the BLAS path and the NumPy
fallback agree with the formula, and arrays the BLAS call cannot take fall back."""
import os
import sys

import numpy as np
import pytest

from chainrule import _blas

SIZES = [10, _blas.MIN_SIZE, 3 * _blas.MIN_SIZE + 5]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("alpha,beta", [(0.1, 0.9), (1, 0.5), (-0.003, 1), (2.5, -1.5)])
def test_matches_the_formula(dtype, size, alpha, beta, rng):
    x = rng.standard_normal(size).astype(dtype)
    y = rng.standard_normal(size).astype(dtype)
    expected = alpha * x.astype(np.float64) + beta * y.astype(np.float64)
    x_before = x.copy()
    out = _blas.axpby(alpha, x, beta, y, np.empty_like(y))
    assert out is y and y.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, expected, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(x, x_before)


def test_scratch_may_be_x_itself(rng):
    x = rng.standard_normal(100)
    y = rng.standard_normal(100)
    expected = 0.3 * x + 0.7 * y
    _blas.axpby(0.3, x, 0.7, y, x)
    np.testing.assert_allclose(y, expected, rtol=1e-14)


@pytest.mark.parametrize("which", ["x", "y"])
def test_non_contiguous_arrays_fall_back_correctly(which, rng):
    n = 2 * _blas.MIN_SIZE
    base_x, base_y = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    x = base_x[:, 0] if which == "x" else base_x[:, 0].copy()
    y = base_y[:, 0] if which == "y" else base_y[:, 0].copy()
    expected = 0.25 * x + 2.0 * y
    _blas.axpby(0.25, x, 2.0, y, np.empty(n))
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    if which == "y":  # written through the view, the other column untouched
        np.testing.assert_allclose(base_y[:, 0], expected, rtol=1e-14)


def test_mixed_dtypes_fall_back(rng):
    x = rng.standard_normal(2 * _blas.MIN_SIZE).astype(np.float32)
    y = rng.standard_normal(2 * _blas.MIN_SIZE)
    expected = 0.5 * x.astype(np.float64) + 0.5 * y
    _blas.axpby(0.5, x, 0.5, y, np.empty_like(y))
    np.testing.assert_allclose(y, expected, rtol=1e-14)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checked where CI runs")
def test_found_in_numpys_openblas_on_linux_wheels():
    """Where NumPy ships its own OpenBLAS (pip wheels), the one-pass path must be found: if a
    NumPy release renames the symbols, this fails instead of the optimizers quietly slowing."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    if not (os.path.isdir(libs) and any("openblas" in f for f in os.listdir(libs))):
        pytest.skip("this NumPy does not bundle OpenBLAS")
    if os.environ.get("CHAINRULE_BLAS_AXPBY") == "0":
        pytest.skip("turned off by CHAINRULE_BLAS_AXPBY=0")
    assert _blas.available
