"""gather, cumsum, prod, norm, flip, repeat, unbind and the Tensor methods torch code leans on
(add/sub with alpha, masked_fill, new_*, isnan, any, sign, ...): gradcheck and torch parity."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck


def arr(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def leaf(a):
    return cr.tensor(a, dtype=cr.float64, requires_grad=True)


def parity(torch, fn_cr, fn_torch, *arrays, rtol=1e-10, atol=1e-12):
    """Same float64 inputs through both libraries: equal outputs and equal input gradients."""
    xs = [leaf(a) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = fn_cr(*xs), fn_torch(*ts)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=rtol, atol=atol)
    assert out.shape == tuple(ref.shape)
    w = np.random.default_rng(9).standard_normal(ref.shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        if x.grad is None or t.grad is None:  # unused input: the other must be None or zero
            other = x.grad._data if t.grad is None and x.grad is not None else \
                t.grad.numpy() if t.grad is not None else np.zeros(1)
            assert np.all(other == 0)
            continue
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=rtol, atol=atol)


# ---- gather ---------------------------------------------------------------------------------
GATHER_CASES = [  # (input shape, dim, index)
    ((5,), 0, [4, 0, 4, 4, 1, 2]),                    # repeats accumulate
    ((3, 4), 1, [[0, 0, 3], [1, 1, 1], [2, 3, 0]]),
    ((3, 4), 0, [[2, 0, 1, 2], [0, 0, 0, 0]]),
    ((4, 5), 1, [[1], [0]]),                          # smaller than the input off dim
    ((2, 3, 4), -1, np.zeros((2, 3, 2), int)),
]


@pytest.mark.parametrize("shape,dim,index", GATHER_CASES)
def test_gather(torch, shape, dim, index):
    index = np.asarray(index, np.int64)
    assert gradcheck(lambda x: x.gather(dim, cr.tensor(index)), (leaf(arr(*shape)),))
    parity(torch, lambda x: cr.gather(x, dim, cr.tensor(index)),
           lambda x: torch.gather(x, dim, torch.tensor(index)), arr(*shape))


def test_gather_errors():
    x = cr.ones(2, 3)
    with pytest.raises(IndexError, match="gather: index 3 is out of bounds"):
        x.gather(1, cr.tensor([[3]]))
    with pytest.raises(ValueError, match="gather: index has 1 dims"):
        x.gather(1, cr.tensor([0]))
    with pytest.raises(TypeError, match="gather: index must be an integer"):
        x.gather(1, cr.tensor([[0.0]]))
    with pytest.raises(ValueError, match="larger than input"):
        x.gather(1, cr.zeros(3, 1, dtype=cr.int64))


# ---- cumsum, prod ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -2)])
def test_cumsum(torch, shape, dim):
    assert gradcheck(lambda x: x.cumsum(dim), (leaf(arr(*shape)),))
    parity(torch, lambda x: cr.cumsum(x, dim), lambda x: torch.cumsum(x, dim), arr(*shape))


def test_cumsum_integer_dtype(torch):
    a = np.array([[1, 0, 2], [3, 1, 1]], np.int32)
    out = cr.tensor(a).cumsum(1)
    ref = torch.tensor(a).cumsum(1)
    assert out.dtype == cr.int64 and str(ref.dtype) == "torch.int64"
    np.testing.assert_array_equal(out._data, ref.numpy())


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_prod(torch, dim, keepdim, zeros):
    a = arr(3, 4, low=0.5, high=1.5)
    a[0, :zeros] = 0  # a zero (or two) in the first row
    if zeros:
        a[2, 1] = 0   # and one alone in another row and column
    fn_cr = (lambda x: x.prod()) if dim is None else (lambda x: x.prod(dim, keepdim=keepdim))
    fn_t = (lambda x: x.prod()) if dim is None else (lambda x: x.prod(dim, keepdim=keepdim))
    parity(torch, fn_cr, fn_t, a)
    if zeros < 2:  # gradcheck's differences would step across the kink of two zeros alike
        assert gradcheck(fn_cr, (leaf(a),))


# ---- norm -----------------------------------------------------------------------------------
NORM_CASES = [("fro", None, False), (2, None, False), (2, 1, True), (1, 0, False),
              (math.inf, 1, False), (-math.inf, None, False), (3, (0, 1), False),
              (0.5, 1, False), ("fro", (0, 1), True), (2, (), False)]


@pytest.mark.parametrize("p,dim,keepdim", NORM_CASES)
def test_norm(torch, p, dim, keepdim):
    a = arr(3, 4, seed=3)
    parity(torch, lambda x: x.norm(p=p, dim=dim, keepdim=keepdim),
           lambda x: torch.norm(x, p=p, dim=dim, keepdim=keepdim), a)
    assert gradcheck(lambda x: cr.norm(x, p, dim, keepdim), (leaf(a),))


def test_norm_zero_vector_has_zero_gradient(torch):
    a = np.zeros((2, 3))
    a[1] = [1.0, -2.0, 0.5]
    parity(torch, lambda x: x.norm(dim=1), lambda x: x.norm(dim=1), a)
    x = leaf(np.zeros(4))
    x.norm().backward()
    assert np.all(x.grad._data == 0)


def test_norm_p0_and_ties(torch):
    a = np.array([[1.0, -3.0, 3.0, 0.0]])
    parity(torch, lambda x: x.norm(p=0), lambda x: x.norm(p=0), a)
    parity(torch, lambda x: x.norm(p=math.inf, dim=1), lambda x: x.norm(p=math.inf, dim=1), a)


def test_norm_errors():
    with pytest.raises(TypeError, match="norm: expected a floating point"):
        cr.tensor([1, 2]).norm()
    with pytest.raises(ValueError, match="norm: p='nuc' is not supported"):
        cr.ones(2, 2).norm(p="nuc")


# ---- flip, repeat, unbind -------------------------------------------------------------------
@pytest.mark.parametrize("dims", [(0,), (1,), (0, 2), (-1,), ()])
def test_flip(torch, dims):
    assert gradcheck(lambda x: x.flip(dims), (leaf(arr(2, 3, 4)),))
    parity(torch, lambda x: cr.flip(x, dims), lambda x: torch.flip(x, dims), arr(2, 3, 4))


@pytest.mark.parametrize("shape,reps", [((3,), (2,)), ((3,), (2, 3)), ((2, 3), (1, 2)),
                                        ((2, 1), (3, 2, 2)), ((2, 3), (0, 1))])
def test_repeat(torch, shape, reps):
    assert gradcheck(lambda x: x.repeat(*reps), (leaf(arr(*shape)),))
    parity(torch, lambda x: x.repeat(reps), lambda x: x.repeat(reps), arr(*shape))


def test_repeat_errors():
    with pytest.raises(ValueError, match="repeat: got 1 repeat counts"):
        cr.ones(2, 2).repeat(2)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind(torch, dim):
    a = arr(3, 4)
    parity(torch, lambda x: cr.stack([p * (i + 1) for i, p in enumerate(x.unbind(dim))]),
           lambda x: torch.stack([p * (i + 1) for i, p in enumerate(x.unbind(dim))]), a)
    assert gradcheck(lambda x: cr.unbind(x, dim), (leaf(a),))


# ---- arithmetic methods ---------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x, y: x.add(y), lambda x, y: x.add(y, alpha=2.5), lambda x, y: x.sub(y, alpha=-0.5),
    lambda x, y: x.sub(y), lambda x, y: x.mul(y), lambda x, y: x.div(y),
    lambda x, y: x.neg() + y, lambda x, y: x.square() * y,
])
def test_arithmetic_methods(torch, call):
    a, b = arr(3, 4, seed=1), arr(4, seed=2, low=0.5)
    parity(torch, call, call, a, b)
    assert gradcheck(call, (leaf(a), leaf(b)))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode(torch, mode):
    a = arr(5, seed=4, low=-6, high=6)
    out = cr.tensor(a).div(2.0, rounding_mode=mode)
    np.testing.assert_array_equal(out._data, torch.tensor(a).div(2.0, rounding_mode=mode))
    ints = cr.tensor([7, -7]).div(2, rounding_mode=mode)
    ref = torch.tensor([7, -7]).div(2, rounding_mode=mode)
    assert ints.dtype == cr.int64 and ints.tolist() == ref.tolist()


def test_masked_fill(torch):
    a = arr(3, 4)
    mask = a > 0.5
    parity(torch, lambda x: x.masked_fill(cr.tensor(mask), -1.5),
           lambda x: x.masked_fill(torch.tensor(mask), -1.5), a)
    assert gradcheck(lambda x: x.masked_fill(cr.tensor(mask[0]), 0.0), (leaf(a),))
    ints = cr.tensor([1, 2, 3]).masked_fill(cr.tensor([True, False, True]), 3.7)
    ref = torch.tensor([1, 2, 3]).masked_fill(torch.tensor([True, False, True]), 3.7)
    assert ints.dtype == cr.int64 and ints.tolist() == ref.tolist()
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool"):
        cr.ones(2).masked_fill(cr.tensor([1, 0]), 0.0)


def test_type_as_and_new_factories(torch):
    x = cr.tensor([1.0, 2.0], dtype=cr.float64)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert x.type_as(cr.tensor([1])).dtype == cr.int64
    for name, args in [("new_zeros", (2, 3)), ("new_ones", ((3,),)), ("new_full", ((2,), 7)),
                       ("new_tensor", ([1, 2, 3],))]:
        out, ref = getattr(x, name)(*args), getattr(t, name)(*args)
        assert out.dtype == cr.float64 and str(ref.dtype) == "torch.float64"
        np.testing.assert_array_equal(out._data, ref.numpy())
    y = cr.tensor([1, 2]).new_full((2,), 1.5)
    assert y.dtype == cr.int64 and y.tolist() == torch.tensor([1, 2]).new_full((2,), 1.5).tolist()
    z = x.new_tensor([5.0], requires_grad=True)
    assert z.requires_grad and z.is_leaf


# ---- bool tests, sign, allclose, *_like -----------------------------------------------------
def test_nan_inf_tests_and_sign(torch):
    a = np.array([1.0, -0.0, 0.0, np.nan, np.inf, -np.inf, -2.5])
    x, t = cr.tensor(a), torch.tensor(a)
    for name in ["isnan", "isinf", "isfinite", "sign"]:
        out, ref = getattr(x, name)(), getattr(t, name)()
        np.testing.assert_array_equal(out._data, ref.numpy())
        if name != "sign":
            np.testing.assert_array_equal(getattr(cr, name)(x)._data, ref.numpy())
    np.testing.assert_array_equal(cr.tensor([3, -1, 0]).sign()._data,
                                  torch.tensor([3, -1, 0]).sign().numpy())
    assert x.sign().requires_grad is False


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 1), False),
                                         ((), False), (-1, True)])
@pytest.mark.parametrize("name", ["any", "all"])
def test_any_all(torch, name, dim, keepdim):
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [3.0, 4.0, 5.0]])
    x, t = cr.tensor(a), torch.tensor(a)
    out = getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim=keepdim)
    ref = getattr(t, name)() if dim is None else getattr(t, name)(dim, keepdim=keepdim)
    assert out.dtype == cr.bool
    np.testing.assert_array_equal(out._data, ref.numpy())


def test_allclose(torch):
    a = np.array([1.0, 2.0, np.nan])
    b = a + np.array([1e-6, -1e-6, 0.0])
    for kw in [{}, {"equal_nan": True}, {"rtol": 1e-9, "atol": 0.0, "equal_nan": True}]:
        assert cr.allclose(cr.tensor(a), cr.tensor(b), **kw) == \
            torch.allclose(torch.tensor(a), torch.tensor(b), **kw)
    assert cr.allclose(cr.ones(2, 3), cr.ones(3)) is True
    with pytest.raises(TypeError, match="allclose: dtypes must match"):
        cr.allclose(cr.ones(2), cr.ones(2, dtype=cr.float64))
    with pytest.raises(ValueError, match="allclose: shapes"):
        cr.allclose(cr.ones(2), cr.ones(3))


def test_like_factories_and_helpers():
    x = cr.ones(2, 3, dtype=cr.float64)
    r = cr.randn_like(x)
    assert r.shape == (2, 3) and r.dtype == cr.float64 and r._data.std() > 0
    u = cr.rand_like(x, requires_grad=True)
    assert u.requires_grad and np.all((u._data >= 0) & (u._data < 1))
    with pytest.raises(TypeError, match="rand_like: needs a floating point dtype"):
        cr.rand_like(cr.tensor([1, 2]))
    assert cr.is_tensor(x) and not cr.is_tensor(x._data)
    assert cr.numel(x) == 6
