"""torch's function spellings and small compositions (ops/aliases.py): add/sub with alpha,
div rounding, fmod/remainder, comparisons and logical ops, where(cond), addcmul/addcdiv,
logaddexp, take, select, index_fill, diff, tensor_split, tensordot, nan_to_num, nansum /
nanmean, isin, broadcast_*, vstack / hstack."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same


def test_arithmetic_functions(torch):
    a, b = arr(3, 4), arr(3, 4, seed=1, low=0.5, high=2)
    check(torch, lambda x, y: cr.add(x, y, alpha=2), lambda x, y: torch.add(x, y, alpha=2), a, b)
    check(torch, lambda x, y: cr.sub(x, y, alpha=0.5), lambda x, y: torch.sub(x, y, alpha=0.5),
          a, b)
    check(torch, cr.mul, torch.mul, a, b)
    check(torch, cr.div, torch.div, a, b)
    check(torch, cr.true_divide, torch.true_divide, a, b)
    check(torch, cr.neg, torch.neg, a)
    check(torch, cr.fmod, torch.fmod, a, b)
    check(torch, cr.remainder, torch.remainder, a, b)
    for rm in ("trunc", "floor"):
        same(cr.div(cr.tensor(a), cr.tensor(b), rounding_mode=rm),
             torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=rm))
    i, j = np.array([-7, 7, 5]), np.array([2, -2, 3])
    for name in ("fmod", "remainder", "floor_divide"):
        same(getattr(cr, name)(cr.tensor(i), cr.tensor(j)),
             getattr(torch, name)(torch.tensor(i), torch.tensor(j)))


def test_comparisons_and_logic(torch):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    for name in ("eq", "ne", "gt", "ge", "lt", "le", "greater", "less_equal"):
        same(getattr(cr, name)(cr.tensor(a), cr.tensor(b)),
             getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    p, q = np.array([True, True, False]), np.array([True, False, False])
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(cr, name)(cr.tensor(p), cr.tensor(q)),
             getattr(torch, name)(torch.tensor(p), torch.tensor(q)))
    same(cr.logical_not(cr.tensor(a)), torch.logical_not(torch.tensor(a)))
    same(cr.where(cr.tensor(a > 1)), torch.where(torch.tensor(a > 1)))


def test_compositions(torch):
    a, b, c = arr(3, 4), arr(3, 4, seed=1), arr(4, seed=2, low=0.5, high=2)
    check(torch, lambda x, y, z: cr.addcmul(x, y, z, value=0.5),
          lambda x, y, z: torch.addcmul(x, y, z, value=0.5), a, b, c)
    check(torch, lambda x, y, z: x.addcdiv(y, z, value=-2),
          lambda x, y, z: x.addcdiv(y, z, value=-2), a, b, c)
    check(torch, cr.logaddexp, torch.logaddexp, a, b)
    parity(torch, cr.logaddexp, torch.logaddexp, np.array([800.0, -800.0]),
           np.array([1.0, -799.0]))
    index = np.array([[0, 11], [5, 5]])
    check(torch, lambda x: cr.take(x, cr.tensor(index)),
          lambda x: torch.take(x, torch.tensor(index)), a)
    check(torch, lambda x: x.select(1, -1), lambda x: x.select(1, -1), a)
    check(torch, lambda x: x.index_fill(1, cr.tensor([0, 2]), -1.0),
          lambda x: x.index_fill(1, torch.tensor([0, 2]), -1.0), a)


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 1), (1, 0)])
def test_diff(torch, n, dim):
    check(torch, lambda x: cr.diff(x, n, dim), lambda x: torch.diff(x, n, dim), arr(4, 5))
    check(torch, lambda x, p: cr.diff(x, n, dim, prepend=p),
          lambda x, p: torch.diff(x, n, dim, prepend=p), arr(4, 5), arr(4, 5, seed=1))


@pytest.mark.parametrize("arg", [3, 2, [1, 4], [2, 2, 5]])
def test_tensor_split(torch, arg):
    check(torch, lambda x: cr.tensor_split(x, arg, dim=1),
          lambda x: torch.tensor_split(x, arg, dim=1), arr(2, 5))


@pytest.mark.parametrize("dims", [2, 1, 0, ([1, 0], [0, 2])])
def test_tensordot(torch, dims):
    a, b = arr(2, 3, 4), arr(3, 4, 2, seed=1)
    if dims == 1:
        b = arr(4, 2, seed=1)
    check(torch, lambda x, y: cr.tensordot(x, y, dims),
          lambda x, y: torch.tensordot(x, y, dims), a, b)


@pytest.mark.filterwarnings("ignore:overflow")  # finfo.max times a random weight
def test_nan_handling(torch):
    a = np.array([[1.0, np.nan, np.inf], [-np.inf, 2.0, np.nan]])
    parity(torch, cr.nan_to_num, torch.nan_to_num, a)
    parity(torch, lambda x: x.nan_to_num(nan=1.0, posinf=9.0, neginf=-9.0),
           lambda x: x.nan_to_num(nan=1.0, posinf=9.0, neginf=-9.0), a)
    b = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 4.0]])
    parity(torch, cr.nansum, torch.nansum, b)
    parity(torch, lambda x: x.nanmean(1), lambda x: x.nanmean(1), b)
    parity(torch, lambda x: cr.nansum(x, 0, keepdim=True),
           lambda x: torch.nansum(x, 0, keepdim=True), b)


def test_isin_broadcast_stack(torch):
    same(cr.isin(cr.tensor([1, 2, 3, 4]), cr.tensor([2, 4])),
         torch.isin(torch.tensor([1, 2, 3, 4]), torch.tensor([2, 4])))
    assert cr.broadcast_shapes((2, 1), (3,)) == tuple(torch.broadcast_shapes((2, 1), (3,)))
    check(torch, lambda x, y: cr.broadcast_tensors(x, y),
          lambda x, y: torch.broadcast_tensors(x, y), arr(2, 1), arr(3, seed=1))
    check(torch, lambda x: cr.broadcast_to(x, (2, 3)), lambda x: torch.broadcast_to(x, (2, 3)),
          arr(3))
    check(torch, lambda x, y: cr.vstack([x, y]), lambda x, y: torch.vstack([x, y]),
          arr(3), arr(2, 3, seed=1))
    check(torch, lambda x, y: cr.hstack([x, y]), lambda x, y: torch.hstack([x, y]),
          arr(2, 3), arr(2, 1, seed=1))
    same(cr.t(cr.tensor([[1, 2]])), torch.t(torch.tensor([[1, 2]])))
