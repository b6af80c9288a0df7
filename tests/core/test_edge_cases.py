"""Corner cases checked against torch: NumPy / tensor integers as sizes and dims, randint's two
spellings, empty dims, 0-d tensors with dim 0 / -1, and the errors torch raises."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck


def both(torch, a):
    return cr.tensor(a), torch.tensor(a)


def same(out, ref):
    assert out.shape == tuple(ref.shape), (out.shape, tuple(ref.shape))
    assert str(out.dtype) == str(ref.dtype).replace("torch.", ""), (out.dtype, ref.dtype)
    np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-6)


# ---- integer-like sizes and dims ------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda m, x: m.zeros(np.int64(2)),
    lambda m, x: m.ones(np.int32(2), 3),
    lambda m, x: m.zeros((np.int64(2), np.int64(3))),
    lambda m, x: x.reshape(np.int64(24)),
    lambda m, x: x.reshape(-1, np.int64(4)),
    lambda m, x: x.view(np.int64(6), 4),
    lambda m, x: x.sum(np.int64(1)),
    lambda m, x: x.sum((np.int64(0), 2)),
    lambda m, x: x.mean(np.int64(-1), keepdim=True),
    lambda m, x: x[:1, :1, :1].reshape(1).expand(np.int64(6)),
    lambda m, x: x.permute(np.int64(2), 0, 1),
    lambda m, x: m.stack(x.split(1, dim=np.int64(1)), 0),
    lambda m, x: x.unsqueeze(np.int64(1)),
    lambda m, x: x.max(np.int64(1))[0],
    lambda m, x: x.softmax(np.int64(-1)),
    lambda m, x: m.arange(np.int64(3)),
    lambda m, x: m.arange(np.int32(1), np.int64(7), 2),
    lambda m, x: m.arange(np.float64(3)),
    lambda m, x: m.arange(m.tensor(3)),
    lambda m, x: x.sum(m.tensor(1)),
])
def test_integer_like_sizes_and_dims(torch, fn):
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = both(torch, a)
    same(fn(cr, x), fn(torch, t))


def test_non_integer_sizes_and_dims_raise():
    with pytest.raises(TypeError, match="sum: dim must be an int"):
        cr.ones(2, 3).sum(1.0)
    with pytest.raises(TypeError, match="reshape: size must be an int"):
        cr.ones(6).reshape(2.0, 3)
    with pytest.raises(TypeError, match="zeros: size must be an int"):
        cr.zeros(2.5)
    with pytest.raises(ValueError, match="zeros: sizes must be non-negative"):
        cr.zeros(-1)


# ---- randint --------------------------------------------------------------------------------
@pytest.mark.parametrize("call,low,high,shape", [
    (lambda m: m.randint(5, (3,)), 0, 5, (3,)),
    (lambda m: m.randint(2, 5, (2, 4)), 2, 5, (2, 4)),
    (lambda m: m.randint(5, size=(3,)), 0, 5, (3,)),
    (lambda m: m.randint(low=2, high=5, size=(3,)), 2, 5, (3,)),
    (lambda m: m.randint(high=4, size=(6,)), 0, 4, (6,)),
])
def test_randint_signatures(torch, call, low, high, shape):
    out, ref = call(cr), call(torch)
    assert out.shape == tuple(ref.shape) == shape and out.dtype == cr.int64
    assert out._data.min() >= low and out._data.max() < high


def test_randint_errors():
    with pytest.raises(TypeError, match="randint: missing the size"):
        cr.randint(5)
    with pytest.raises(ValueError, match="randint: expected low < high"):
        cr.randint(5, 5, (2,))


# ---- shape edge cases -----------------------------------------------------------------------
def test_flatten_with_zero_sized_dim(torch):
    x, t = both(torch, np.zeros((0, 3, 4), np.float32))
    same(x.flatten(1), t.flatten(1))
    same(x.flatten(), t.flatten())
    same(cr.tensor(5.0).flatten(0, -1), torch.tensor(5.0).flatten(0, -1))
    assert gradcheck(lambda v: v.flatten(1, 2),
                     (cr.tensor(np.ones((2, 3, 4)), requires_grad=True),))


def test_shape_errors_match_torch(torch):
    cases = [  # (chainrule call, torch call, chainrule error, message)
        (lambda m: m.ones(2, 3, 4).flatten(2, 1), RuntimeError, ValueError,
         "flatten: start_dim 2 comes after end_dim 1"),
        (lambda m: m.ones(3).expand(-1, 3), RuntimeError, ValueError,
         "expand: size -1 is not allowed in a new leading dim"),
        (lambda m: m.ones(3, 2).chunk(0), RuntimeError, ValueError,
         "chunk: chunks must be positive, got 0"),
        (lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), RuntimeError, ValueError,
         r"cat: zero-dimensional tensor \(at position 0\) cannot be concatenated"),
        (lambda m: m.cat([m.ones(1), m.tensor(2.0)]), RuntimeError, ValueError,
         r"cat: zero-dimensional tensor \(at position 1\)"),
        (lambda m: m.ones(2, 3).argmax(5), IndexError, IndexError,
         "argmax: dim 5 is out of range"),
        (lambda m: m.ones(2, 3).sum((0, 0)), RuntimeError, ValueError,
         r"sum: dim 0 appears more than once in \(0, 0\)"),
        (lambda m: m.ones(2, 3).mean((1, -1)), RuntimeError, ValueError,
         "mean: dim 1 appears more than once"),
        (lambda m: m.ones(2, 3).permute(0, 0), RuntimeError, ValueError,
         "permute: dim 0 appears more than once"),
        (lambda m: m.ones(2).flip(0, 0), RuntimeError, ValueError,
         "flip: dim 0 appears more than once"),
        (lambda m: m.tensor(3.0).sum(1), IndexError, IndexError,
         "sum: dim 1 is out of range for a tensor with 0 dims"),
        (lambda m: m.tensor(3.0).max(1), IndexError, IndexError,
         "max: dim 1 is out of range"),
        (lambda m: m.tensor(3.0).unbind(0), IndexError, ValueError,
         "unbind: expected a tensor with at least 1 dim"),
    ]
    for call, torch_error, error, message in cases:
        with pytest.raises(torch_error):
            call(torch)
        with pytest.raises(error, match=message):
            call(cr)


def test_expand_minus_one_on_existing_dims(torch):
    x, t = both(torch, np.array([[1.0], [2.0]]))
    same(x.expand(3, -1, 4), t.expand(3, -1, 4))
    with pytest.raises(ValueError, match="expand: size -2"):
        x.expand(2, -2)


# ---- reductions with empty dims, keepdim without dim, 0-d tensors ---------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_empty_dim_reduces_everything(torch, name, keepdim):
    x, t = both(torch, np.arange(24.0).reshape(2, 3, 4))
    same(getattr(x, name)(dim=(), keepdim=keepdim), getattr(t, name)(dim=(), keepdim=keepdim))
    same(getattr(x, name)(dim=[]), getattr(t, name)(dim=[]))


def test_empty_dim_is_every_dim_for_sum_of_empty_tensor(torch):
    same(cr.tensor(np.zeros(0)).sum(dim=()), torch.tensor(np.zeros(0)).sum(dim=()))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_extremum_keepdim_without_dim(torch, name):
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x, t = both(torch, a)
    same(getattr(x, name)(keepdim=True), getattr(t, name)(keepdim=True))
    same(getattr(x, name)(), getattr(t, name)())
    s, ts = both(torch, np.array(1.5))
    same(getattr(s, name)(keepdim=True), getattr(ts, name)(keepdim=True))
    same(getattr(s, name)(0), getattr(ts, name)(0))
    same(getattr(s, name)(-1, keepdim=True), getattr(ts, name)(-1, keepdim=True))


@pytest.mark.parametrize("call", [
    lambda x: x.sum(0), lambda x: x.sum(-1, keepdim=True), lambda x: x.sum((0,)),
    lambda x: x.mean(0), lambda x: x.mean(-1), lambda x: x.var(0, correction=0),
    lambda x: x.logsumexp(0), lambda x: x.max(0)[0], lambda x: x.min(-1, keepdim=True)[0],
    lambda x: x.max(0)[1], lambda x: x.softmax(0), lambda x: x.squeeze(0),
    lambda x: x.cumsum(0), lambda x: x.prod(0), lambda x: x.norm(dim=0), lambda x: x.flip(0),
    lambda x: x.any(0), lambda x: x.all(-1), lambda x: x.unsqueeze(-1),
    lambda x: x.repeat(3), lambda x: x.flatten(0, 0),
])
def test_zero_d_tensors_accept_dim_0_and_minus_1(torch, call):
    x, t = both(torch, np.array(2.5))
    same(call(x), call(t))


def test_zero_d_gradients(torch):
    x = cr.tensor(np.array(2.5), requires_grad=True)
    for fn in [lambda v: v.sum(0), lambda v: v.mean(-1), lambda v: v.prod(0),
               lambda v: v.cumsum(0), lambda v: v.norm(dim=0), lambda v: v.logsumexp(0),
               lambda v: v.gather(0, cr.tensor(0))]:
        assert gradcheck(fn, (x,))
    t = torch.tensor(2.5, requires_grad=True)
    t.gather(0, torch.tensor(0)).backward()
    g = cr.tensor(2.5, requires_grad=True)
    g.gather(0, cr.tensor(0)).backward()
    assert g.grad.item() == t.grad.item()
