"""A float64 gradcheck for every op, broadcasting cases included."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck


def t(*shape, low=-2.0, high=2.0, seed=0, positive=False):
    rng = np.random.default_rng(seed + sum(shape))
    a = rng.uniform(0.5 if positive else low, high, size=shape)
    return cr.tensor(a, dtype=cr.float64, requires_grad=True)


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
                 ((5, 1), (1, 5))]


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_ops(op, sa, sb):
    a = t(*sa, positive=op in ("div", "pow"), seed=1)
    b = t(*sb, positive=op in ("div", "pow"), seed=2)
    fns = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
           "div": lambda x, y: x / y, "pow": lambda x, y: x ** y,
           "maximum": cr.maximum, "minimum": cr.minimum}
    assert gradcheck(fns[op], (a, b))


@pytest.mark.parametrize("fn", [
    lambda x: 2.5 - x, lambda x: 3.0 / x, lambda x: x ** 3, lambda x: x ** -1.5,
    lambda x: 2.0 ** x, lambda x: -x, lambda x: np.full((3, 4), 2.0) * x,
    lambda x: x + np.ones(4), lambda x: np.ones((2, 3, 4)) - x,
])
def test_scalar_and_array_operands(fn):
    assert gradcheck(fn, (t(3, 4, positive=True),))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "sigmoid", "relu", "tanh"])
def test_unary_ops(name):
    x = t(4, 5, positive=name in ("log", "sqrt"))
    if name in ("abs", "relu"):  # keep away from the kink at 0
        x._data[np.abs(x._data) < 0.1] = 0.5
    assert gradcheck(lambda v: getattr(v, name)(), (x,))


def test_clamp_and_where():
    x = t(4, 5)
    x._data[np.abs(np.abs(x._data) - 1) < 0.05] = 0.3
    assert gradcheck(lambda v: v.clamp(-1, 1), (x,))
    assert gradcheck(lambda v: v.clamp(min=0.2), (x,))
    cond = x._data > 0
    y = t(5)
    assert gradcheck(lambda a, b: cr.where(cond, a, b), (x, y))


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 2), False),
                                         (-1, True)])
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "logsumexp"])
def test_reductions(name, dim, keepdim):
    x = t(3, 4, 5)
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    assert gradcheck(lambda v: getattr(v, name)(dim=dim, keepdim=keepdim), (x,))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(name):
    x = t(3, 4, 5)
    assert gradcheck(lambda v: getattr(v, name)(), (x,))
    assert gradcheck(lambda v: getattr(v, name)(1)[0], (x,))
    assert gradcheck(lambda v: getattr(v, name)(dim=-1, keepdim=True).values, (x,))


def test_var_correction():
    x = t(4, 6)
    assert gradcheck(lambda v: v.var(1, unbiased=False), (x,))
    assert gradcheck(lambda v: v.var(0, correction=2), (x,))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(dim):
    x = t(3, 4, 5)
    assert gradcheck(lambda v: v.softmax(dim), (x,))
    assert gradcheck(lambda v: v.log_softmax(dim), (x,))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)),
                                   ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                   ((1, 3, 4), (2, 4, 2)), ((5,), (2, 5, 3))])
def test_matmul(sa, sb):
    assert gradcheck(lambda a, b: a @ b, (t(*sa, seed=1), t(*sb, seed=2)))


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_linear(shape):
    from chainrule.ops.linalg import linear
    x, w, b = t(*shape, seed=1), t(3, 4, seed=2), t(3, seed=3)
    assert gradcheck(linear, (x, w, b))
    assert gradcheck(lambda a, c: linear(a, c), (x, w))


@pytest.mark.parametrize("fn", [
    lambda v: v.reshape(6, 4), lambda v: v.view(-1), lambda v: v.transpose(0, 2),
    lambda v: v.permute(1, 2, 0), lambda v: v.unsqueeze(1), lambda v: v[:, :1].squeeze(1),
    lambda v: v.flatten(1), lambda v: v[:, :1, :].expand(2, 5, 4), lambda v: v.T,
    lambda v: v.transpose(-1, -2).reshape(2, -1),
])
def test_shape_ops(fn):
    assert gradcheck(fn, (t(2, 3, 4),))


@pytest.mark.parametrize("index", [
    1, (slice(None), 2), (Ellipsis, 1), (None, 0), (slice(1, None), slice(None, None, 2)),
    np.array([0, 1, 1, 0]), (np.array([0, 1, 1]), np.array([2, 2, 2])),
    (slice(None), [2, 0, 2]), np.array([True, False]),
    (None, np.array([1, 1]), slice(None)), (Ellipsis, [0, 0]),
])
def test_getitem(index):
    assert gradcheck(lambda v: v[index], (t(2, 3, 4),))


def test_getitem_repeated_indices_accumulate():
    x = cr.tensor(np.zeros(3), requires_grad=True)
    x[cr.tensor([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_getitem_bool_mask_tensor():
    x = t(3, 4)
    mask = x.detach() > 0
    assert gradcheck(lambda v: v[mask], (x,))


def test_cat_stack_split_chunk():
    a, b = t(2, 3, seed=1), t(2, 5, seed=2)
    assert gradcheck(lambda x, y: cr.cat([x, y], dim=1), (a, b))
    c = t(2, 3, seed=3)
    assert gradcheck(lambda x, y: cr.stack([x, y], dim=1), (a, c))
    assert gradcheck(lambda x, y: cr.stack([x, y]), (a, c))
    x = t(7, 2)
    assert gradcheck(lambda v: v.split(3)[1] * 2 + v.split(3)[2].sum(), (x,))
    assert gradcheck(lambda v: v.split([2, 5])[1], (x,))
    assert gradcheck(lambda v: cr.cat(v.chunk(3, dim=0)[::-1]), (x,))


def test_cast_and_clone():
    x = t(3)
    assert gradcheck(lambda v: v.clone() * 2, (x,))
    y = x.float()
    y.sum().backward()
    assert x.grad.dtype == np.float64


def test_gradcheck_reports_a_wrong_backward():
    class WrongSquare(cr.autograd.Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, grad):
            return grad * self.x  # should be 2 * x

    x = t(3, 2)
    with pytest.raises(cr.autograd.GradcheckError, match="disagree"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_demands_float64():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda v: v * 2, (cr.randn(3, requires_grad=True),))
