"""einsum and the named products (ops/einsum.py): gradcheck and torch parity on the common
equations, broadcasting ellipsis, implicit output, diagonals; mm, bmm, mv, dot, outer,
addmm, baddbmm and their shape errors."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import arr, check

EQUATIONS = [  # (equation, operand shapes)
    ("ij,jk->ik", [(3, 4), (4, 2)]),              # matmul
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),     # batch matmul
    ("i,j->ij", [(3,), (4,)]),                    # outer
    ("ii->", [(4, 4)]),                           # trace
    ("ii->i", [(3, 3)]),                          # diagonal
    ("ij->ji", [(3, 4)]),                         # transpose
    ("ijk->j", [(2, 3, 4)]),                      # sum over dims
    ("bn,anm,bm->ba", [(2, 3), (5, 3, 4), (2, 4)]),  # bilinear
    ("ij,ij->", [(3, 4), (3, 4)]),                # inner product of matrices
    ("ij,jk", [(3, 4), (4, 2)]),                  # implicit output
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # broadcasting ellipsis
    ("b...d,d->b...", [(2, 3, 4, 5), (5,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("ij,kj->ik", [(1, 4), (3, 4)]),              # size-1 dim on its own letter
    ("ij,ij->ij", [(1, 4), (3, 4)]),              # size-1 broadcast against 3
    ("iij->j", [(3, 3, 2)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
]


@pytest.mark.parametrize("equation,shapes", EQUATIONS)
def test_einsum(torch, equation, shapes):
    arrays = [arr(*s, seed=i) for i, s in enumerate(shapes)]
    check(torch, lambda *xs: cr.einsum(equation, *xs),
          lambda *xs: torch.einsum(equation, *xs), *arrays)


def test_einsum_list_operands_and_spaces(torch):
    a, b = arr(3, 4), arr(4, 2, seed=1)
    check(torch, lambda x, y: cr.einsum("i j , j k -> i k", [x, y]),
          lambda x, y: torch.einsum("i j , j k -> i k", [x, y]), a, b)


def test_einsum_float32_result(torch):
    a = np.ones((2, 3), np.float32)
    assert cr.einsum("ij->j", cr.tensor(a)).dtype == cr.float32


def test_einsum_errors():
    with pytest.raises(ValueError, match="einsum: subscript 'j' has size 3 in one operand and 4"):
        cr.einsum("ij,jk->ik", cr.ones(3, 4), cr.ones(3, 2))
    with pytest.raises(ValueError, match="einsum: the equation 'ij,jk->ik' names 2 operands"):
        cr.einsum("ij,jk->ik", cr.ones(3, 4))
    with pytest.raises(ValueError, match="einsum: subscripts 'ij' name 2 dims"):
        cr.einsum("ij->i", cr.ones(3))
    with pytest.raises(ValueError, match="einsum: output subscript 'k'"):
        cr.einsum("ij->k", cr.ones(3, 4))
    with pytest.raises(TypeError, match="einsum: operands must share a dtype"):
        cr.einsum("i,i->", cr.ones(3), cr.ones(3, dtype=cr.float64))


def test_named_products(torch):
    check(torch, cr.mm, torch.mm, arr(3, 4), arr(4, 2, seed=1))
    check(torch, cr.bmm, torch.bmm, arr(2, 3, 4), arr(2, 4, 5, seed=1))
    check(torch, cr.mv, torch.mv, arr(3, 4), arr(4, seed=1))
    check(torch, cr.dot, torch.dot, arr(4), arr(4, seed=1))
    check(torch, cr.outer, torch.outer, arr(3), arr(4, seed=1))
    check(torch, lambda x, y: x.mm(y), lambda x, y: x.mm(y), arr(3, 4), arr(4, 2, seed=1))


def test_addmm_baddbmm(torch):
    check(torch, lambda b, x, y: cr.addmm(b, x, y, beta=0.5, alpha=2.0),
          lambda b, x, y: torch.addmm(b, x, y, beta=0.5, alpha=2.0),
          arr(2), arr(3, 4, seed=1), arr(4, 2, seed=2))
    check(torch, lambda b, x, y: b.baddbmm(x, y, alpha=0.3),
          lambda b, x, y: b.baddbmm(x, y, alpha=0.3),
          arr(2, 3, 5), arr(2, 3, 4, seed=1), arr(2, 4, 5, seed=2))
    check(torch, lambda b, x, y: cr.addmm(b, x, y, beta=0),
          lambda b, x, y: torch.addmm(b, x, y, beta=0),
          arr(3, 1), arr(3, 4, seed=1), arr(4, 2, seed=2))


def test_product_errors():
    with pytest.raises(ValueError, match="mm: input must be a 2-D tensor"):
        cr.mm(cr.ones(2, 3, 4), cr.ones(4, 2))
    with pytest.raises(ValueError, match="bmm: batch sizes differ"):
        cr.bmm(cr.ones(2, 3, 4), cr.ones(3, 4, 2))
    with pytest.raises(ValueError, match="outer: vec2 must be a 1-D tensor"):
        cr.outer(cr.ones(2), cr.ones(2, 2))
