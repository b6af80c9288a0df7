"""Indexing (ops/indexing.py): index_select, index_add, narrow, take_along_dim, roll, scatter,
scatter_add, masked_select / masked_fill(_), nonzero, tril / triu, diag, diagonal, trace."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same


def idx(*values):
    return np.array(values, np.int64)


@pytest.mark.parametrize("dim,index", [(0, idx(2, 0, 2)), (1, idx(3)), (-1, idx(0, 0, 1, 3))])
def test_index_select(torch, dim, index):
    check(torch, lambda x: cr.index_select(x, dim, cr.tensor(index)),
          lambda x: torch.index_select(x, dim, torch.tensor(index)), arr(3, 4))


@pytest.mark.parametrize("index", [idx(*([1] * 40 + [0, 2])),              # add.at past 32
                                   idx(*np.random.default_rng(0).integers(0, 5, 60))])
def test_index_select_many_repeats(torch, index):
    parity(torch, lambda x: x.index_select(0, cr.tensor(index)),
           lambda x: x.index_select(0, torch.tensor(index)), arr(5, 3))


def test_index_add(torch):
    index = idx(0, 2, 0)
    check(torch, lambda x, s: x.index_add(1, cr.tensor(index), s, alpha=2.0),
          lambda x, s: x.index_add(1, torch.tensor(index), s, alpha=2.0),
          arr(3, 4), arr(3, 3, seed=1))
    with pytest.raises(ValueError, match="index_add: source has shape"):
        cr.index_add(cr.zeros(3, 4), 1, cr.tensor(index), cr.ones(3, 2))


def test_narrow_roll_take_along_dim(torch):
    a = arr(4, 5)
    check(torch, lambda x: x.narrow(1, 1, 3), lambda x: x.narrow(1, 1, 3), a)
    check(torch, lambda x: x.narrow(0, -2, 2), lambda x: x.narrow(0, -2, 2), a)
    for shifts, dims in ((2, None), (1, 0), ((1, -2), (0, 1))):
        check(torch, lambda x: cr.roll(x, shifts, dims), lambda x: torch.roll(x, shifts, dims), a)
    ind = np.array([[0, 2], [1, 1], [4, 0], [3, 3]])
    check(torch, lambda x: cr.take_along_dim(x, cr.tensor(ind), 1),
          lambda x: torch.take_along_dim(x, torch.tensor(ind), 1), a)
    with pytest.raises(IndexError, match="narrow: start 3 and length 3 do not fit"):
        cr.narrow(cr.ones(4), 0, 3, 3)


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter(torch):
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    # src larger than index: only its leading part is used (torch's forward; its backward
    # refuses that case, ours gives the unused part zero gradient)
    parity(torch, lambda x, s: x.scatter(0, cr.tensor(index), s),
           lambda x, s: x.scatter(0, torch.tensor(index), s), arr(3, 4), arr(2, 5, seed=1),
           grad=False)
    check(torch, lambda x, s: x.scatter(0, cr.tensor(index), s),
          lambda x, s: x.scatter(0, torch.tensor(index), s), arr(3, 4), arr(2, 4, seed=1))
    check(torch, lambda x, s: cr.scatter_add(x, 0, cr.tensor(index), s),
          lambda x, s: torch.scatter_add(x, 0, torch.tensor(index), s), arr(3, 4),
          arr(2, 4, seed=1))
    parity(torch, lambda x: x.scatter(1, cr.tensor(index[:, :2]), 7.0),
           lambda x: x.scatter(1, torch.tensor(index[:, :2]), 7.0), arr(2, 4))
    parity(torch, lambda x, s: x.scatter(0, cr.tensor(index), s, reduce="add"),
           lambda x, s: x.scatter(0, torch.tensor(index), s, reduce="add"), arr(3, 4),
           arr(2, 4, seed=1), grad=False)
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds"):
        cr.zeros(3).scatter(0, cr.tensor([3]), cr.ones(1))


def test_masked(torch):
    a = arr(3, 4)
    mask = a[0] > 0  # broadcasts over rows
    check(torch, lambda x: cr.masked_select(x, cr.tensor(mask)),
          lambda x: torch.masked_select(x, torch.tensor(mask)), a)
    check(torch, lambda x: cr.masked_fill(x, cr.tensor(mask), -1.0),
          lambda x: torch.masked_fill(x, torch.tensor(mask), -1.0), a)
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor"):
        cr.masked_select(cr.ones(2), cr.tensor([1, 0]))


def test_masked_fill_in_place(torch):
    x = cr.tensor(arr(3, 4))
    t = torch.tensor(arr(3, 4))
    assert x.masked_fill_(x > 0, 0.5) is x
    t.masked_fill_(t > 0, 0.5)
    same(x, t)
    # on a non-leaf, with a 0-d value that needs a gradient: both get gradients as in torch
    a, v = arr(3, 4), np.array(2.0)
    xs = [cr.tensor(a, requires_grad=True), cr.tensor(v, requires_grad=True)]
    ts = [torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)]
    y = (xs[0] * 3).masked_fill_(cr.tensor(a > 0), xs[1])
    r = (ts[0] * 3).masked_fill_(torch.tensor(a > 0), ts[1])
    same(y, r)
    (y * y).sum().backward()
    (r * r).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad._data, t.grad.numpy())


def test_nonzero(torch):
    a = np.array([[1, 0, 2], [0, 0, 3]])
    same(cr.nonzero(cr.tensor(a)), torch.nonzero(torch.tensor(a)))
    same(cr.tensor(a).nonzero(as_tuple=True), torch.tensor(a).nonzero(as_tuple=True))
    same(cr.argwhere(cr.tensor(a > 1)), torch.argwhere(torch.tensor(a > 1)))


@pytest.mark.parametrize("k", [0, 1, -1])
def test_triangles(torch, k):
    check(torch, lambda x: cr.tril(x, k), lambda x: torch.tril(x, k), arr(2, 3, 4))
    check(torch, lambda x: x.triu(k), lambda x: x.triu(k), arr(4, 3))
    with pytest.raises(ValueError, match="tril: expected a tensor with at least 2 dims"):
        cr.tril(cr.ones(3))


@pytest.mark.parametrize("k", [0, 2, -1])
def test_diag(torch, k):
    check(torch, lambda x: cr.diag(x, k), lambda x: torch.diag(x, k), arr(3))
    check(torch, lambda x: x.diag(k), lambda x: x.diag(k), arr(3, 4))


@pytest.mark.parametrize("offset,d1,d2", [(0, 0, 1), (1, -1, 0), (-1, 1, 2), (2, 2, 0)])
def test_diagonal(torch, offset, d1, d2):
    check(torch, lambda x: x.diagonal(offset, d1, d2), lambda x: x.diagonal(offset, d1, d2),
          arr(3, 4, 5))


def test_trace(torch):
    check(torch, cr.trace, torch.trace, arr(3, 4))
    same(cr.trace(cr.tensor([[1, 2], [3, 4]])), torch.trace(torch.tensor([[1, 2], [3, 4]])))
    with pytest.raises(ValueError, match="trace: expected a 2-D tensor"):
        cr.trace(cr.ones(3))


def test_inplace_forms(torch):
    labels = np.array([2, 0, 1, 2])
    one_hot = cr.zeros(4, 3).scatter_(1, cr.tensor(labels).unsqueeze(1), 1.0)
    same(one_hot, torch.zeros(4, 3).scatter_(1, torch.tensor(labels).unsqueeze(1), 1.0))
    x, t = cr.zeros(3, 4), torch.zeros(3, 4)
    view = x[0]
    x.index_add_(0, cr.tensor([0, 0, 2]), cr.ones(3, 4))
    t.index_add_(0, torch.tensor([0, 0, 2]), torch.ones(3, 4))
    same(x, t)
    assert view.tolist() == [2.0] * 4  # written into the same memory
    same(x.index_fill_(1, cr.tensor([1]), -1.0), t.index_fill_(1, torch.tensor([1]), -1.0))
    same(x.tril_(), t.tril_())
    same(x.scatter_add_(0, cr.tensor([[1, 1, 0, 0]]), cr.ones(1, 4)),
         t.scatter_add_(0, torch.tensor([[1, 1, 0, 0]]), torch.ones(1, 4)))
    with pytest.raises(ValueError, match="masked_fill_: the result has shape"):
        cr.zeros(3).masked_fill_(cr.ones(2, 3, dtype=cr.bool), 1.0)


def test_inplace_forms_are_recorded(torch):
    a, s = arr(3, 4), arr(2, 4, seed=1)
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])

    def run(lib, make):
        x, src = make(a), make(s)
        y = x * 2
        y.scatter_(0, lib.tensor(index), src)
        y.triu_(1)
        (y * y).sum().backward()
        return y, x.grad, src.grad

    out = run(cr, lambda v: cr.tensor(v, requires_grad=True))
    ref = run(torch, lambda v: torch.tensor(v, requires_grad=True))
    for o, r in zip(out, ref):
        np.testing.assert_allclose(o._data, r.detach().numpy())
    with pytest.raises(RuntimeError, match="scatter_: a leaf tensor that requires grad"):
        cr.ones(3, requires_grad=True).scatter_(0, cr.tensor([0]), 2.0)
