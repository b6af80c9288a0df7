"""Shared checks of the tests/core/test_ops_*.py files: a float64 gradcheck and torch parity of
values, dtypes, shapes and input gradients, for ops that may return several tensors."""
import numpy as np

import chainrule as cr
from chainrule.autograd import gradcheck


def arr(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def leaf(a):
    return cr.tensor(a, dtype=cr.float64, requires_grad=True)


def _parts(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def same(out, ref, rtol=1e-10, atol=1e-12):
    """chainrule and torch results agree in count, shape, dtype and values."""
    outs, refs = _parts(out), _parts(ref)
    assert len(outs) == len(refs)
    for o, r in zip(outs, refs):
        if not hasattr(r, "detach"):  # a Python scalar (equal, ...)
            assert o == r
            continue
        assert tuple(o.shape) == tuple(r.shape), (o.shape, r.shape)
        assert str(o.dtype) == str(r.dtype).replace("torch.", ""), (o.dtype, r.dtype)
        np.testing.assert_allclose(o._data, r.detach().numpy(), rtol=rtol, atol=atol)


def parity(torch, fn_cr, fn_torch, *arrays, rtol=1e-10, atol=1e-12, grad=True):
    """Same float64 inputs through both: equal outputs, and equal input gradients of a random
    weighted sum of the first output."""
    xs = [leaf(a) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = fn_cr(*xs), fn_torch(*ts)
    same(out, ref, rtol, atol)
    if not grad:
        return
    o, r = _parts(out)[0], _parts(ref)[0]
    w = np.random.default_rng(9).standard_normal(tuple(r.shape))
    (o * cr.tensor(w)).sum().backward()
    (r * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        gx = np.zeros(x.shape) if x.grad is None else x.grad._data
        gt = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(gx, gt, rtol=rtol, atol=atol)


def check(torch, fn_cr, fn_torch, *arrays, rtol=1e-10, atol=1e-12):
    """gradcheck of the first output in float64, then torch parity."""
    assert gradcheck(lambda *xs: _parts(fn_cr(*xs))[0], tuple(leaf(a) for a in arrays))
    parity(torch, fn_cr, fn_torch, *arrays, rtol=rtol, atol=atol)
