"""Distances (ops/distance.py): F.normalize, F.cosine_similarity, F.pairwise_distance and
cdist against torch, gradients included."""
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from ops_parity import arr, check, parity


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0)])
def test_normalize(torch, p, dim):
    check(torch, lambda x: F.normalize(x, p, dim),
          lambda x: torch.nn.functional.normalize(x, p, dim), arr(3, 4))


def test_cosine_similarity(torch):
    tf = torch.nn.functional
    check(torch, F.cosine_similarity, tf.cosine_similarity, arr(3, 4), arr(3, 4, seed=1))
    check(torch, lambda a, b: F.cosine_similarity(a, b, dim=-1),
          lambda a, b: tf.cosine_similarity(a, b, dim=-1), arr(2, 3, 4), arr(4, seed=1))


@pytest.mark.parametrize("p", [2.0, 1.0])
def test_pairwise_distance(torch, p):
    tf = torch.nn.functional
    check(torch, lambda a, b: F.pairwise_distance(a, b, p),
          lambda a, b: tf.pairwise_distance(a, b, p), arr(3, 4), arr(3, 4, seed=1))
    check(torch, lambda a, b: F.pairwise_distance(a, b, p, keepdim=True),
          lambda a, b: tf.pairwise_distance(a, b, p, keepdim=True), arr(3, 4), arr(4, seed=1))


@pytest.mark.parametrize("p", [2.0, 1.0, float("inf")])
def test_cdist(torch, p):
    check(torch, lambda a, b: cr.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p),
          arr(3, 4), arr(5, 4, seed=1), rtol=1e-8)
    check(torch, lambda a, b: cr.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p),
          arr(2, 3, 4), arr(2, 2, 4, seed=1), rtol=1e-8)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist"])
def test_cdist_matrix_product_path(torch, mode):
    # more than 25 rows: torch and chainrule both use ||a||^2 + ||b||^2 - 2 a.b
    check(torch, lambda a, b: cr.cdist(a, b, compute_mode=mode),
          lambda a, b: torch.cdist(a, b, compute_mode=mode), arr(30, 3), arr(2, 3, seed=1),
          rtol=1e-8)
    check(torch, lambda a, b: cr.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
          lambda a, b: torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
          arr(2, 3, 3), arr(1, 4, 3, seed=1), rtol=1e-8)


def test_cdist_zero_distance_gradient(torch):
    a = arr(30, 3)
    parity(torch, lambda x: cr.cdist(x, x[:4].detach()), lambda x: torch.cdist(x, x[:4].detach()),
           a, rtol=1e-6, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="cdist: expected"):
        cr.cdist(cr.ones(3, 4), cr.ones(3, 5))
    with pytest.raises(TypeError, match="normalize: expected floating point"):
        F.normalize(cr.tensor([1, 2]), dim=0)
