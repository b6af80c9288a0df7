"""Pooling: parity with torch in float64 for the option combinations (outputs, input
gradients, return_indices equal to torch's), tie / -inf / NaN rules, gradcheck, errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from norms_testutil import assert_close, run_both

MAX_2D = [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
          dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
          dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
          dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
          dict(kernel_size=2, stride=3)]
MAX_1D = [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
          dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
          dict(kernel_size=3, stride=2, padding=1, dilation=2)]


def _pool_case(torch, name, kwargs, shape, rng, indices=False):
    x = rng.standard_normal(shape)
    ours_fn, torch_fn = getattr(F, name), getattr(torch.nn.functional, name)
    if indices:
        out, idx = ours_fn(cr.tensor(x), return_indices=True, **kwargs)
        out_t, idx_t = torch_fn(torch.tensor(x), return_indices=True, **kwargs)
        assert idx.dtype == cr.int64
        np.testing.assert_array_equal(idx.numpy(), idx_t.numpy())
    run_both(torch, lambda x: ours_fn(x, **kwargs), lambda x: torch_fn(x, **kwargs), [x])


@pytest.mark.parametrize("kwargs", MAX_2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (2, 6, 5)])
def test_max_pool2d(torch, rng, kwargs, shape):
    _pool_case(torch, "max_pool2d", kwargs, shape, rng, indices=True)


@pytest.mark.parametrize("kwargs", MAX_1D)
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 10)])
def test_max_pool1d(torch, rng, kwargs, shape):
    _pool_case(torch, "max_pool1d", kwargs, shape, rng, indices=True)


def test_max_pool3d(torch, rng):
    _pool_case(torch, "max_pool3d", dict(kernel_size=2, stride=1, padding=1), (1, 2, 3, 4, 3),
               rng, indices=True)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3, stride=1, padding=1),
                                    dict(kernel_size=2, stride=1), dict(kernel_size=2)])
def test_max_pool_ties_inf_and_nan(torch, kwargs):
    """First maximum in scan order wins (gradient and index), an all -inf window reports its
    first real element, and NaN propagates."""
    x = np.array([[[[1, 1, 0, 2], [1, 2, 2, 0], [-np.inf, -np.inf, 3, 3],
                    [-np.inf, -np.inf, 3, np.nan]]]])
    out, idx = F.max_pool2d(cr.tensor(x), return_indices=True, **kwargs)
    out_t, idx_t = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True,
                                                  **kwargs)
    np.testing.assert_array_equal(out.numpy(), out_t.numpy())
    np.testing.assert_array_equal(idx.numpy(), idx_t.numpy())
    finite = np.nan_to_num(x, nan=0.0, neginf=-1.0)
    finite[0, 0, 2:, :2] = -1                           # ties: the same on both sides
    run_both(torch, lambda x: F.max_pool2d(x, **kwargs),
             lambda x: torch.nn.functional.max_pool2d(x, **kwargs), [finite])


AVG_2D = [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
          dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
          dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
          dict(kernel_size=2, stride=3, ceil_mode=True)]


@pytest.mark.parametrize("kwargs", AVG_2D)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 3])
def test_avg_pool2d(torch, rng, kwargs, count_include_pad, divisor_override):
    kwargs = dict(kwargs, count_include_pad=count_include_pad,
                  divisor_override=divisor_override)
    _pool_case(torch, "avg_pool2d", kwargs, (2, 3, 7, 8), rng)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                    dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 10), (3, 9)])
def test_avg_pool1d(torch, rng, kwargs, count_include_pad, shape):
    _pool_case(torch, "avg_pool1d", dict(kwargs, count_include_pad=count_include_pad), shape,
               rng)


def test_avg_pool3d(torch, rng):
    _pool_case(torch, "avg_pool3d", dict(kernel_size=2, stride=1, padding=1,
                                         count_include_pad=False), (1, 2, 3, 4, 3), rng)


@pytest.mark.parametrize("size,out", [((2, 3, 7), 3), ((2, 3, 7), 1), ((2, 3, 4), 7),
                                      ((3, 6), 3)])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pool1d(torch, rng, size, out, kind):
    kwargs = dict(output_size=out)
    _pool_case(torch, f"adaptive_{kind}_pool1d", kwargs, size, rng, indices=kind == "max")


@pytest.mark.parametrize("size,out", [((2, 3, 7, 6), (3, 4)), ((2, 3, 7, 6), 1),
                                      ((2, 3, 5, 6), (None, 4)), ((3, 4, 5), (6, 2))])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pool2d(torch, rng, size, out, kind):
    kwargs = dict(output_size=out)
    _pool_case(torch, f"adaptive_{kind}_pool2d", kwargs, size, rng, indices=kind == "max")


def test_modules_match_torch(torch, rng):
    pairs = [("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
             ("MaxPool2d", ((2, 3),), dict(return_indices=True)),
             ("MaxPool1d", (3, 1, 1), {}), ("AvgPool1d", (2,), {}),
             ("AvgPool2d", (2,), dict(divisor_override=3, count_include_pad=False)),
             ("AdaptiveAvgPool2d", (1,), {}), ("AdaptiveMaxPool2d", ((2, 3),), {}),
             ("AdaptiveAvgPool1d", (2,), {}), ("AdaptiveMaxPool1d", (3,), {})]
    for name, args, kwargs in pairs:
        ours, theirs = getattr(cr.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args,
                                                                                    **kwargs)
        assert repr(ours) == repr(theirs)
        x = rng.standard_normal((2, 3, 6, 7) if "2d" in name else (2, 3, 7))
        got, expected = ours(cr.tensor(x)), theirs(torch.tensor(x))
        if isinstance(expected, tuple):
            np.testing.assert_array_equal(got[1].numpy(), expected[1].numpy())
            got, expected = got[0], expected[0]
        assert_close(got, expected, msg=name)


@pytest.mark.parametrize("d", [1, 2])
def test_max_unpool(torch, rng, d):
    shape = (2, 3, 8) if d == 1 else (2, 3, 6, 8)
    x = rng.standard_normal(shape)
    pooled, idx = getattr(torch.nn.functional, f"max_pool{d}d")(torch.tensor(x), 2,
                                                                return_indices=True)
    ours_idx = cr.tensor(idx.numpy())
    unpool, unpool_t = getattr(cr.nn, f"MaxUnpool{d}d")(2), getattr(torch.nn,
                                                                   f"MaxUnpool{d}d")(2)
    assert repr(unpool) == repr(unpool_t)
    run_both(torch, lambda p: unpool(p, ours_idx, output_size=shape),
             lambda p: unpool_t(p, idx, output_size=shape), [pooled.numpy()])
    run_both(torch, lambda p: unpool(p, ours_idx), lambda p: unpool_t(p, idx),
             [pooled.numpy()])


def test_gradcheck(rng):
    x = cr.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool2d(x, 3, 1, 1), (x,))
    assert gradcheck(lambda x: F.max_pool2d(x, 2, ceil_mode=True), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                            count_include_pad=False), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (x,))
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 4)), (x,))
    x1 = cr.tensor(rng.standard_normal((2, 6)), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool1d(x, 3, 2, 1, dilation=2), (x1,))
    assert gradcheck(lambda x: F.avg_pool1d(x, 2, 1), (x1,))
    idx = F.max_pool2d(x.detach(), 2, return_indices=True)[1]
    p = cr.tensor(rng.standard_normal((1, 2, 2, 2)), requires_grad=True)
    assert gradcheck(lambda p: F.max_unpool2d(p, idx, 2, output_size=(5, 5)), (p,))


def test_float32_stays_float32(rng):
    x = cr.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 1, 1), F.adaptive_avg_pool2d(x, 4),
              F.adaptive_max_pool2d(x, 4)):
        assert y.dtype == cr.float32
        y.sum().backward()
        assert x.grad.dtype == cr.float32


def test_integer_max_pool(torch):
    x = np.arange(32).reshape(1, 2, 4, 4) % 7
    np.testing.assert_array_equal(F.max_pool2d(cr.tensor(x), 2, 1, 1).numpy(),
                                  torch.nn.functional.max_pool2d(torch.tensor(x), 2, 1,
                                                                 1).numpy())


def test_errors():
    x = cr.randn(1, 3, 4, 4)
    with pytest.raises(RuntimeError, match="pad should be at most half of kernel size"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.avg_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match=r"Calculated output size: \(3x0x0\)"):
        F.max_pool2d(x, 5)
    with pytest.raises(RuntimeError, match="stride should be greater than zero"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(RuntimeError, match="dilation should be greater than zero"):
        F.max_pool2d(x, 2, dilation=0)
    with pytest.raises(RuntimeError, match=r"3D \(unbatched\) or 4D \(batched\)"):
        F.max_pool2d(cr.randn(3, 4), 2)
    with pytest.raises(TypeError, match="floating point"):
        F.avg_pool2d(cr.tensor(np.ones((1, 1, 4, 4), np.int64)), 2)
    with pytest.raises(ValueError, match="kernel_size must be an int or a sequence of 2"):
        F.max_pool2d(x, (2, 2, 2))
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool2d(cr.randn(1, 1, 2, 2), cr.tensor(np.full((1, 1, 2, 2), 99)), 2)
