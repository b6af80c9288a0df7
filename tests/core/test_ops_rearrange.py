"""Rearranging (ops/rearrange.py): repeat_interleave, tile, movedim, swapaxes, unflatten,
meshgrid, cartesian_prod, and the Tensor helpers expand_as / view_as / reshape_as / type_as /
split with sizes / flatten ranges / new_*."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check, parity, same


@pytest.mark.parametrize("repeats,dim", [(2, None), (3, 0), (2, -1),
                                         (np.array([1, 0, 2]), 0), (np.array([2, 1, 0, 3]), 1)])
def test_repeat_interleave(torch, repeats, dim):
    r_cr = cr.tensor(repeats) if isinstance(repeats, np.ndarray) else repeats
    r_t = torch.tensor(repeats) if isinstance(repeats, np.ndarray) else repeats
    check(torch, lambda x: cr.repeat_interleave(x, r_cr, dim),
          lambda x: torch.repeat_interleave(x, r_t, dim), arr(3, 4))
    check(torch, lambda x: x.repeat_interleave(r_cr, dim),
          lambda x: x.repeat_interleave(r_t, dim), arr(3, 4))


def test_repeat_interleave_counts_only(torch):
    same(cr.repeat_interleave(cr.tensor([2, 0, 3])),
         torch.repeat_interleave(torch.tensor([2, 0, 3])))
    with pytest.raises(ValueError, match="repeat_interleave: repeats must be an int or 3"):
        cr.repeat_interleave(cr.ones(3), cr.tensor([1, 2]))


@pytest.mark.parametrize("dims", [(2,), (2, 1), (1, 2, 3)])
def test_tile(torch, dims):
    check(torch, lambda x: cr.tile(x, dims), lambda x: torch.tile(x, dims), arr(2, 3))


@pytest.mark.parametrize("src,dst", [(0, -1), (-1, 0), ((0, 1), (2, 0)), ([2], [1])])
def test_movedim(torch, src, dst):
    check(torch, lambda x: cr.movedim(x, src, dst), lambda x: torch.movedim(x, src, dst),
          arr(2, 3, 4))
    check(torch, lambda x: x.moveaxis(src, dst), lambda x: x.moveaxis(src, dst), arr(2, 3, 4))


def test_swapaxes_unflatten(torch):
    check(torch, lambda x: x.swapaxes(0, -1), lambda x: x.swapaxes(0, -1), arr(2, 3, 4))
    check(torch, lambda x: cr.swapdims(x, 1, 2), lambda x: torch.swapdims(x, 1, 2), arr(2, 3, 4))
    for dim, sizes in ((1, (3, 4)), (-1, (2, -1)), (0, (2, 1))):
        check(torch, lambda x: x.unflatten(dim, sizes), lambda x: x.unflatten(dim, sizes),
              arr(2, 12))
    with pytest.raises(ValueError, match="unflatten: sizes \\(5, -1\\) do not multiply"):
        cr.ones(2, 12).unflatten(1, (5, -1))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(torch, indexing):
    check(torch, lambda a, b, c: cr.meshgrid(a, b, c, indexing=indexing),
          lambda a, b, c: torch.meshgrid(a, b, c, indexing=indexing),
          arr(2), arr(3, seed=1), arr(4, seed=2))
    same(cr.meshgrid(cr.arange(3), cr.arange(2), indexing=indexing),
         torch.meshgrid(torch.arange(3), torch.arange(2), indexing=indexing))


def test_cartesian_prod(torch):
    check(torch, cr.cartesian_prod, torch.cartesian_prod, arr(2), arr(3, seed=1))
    same(cr.cartesian_prod(cr.tensor([1, 2]), cr.tensor([3, 4, 5]), cr.tensor([6])),
         torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), torch.tensor([6])))


def test_as_and_like_helpers(torch):
    a, b = arr(3, 1), arr(2, 3, 4, seed=1)
    check(torch, lambda x, y: x.expand_as(y[:, :, :1]), lambda x, y: x.expand_as(y[:, :, :1]),
          a, b)
    check(torch, lambda x, y: x.view_as(y[0]).reshape_as(y[0].T),
          lambda x, y: x.view_as(y[0]).reshape_as(y[0].T), arr(12), b)
    x = cr.tensor([1, 2])
    same(x.type_as(cr.ones(1, dtype=cr.float64)), torch.tensor([1, 2]).type_as(
        torch.ones(1, dtype=torch.float64)))
    check(torch, lambda x: x.split([1, 3, 1], dim=1), lambda x: x.split([1, 3, 1], dim=1),
          arr(2, 5))
    check(torch, lambda x: x.flatten(1, 2), lambda x: x.flatten(1, 2), arr(2, 3, 4, 2))
    check(torch, lambda x: cr.flatten(x, -3, -2), lambda x: torch.flatten(x, -3, -2),
          arr(2, 3, 4, 2))
    t = torch.tensor([1.0, 2.0])
    for name, args in (("new_zeros", (2, 3)), ("new_ones", ((2,),)), ("new_full", ((2,), 7)),
                       ("new_tensor", ([1, 2],))):
        same(getattr(cr.tensor([1.0, 2.0]), name)(*args), getattr(t, name)(*args))
    e = cr.tensor([1.0]).new_empty(2, 3)
    assert e.shape == (2, 3) and e.dtype == cr.float32
    assert cr.ones(2, 3).nelement() == 6 == cr.numel(cr.ones(2, 3))


@pytest.mark.parametrize("k,dims", [(1, (0, 1)), (2, (0, 1)), (3, (1, 2)), (-1, (2, 0)),
                                    (0, (0, 1)), (5, (1, 0))])
def test_rot90(torch, k, dims):
    check(torch, lambda x: cr.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims), arr(2, 3, 4))
    check(torch, lambda x: x.rot90(k, dims), lambda x: x.rot90(k, dims), arr(2, 3, 4))


def test_fliplr_flipud(torch):
    check(torch, cr.fliplr, torch.fliplr, arr(2, 3))
    check(torch, lambda x: x.flipud(), lambda x: x.flipud(), arr(3, 2))
    with pytest.raises(ValueError, match="fliplr: expected a tensor with at least 2 dims"):
        cr.fliplr(cr.ones(3))


@pytest.mark.parametrize("dim,size,step", [(1, 2, 1), (-1, 3, 2), (0, 2, 3), (1, 5, 1)])
def test_tensor_unfold(torch, dim, size, step):
    check(torch, lambda x: x.unfold(dim, size, step), lambda x: x.unfold(dim, size, step),
          arr(2, 5, 5) if dim == -1 else arr(5, 5))
    with pytest.raises(ValueError, match="unfold: size 6 must be in"):
        cr.ones(5).unfold(0, 6, 1)
