"""Pointwise math (ops/pointwise_math.py): gradcheck, torch parity of values, dtypes and
gradients, torch's integer rules, errors."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same

# (name, low, high): inputs drawn inside each function's domain
SMOOTH = [("log1p", -0.9, 2), ("expm1", -2, 2), ("log2", 0.1, 3), ("log10", 0.1, 3),
          ("exp2", -2, 2), ("sin", -3, 3), ("cos", -3, 3), ("tan", -1.2, 1.2),
          ("asin", -0.9, 0.9), ("acos", -0.9, 0.9), ("atan", -3, 3), ("sinh", -2, 2),
          ("cosh", -2, 2), ("rsqrt", 0.2, 3), ("reciprocal", 0.2, 3), ("square", -2, 2)]


@pytest.mark.parametrize("name,low,high", SMOOTH)
def test_smooth_unary(torch, name, low, high):
    a = arr(3, 4, low=low, high=high)
    check(torch, getattr(cr, name), getattr(torch, name), a)
    check(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), a)


@pytest.mark.parametrize("name", ["log1p", "sin", "rsqrt", "reciprocal", "exp2"])
def test_unary_keeps_float32_and_promotes_ints(torch, name):
    x = np.array([1.0, 2.0, 3.0], np.float32)
    same(getattr(cr, name)(cr.tensor(x)), getattr(torch, name)(torch.tensor(x)), rtol=1e-6)
    i = np.array([1, 2, 3])
    same(getattr(cr, name)(cr.tensor(i)), getattr(torch, name)(torch.tensor(i)), rtol=1e-6)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "frac"])
def test_rounding(torch, name):
    a = np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, 1.2, -1.7]])
    parity(torch, getattr(cr, name), getattr(torch, name), a)
    parity(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), a)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_keeps_integers(torch, name):
    i = np.array([-3, 0, 7])
    same(getattr(cr, name)(cr.tensor(i)), getattr(torch, name)(torch.tensor(i)))


def test_round_decimals(torch):
    a = np.array([1.2345, -2.5551, 0.125, 1234.5678])
    for d in (0, 1, 2, -1):
        parity(torch, lambda x: cr.round(x, decimals=d), lambda x: torch.round(x, decimals=d), a)
    assert round(cr.tensor([1.6, 2.4])).tolist() == [2.0, 2.0]


def test_rounding_errors():
    with pytest.raises(TypeError, match="frac: expected a floating point"):
        cr.frac(cr.tensor([1, 2]))
    with pytest.raises(TypeError, match="round: decimals= needs a floating point"):
        cr.round(cr.tensor([1, 2]), decimals=1)


@pytest.mark.parametrize("name", ["atan2", "hypot"])
def test_binary(torch, name):
    a, b = arr(3, 4, seed=1), arr(4, seed=2, low=0.5, high=2)
    check(torch, getattr(cr, name), getattr(torch, name), a, b)
    check(torch, lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)


def test_atan2_of_ints_is_float(torch):
    same(cr.atan2(cr.tensor([1, -1]), cr.tensor([2, 2])),
         torch.atan2(torch.tensor([1, -1]), torch.tensor([2, 2])), rtol=1e-6)


def test_lerp(torch):
    a, b, w = arr(3, 4, seed=1), arr(3, 4, seed=2), arr(4, seed=3, low=0, high=1)
    check(torch, lambda x, y: cr.lerp(x, y, 0.3), lambda x, y: torch.lerp(x, y, 0.3), a, b)
    check(torch, cr.lerp, torch.lerp, a, b, w)
    with pytest.raises(TypeError, match="lerp: input and end must share a dtype"):
        cr.lerp(cr.ones(2), cr.ones(2, dtype=cr.float64), 0.5)


def test_clamp_min_max(torch):
    a = arr(3, 5)
    check(torch, lambda x: cr.clamp_min(x, 0.1), lambda x: torch.clamp_min(x, 0.1), a)
    check(torch, lambda x: x.clamp_max(-0.1), lambda x: x.clamp_max(-0.1), a)


def test_isclose_equal(torch):
    a = np.array([1.0, 1.0 + 1e-9, 2.0, np.nan])
    b = np.array([1.0, 1.0, 2.1, np.nan])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.1}):
        same(cr.isclose(cr.tensor(a), cr.tensor(b), **kw),
             torch.isclose(torch.tensor(a), torch.tensor(b), **kw))
    assert cr.equal(cr.tensor([1, 2]), cr.tensor([1, 2]))
    assert not cr.equal(cr.tensor([1, 2]), cr.tensor([1, 3]))
    assert not cr.tensor([1, 2]).equal(cr.tensor([[1, 2]]))
