"""In-place methods torch code uses on parameters: values as torch's, memory shared through
.data, version counters bumped, leaves that require grad refused outside no_grad."""
import numpy as np
import pytest

import chainrule as cr

UPDATES = {
    "add_alpha": lambda t, o, m: t.add_(o, alpha=-0.5),
    "sub_": lambda t, o, m: t.sub_(o),
    "mul_scalar": lambda t, o, m: t.mul_(3.0),
    "div_": lambda t, o, m: t.div_(o.abs() + 1),
    "clamp_": lambda t, o, m: t.clamp_(-0.3, 0.4),
    "addcmul_": lambda t, o, m: t.addcmul_(o, o, value=-0.1),
    "addcdiv_": lambda t, o, m: t.addcdiv_(o, o.abs() + 1, value=0.2),
    "lerp_scalar": lambda t, o, m: t.lerp_(o, 0.25),
    "lerp_tensor": lambda t, o, m: t.lerp_(o, o.abs() / 4),
    "fill_": lambda t, o, m: t.fill_(1.5),
    "zero_": lambda t, o, m: t.zero_(),
    "copy_": lambda t, o, m: t.copy_(o),
}


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_inplace_update_matches_torch(name, torch):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    ours, theirs = cr.tensor(a), torch.tensor(a)
    out = UPDATES[name](ours, cr.tensor(b), cr)
    UPDATES[name](theirs, torch.tensor(b), torch)
    assert out is ours and ours._version == 1
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_parameter_idioms_through_data_change_the_parameter():
    lin = cr.nn.Linear(3, 2)
    w = lin.weight
    w.data.normal_(0, 0.02)
    assert abs(float(w._data.std()) - 0.02) < 0.02
    before = w._data.copy()
    (lin(cr.ones(4, 3)) ** 2).sum().backward()
    norm = w.grad.data.norm()
    np.testing.assert_allclose(norm.item(), np.linalg.norm(w.grad.numpy()), rtol=1e-6)
    w.data.add_(-0.1 * w.grad.data)
    np.testing.assert_allclose(w._data, before - 0.1 * w.grad._data, rtol=1e-6)
    other = cr.nn.Linear(3, 2)
    other.weight.data.copy_(w.data)
    np.testing.assert_array_equal(other.weight._data, w._data)
    assert other.weight._data is not w._data          # copied, not aliased
    assert w.data._data is w._data                     # .data shares memory


def test_inplace_on_leaf_that_requires_grad_is_refused_outside_no_grad(torch):
    for m in (cr, torch):
        p = m.ones(3, requires_grad=True)
        for update in (lambda: p.normal_(), lambda: p.add_(1), lambda: p.lerp_(p, 0.5),
                       lambda: p.addcmul_(p, p), lambda: p.uniform_()):
            with pytest.raises(RuntimeError, match="leaf"):
                update()
        with m.no_grad():
            p.add_(1)
            p.addcdiv_(p, p, value=1)
        assert p.tolist() == [3.0, 3.0, 3.0]


RANDOM = {
    "normal_": (lambda t, g=None: t.normal_(2.0, 0.5, generator=g), 2.0, 0.5),
    "uniform_": (lambda t, g=None: t.uniform_(-1.0, 3.0, generator=g), 1.0, 4 / np.sqrt(12)),
    "exponential_": (lambda t, g=None: t.exponential_(4.0, generator=g), 0.25, 0.25),
    "bernoulli_": (lambda t, g=None: t.bernoulli_(0.3, generator=g), 0.3, np.sqrt(0.21)),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_random_fill_distribution_seed_and_dtype(name, dtype):
    fill, mean, std = RANDOM[name]
    t = cr.zeros(20000, dtype=dtype)
    cr.manual_seed(3)
    assert fill(t) is t and t.dtype == dtype and t._version == 1
    assert abs(float(t._data.mean()) - mean) < 0.05 * max(std, 0.2)
    assert abs(float(t._data.std()) - std) < 0.05 * std
    cr.manual_seed(3)
    np.testing.assert_array_equal(fill(cr.zeros(20000, dtype=dtype))._data, t._data)
    g = cr.Generator(3)
    np.testing.assert_array_equal(fill(cr.zeros(20000, dtype=dtype), g)._data, t._data)


def test_random_and_its_bounds():
    cr.manual_seed(0)
    t = cr.zeros(1000, dtype=cr.int64).random_(5, 9)
    assert set(np.unique(t._data)) == {5, 6, 7, 8}
    assert set(np.unique(cr.zeros(1000).random_(3)._data)) == {0.0, 1.0, 2.0}
    top = cr.zeros(1000).random_()._data
    assert top.min() >= 0 and top.max() <= 2 ** 24 and (top == np.round(top)).all()


def test_random_fill_errors_name_the_method():
    with pytest.raises(TypeError, match="normal_: needs a floating point tensor"):
        cr.zeros(3, dtype=cr.int64).normal_()
    with pytest.raises(ValueError, match="normal_: expects std >= 0"):
        cr.zeros(3).normal_(0, -1)
    with pytest.raises(ValueError, match="bernoulli_: expects 0 <= p <= 1"):
        cr.zeros(3).bernoulli_(1.5)
