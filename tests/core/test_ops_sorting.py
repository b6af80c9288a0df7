"""Order statistics (ops/sorting.py): sort, argsort, topk, kthvalue, median, cummax / cummin,
searchsorted, bucketize: gradcheck, torch parity of values, indices and gradients."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same


def distinct(*shape, seed=0):
    """Values without ties, so every library picks the same indices."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) / n - 0.5


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(torch, dim, descending):
    a = distinct(3, 5)
    check(torch, lambda x: cr.sort(x, dim, descending=descending),
          lambda x: torch.sort(x, dim, descending=descending), a)
    same(cr.tensor(a).argsort(dim, descending=descending),
         torch.tensor(a).argsort(dim, descending=descending))


def test_sort_is_stable_with_ties_and_nan(torch):
    a = np.array([2.0, 1.0, np.nan, 2.0, 1.0, 3.0, 2.0])
    for desc in (False, True):
        out = cr.sort(cr.tensor(a), descending=desc, stable=True)
        ref = torch.sort(torch.tensor(a), descending=desc, stable=True)
        same(out, ref)
        assert out.values._data.dtype == np.float64 and out.indices.dtype == cr.int64


def test_sort_named_tuple_and_scalar(torch):
    out = cr.tensor([3.0, 1.0]).sort()
    assert out.values.tolist() == [1.0, 3.0] and out.indices.tolist() == [1, 0]
    same(cr.sort(cr.tensor(2.0)), torch.sort(torch.tensor(2.0)))
    same(cr.argsort(cr.tensor([1, 3, 2])), torch.argsort(torch.tensor([1, 3, 2])))


@pytest.mark.parametrize("k,dim,largest", [(1, -1, True), (2, 1, False), (3, 0, True),
                                           (9, -1, True), (2, -1, True)])
def test_topk(torch, k, dim, largest):
    a = distinct(4, 9)
    check(torch, lambda x: cr.topk(x, k, dim, largest=largest),
          lambda x: torch.topk(x, k, dim, largest=largest), a)


@pytest.mark.parametrize("k", [5, 20])  # repeated argmax for small k, else argpartition
def test_topk_long_rows(torch, k):
    a = distinct(3, 90)
    parity(torch, lambda x: x.topk(k), lambda x: x.topk(k), a)
    parity(torch, lambda x: x.topk(k, 0, largest=False), lambda x: x.topk(k, 0, largest=False),
           a.T.copy())


def test_topk_ties_and_infinities_match_torch(torch):
    a = np.array([[1.0, 3.0, 3.0, -np.inf, 2.0, 0.0, np.inf, 1.0, 0.5] * 5])
    for largest in (True, False):
        out = cr.tensor(a).topk(3, largest=largest)
        ref = torch.tensor(a).topk(3, largest=largest)
        np.testing.assert_array_equal(out.values._data, ref.values.numpy())


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 1, True), (2, 0, False)])
def test_kthvalue(torch, k, dim, keepdim):
    a = distinct(4, 5)
    check(torch, lambda x: cr.kthvalue(x, k, dim, keepdim),
          lambda x: torch.kthvalue(x, k, dim, keepdim), a)


@pytest.mark.parametrize("shape,dim,keepdim", [((5,), None, False), ((4, 6), None, False),
                                               ((4, 6), 1, False), ((4, 5), 0, True)])
def test_median(torch, shape, dim, keepdim):
    a = distinct(*shape)
    if dim is None:
        check(torch, cr.median, torch.median, a)
    else:
        check(torch, lambda x: x.median(dim, keepdim), lambda x: x.median(dim, keepdim), a)


def test_median_nan(torch):
    a = np.array([[1.0, np.nan, 3.0], [4.0, 1.0, 2.0]])
    same(cr.median(cr.tensor(a), 1), torch.median(torch.tensor(a), 1))
    assert np.isnan(cr.median(cr.tensor(a)).item())


def test_mode(torch):
    a = np.array([[3.0, 1.0, 3.0, 1.0, 2.0], [5.0, 5.0, 2.0, 2.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    for dim, keepdim in ((1, False), (0, True), (-1, True)):
        parity(torch, lambda x: cr.mode(x, dim, keepdim), lambda x: torch.mode(x, dim, keepdim), a)
    same(cr.tensor([2, 1, 2, 1, 1, 2, 0]).mode(), torch.tensor([2, 1, 2, 1, 1, 2, 0]).mode())
    with pytest.raises(ValueError, match="mode: cannot reduce over dim"):
        cr.mode(cr.ones(2, 0))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cumulative_extremum(torch, op):
    a = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 0.0], [0.0, -1.0, -1.0, 4.0, 4.0, 2.0]])
    for dim in (0, 1, -1):
        parity(torch, lambda x: getattr(cr, op)(x, dim), lambda x: getattr(torch, op)(x, dim), a)
    check(torch, lambda x: getattr(x, op)(1), lambda x: getattr(x, op)(1), distinct(3, 5))


def test_errors():
    x = cr.ones(2, 3)
    with pytest.raises(ValueError, match="topk: k=4 is out of range for dim -1 of size 3"):
        x.topk(4)
    with pytest.raises(IndexError, match="sort: dim 2 is out of range"):
        x.sort(2)
    with pytest.raises(ValueError, match="kthvalue: k=0"):
        x.kthvalue(0)
    with pytest.raises(ValueError, match="median: expected a non-empty"):
        cr.median(cr.ones(0))


def test_searchsorted_and_bucketize(torch):
    seq = np.array([1.0, 3.0, 5.0, 7.0])
    vals = np.array([[0.0, 3.0, 6.0], [7.0, 8.0, 5.0]])
    for right in (False, True):
        same(cr.searchsorted(cr.tensor(seq), cr.tensor(vals), right=right),
             torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right))
        same(cr.bucketize(cr.tensor(vals), cr.tensor(seq), right=right),
             torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right))
    batched = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    same(cr.searchsorted(cr.tensor(batched), cr.tensor(vals), side="right"),
         torch.searchsorted(torch.tensor(batched), torch.tensor(vals), side="right"))
    same(cr.searchsorted(cr.tensor(seq), cr.tensor(vals), out_int32=True),
         torch.searchsorted(torch.tensor(seq), torch.tensor(vals), out_int32=True))
