"""Random draws and factories (random_ops.py, settings.py, factories.py): multinomial,
bernoulli, randperm, randint_like, normal checked statistically with seeds; logspace,
empty_like, full, linspace, eye, the *_like family against torch; default dtype, finfo / iinfo,
set_printoptions, from_numpy sharing memory, tolist, manual_seed's generator."""
import numpy as np
import pytest

import chainrule as cr
from ops_parity import same


def test_multinomial_with_replacement_frequencies():
    w = cr.tensor([[1.0, 0.0, 3.0, 6.0], [5.0, 5.0, 0.0, 0.0]])
    draws = cr.multinomial(w, 20000, replacement=True, generator=cr.Generator(1))
    assert draws.shape == (2, 20000) and draws.dtype == cr.int64
    for row, probs in zip(draws._data, w._data / w._data.sum(1, keepdims=True)):
        freq = np.bincount(row, minlength=4) / row.size
        np.testing.assert_allclose(freq, probs, atol=0.015)
        assert np.all(freq[probs == 0] == 0)


def test_multinomial_without_replacement():
    w = cr.tensor([0.1, 0.2, 0.0, 0.7])
    g = cr.Generator(2)
    firsts = np.array([cr.multinomial(w, 3, generator=g)._data for _ in range(4000)])
    assert all(len(set(r)) == 3 and 2 not in r for r in firsts)  # distinct, never weight 0
    np.testing.assert_allclose(np.bincount(firsts[:, 0], minlength=4) / 4000,
                               [0.1, 0.2, 0.0, 0.7], atol=0.025)
    with pytest.raises(ValueError, match="multinomial: cannot draw 4 samples without"):
        cr.multinomial(w, 4)
    with pytest.raises(ValueError, match="multinomial: weights must be finite"):
        cr.multinomial(cr.tensor([1.0, -1.0]), 1)


def test_multinomial_is_seeded():
    w = cr.ones(10)
    cr.manual_seed(5)
    a = cr.multinomial(w, 5)
    cr.manual_seed(5)
    assert a.tolist() == w.multinomial(5).tolist()


def test_bernoulli():
    p = cr.tensor(np.linspace(0, 1, 5), dtype=cr.float64)
    draws = np.stack([cr.bernoulli(p, generator=cr.Generator(i))._data for i in range(3000)])
    assert draws.dtype == np.float64
    np.testing.assert_allclose(draws.mean(0), p._data, atol=0.03)
    half = cr.ones(10000).bernoulli(0.25)
    assert half.dtype == cr.float32 and abs(half._data.mean() - 0.25) < 0.02
    with pytest.raises(ValueError, match="bernoulli: probabilities must lie in"):
        cr.bernoulli(cr.tensor([1.5]))


def test_randperm_randint_like_normal():
    g = cr.Generator(3)
    p = cr.randperm(50, generator=g)
    assert p.dtype == cr.int64 and sorted(p.tolist()) == list(range(50))
    r = cr.randint_like(cr.zeros(4000, dtype=cr.float64), 3, 7, generator=g)
    assert r.dtype == cr.float64 and set(np.unique(r._data)) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(cr.randint_like(cr.zeros(100, dtype=cr.int32), 2)._data)) == {0, 1}
    n = cr.normal(2.0, 3.0, size=(20000,), generator=g)
    assert n.dtype == cr.float32
    assert abs(n._data.mean() - 2.0) < 0.1 and abs(n._data.std() - 3.0) < 0.1
    m = cr.normal(cr.tensor([0.0, 100.0]), cr.tensor([1.0, 0.0]))
    assert m.shape == (2,) and m[1].item() == 100.0


def test_factories_match_torch(torch):
    same(cr.logspace(-2, 2, 5), torch.logspace(-2, 2, 5), rtol=1e-6)
    same(cr.logspace(0, 3, 4, base=2, dtype=cr.float64),
         torch.logspace(0, 3, 4, base=2, dtype=torch.float64))
    same(cr.full((2, 3), 7), torch.full((2, 3), 7))
    same(cr.full((2,), 1.5), torch.full((2,), 1.5))
    same(cr.full((2,), True), torch.full((2,), True))
    same(cr.linspace(0, 1, 5), torch.linspace(0, 1, 5), rtol=1e-6)
    same(cr.eye(3, 2), torch.eye(3, 2))
    x, t = cr.ones(2, 3, dtype=cr.int32), torch.ones(2, 3, dtype=torch.int32)
    for name in ("zeros_like", "ones_like"):
        same(getattr(cr, name)(x), getattr(torch, name)(t))
    same(cr.full_like(x, 4), torch.full_like(t, 4))
    e = cr.empty_like(x, dtype=cr.float64)
    assert e.shape == (2, 3) and e.dtype == cr.float64


def test_from_numpy_shares_memory_and_tolist():
    a = np.arange(6.0).reshape(2, 3)
    t = cr.from_numpy(a)
    a[0, 0] = 42.0
    assert t[0, 0].item() == 42.0 and t.dtype == cr.float64
    assert t.tolist() == [[42.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert cr.tensor(3).tolist() == 3


def test_default_dtype():
    assert cr.get_default_dtype() == cr.float32
    try:
        cr.set_default_dtype(cr.float64)
        assert cr.get_default_dtype() == cr.float64
        assert cr.zeros(2).dtype == cr.float64 and cr.tensor([1.5]).dtype == cr.float64
        assert cr.randn(2).dtype == cr.float64 and cr.arange(0.0, 1.0, 0.5).dtype == cr.float64
        assert (cr.tensor([1, 2]) / 2).dtype == cr.float64
    finally:
        cr.set_default_dtype(cr.float32)
    assert cr.zeros(2).dtype == cr.float32 and cr.tensor([1.5]).dtype == cr.float32
    with pytest.raises(TypeError, match="set_default_dtype: only float32 and float64"):
        cr.set_default_dtype(cr.int64)


def test_finfo_iinfo(torch):
    for d, td in ((cr.float32, torch.float32), (cr.float64, torch.float64),
                  (cr.float16, torch.float16)):
        f, tf = cr.finfo(d), torch.finfo(td)
        for field in ("eps", "max", "min", "tiny", "resolution", "bits"):
            assert getattr(f, field) == getattr(tf, field), field
    assert cr.finfo().eps == torch.finfo().eps
    for d, td in ((cr.int64, torch.int64), (cr.uint8, torch.uint8), (cr.int32, torch.int32)):
        assert (cr.iinfo(d).max, cr.iinfo(d).min) == (torch.iinfo(td).max, torch.iinfo(td).min)
    with pytest.raises(TypeError, match="finfo: expected a floating point dtype"):
        cr.finfo(cr.int32)


def test_printoptions_seed_and_dtype_tests():
    cr.set_printoptions(precision=3, sci_mode=False)
    from chainrule.settings import printoptions
    assert printoptions["precision"] == 3 and printoptions["sci_mode"] is False
    with pytest.raises(ValueError, match="set_printoptions: profile"):
        cr.set_printoptions(profile="huge")
    g = cr.manual_seed(123)
    assert isinstance(g, cr.Generator) and cr.initial_seed() == 123
    a = cr.randn(3)
    g.manual_seed(123)
    assert cr.randn(3).tolist() == a.tolist()
    assert cr.is_floating_point(cr.ones(1)) and not cr.ones(1, dtype=cr.int64).is_floating_point()
