"""More reductions and counting (ops/reduce_more.py, ops/counting.py): amax / amin with ties,
aminmax, var_mean / std_mean, count_nonzero, cumprod with zeros, logcumsumexp over wide
ranges, unique, unique_consecutive, bincount, histc, any / all."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("dim,keepdim", [((), False), (1, False), ((0, 2), True), (-1, True)])
def test_amax_amin(torch, op, dim, keepdim):
    check(torch, lambda x: getattr(cr, op)(x, dim, keepdim),
          lambda x: getattr(torch, op)(x, dim, keepdim), arr(2, 3, 4))


def test_amax_ties_share_gradient(torch):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    parity(torch, lambda x: x.amax(1), lambda x: x.amax(1), a)
    parity(torch, lambda x: x.amin(), lambda x: x.amin(), a)
    same(cr.aminmax(cr.tensor(a), dim=1), torch.aminmax(torch.tensor(a), dim=1))


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
def test_var_std_mean(torch, op):
    check(torch, lambda x: getattr(cr, op)(x, 1), lambda x: getattr(torch, op)(x, 1), arr(3, 4))
    parity(torch, lambda x: getattr(cr, op)(x, (0, 1), correction=0, keepdim=True),
           lambda x: getattr(torch, op)(x, (0, 1), correction=0, keepdim=True), arr(3, 4))


def test_count_nonzero_any_all(torch):
    a = np.array([[0, 1, 2], [0, 0, 3]])
    for dim in (None, 0, 1, (0, 1)):
        same(cr.count_nonzero(cr.tensor(a), dim), torch.count_nonzero(torch.tensor(a), dim))
    for dim in (None, 1):
        kw = {} if dim is None else {"dim": dim}
        same(cr.any(cr.tensor(a), **kw), torch.any(torch.tensor(a), **kw))
        same(cr.all(cr.tensor(a), **kw), torch.all(torch.tensor(a), **kw))


@pytest.mark.parametrize("a", [
    np.array([[1.5, -2.0, 0.5, 3.0], [0.7, 1.1, -0.4, 2.0]]),
    np.array([[1.5, 0.0, 0.5, 3.0], [0.0, 1.1, 0.0, 2.0]]),   # zeros: one, then two
    np.array([[0.0, 0.0, 2.0, 3.0], [1.0, 2.0, 3.0, 0.0]]),
])
def test_cumprod(torch, a):
    for dim in (0, 1, -1):
        check(torch, lambda x: cr.cumprod(x, dim), lambda x: torch.cumprod(x, dim), a)
    same(cr.tensor([1, 2, 3]).cumprod(0), torch.tensor([1, 2, 3]).cumprod(0))


def test_logcumsumexp(torch):
    check(torch, lambda x: cr.logcumsumexp(x, 1), lambda x: torch.logcumsumexp(x, 1), arr(3, 5))
    wide = np.array([[-1000.0, 0.0, 500.0, -3.0], [700.0, 700.0, -700.0, 1.0]])
    parity(torch, lambda x: x.logcumsumexp(-1), lambda x: x.logcumsumexp(-1), wide)
    parity(torch, lambda x: x.logcumsumexp(0), lambda x: x.logcumsumexp(0), wide)


def test_unique(torch):
    a = np.array([[3, 1, 3], [2, 1, 1]])
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}):
        same(cr.unique(cr.tensor(a), **kw), torch.unique(torch.tensor(a), **kw))
    rows = np.array([[1, 2], [0, 1], [1, 2]])
    same(cr.unique(cr.tensor(rows), dim=0, return_inverse=True),
         torch.unique(torch.tensor(rows), dim=0, return_inverse=True))
    f = np.array([0.5, -1.0, 0.5])
    same(cr.tensor(f).unique(), torch.tensor(f).unique())


def test_unique_consecutive(torch):
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    same(cr.unique_consecutive(cr.tensor(a), return_inverse=True, return_counts=True),
         torch.unique_consecutive(torch.tensor(a), return_inverse=True, return_counts=True))
    rows = np.array([[1, 2], [1, 2], [0, 1], [1, 2]])
    same(cr.unique_consecutive(cr.tensor(rows), return_counts=True, dim=0),
         torch.unique_consecutive(torch.tensor(rows), return_counts=True, dim=0))


def test_bincount(torch):
    a = np.array([0, 4, 1, 1, 4])
    same(cr.bincount(cr.tensor(a)), torch.bincount(torch.tensor(a)))
    same(cr.bincount(cr.tensor(a), minlength=7), torch.bincount(torch.tensor(a), minlength=7))
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.0], np.float32)
    same(cr.bincount(cr.tensor(a), cr.tensor(w)), torch.bincount(torch.tensor(a),
                                                                 torch.tensor(w)))
    with pytest.raises(ValueError, match="bincount: values must be non-negative"):
        cr.bincount(cr.tensor([1, -1]))
    with pytest.raises(ValueError, match="bincount: expected a 1-D integer tensor"):
        cr.bincount(cr.tensor([[1]]))


def test_histc(torch):
    a = np.random.default_rng(0).normal(size=200).astype(np.float32)
    same(cr.histc(cr.tensor(a), bins=10), torch.histc(torch.tensor(a), bins=10))
    same(cr.histc(cr.tensor(a), bins=7, min=-1, max=1),
         torch.histc(torch.tensor(a), bins=7, min=-1, max=1))
    same(cr.tensor([1.0, 2.0, 1.0, 3.0]).histc(4, 0, 3),
         torch.tensor([1.0, 2.0, 1.0, 3.0]).histc(4, 0, 3))
    with pytest.raises(TypeError, match="histc: expected a floating point tensor"):
        cr.histc(cr.tensor([1, 2]))
