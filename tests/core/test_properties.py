"""Hypothesis property tests: for random broadcastable shapes every gradient has its input's
shape and matches numeric differentiation."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule.autograd import gradcheck

OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0), "maximum": cr.maximum,
    "where": lambda a, b: cr.where(a.detach() > 0, a, b),
}


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                 max_side=3),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_broadcast_gradients(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = cr.tensor(rng.normal(size=sa), requires_grad=True)
    b = cr.tensor(rng.normal(size=sb) + 0.05, requires_grad=True)
    out = OPS[op](a, b)
    assert out.shape == shapes.result_shape
    out.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    a.grad = b.grad = None
    assert gradcheck(OPS[op], (a, b))


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_reduction_shapes(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    x = cr.tensor(np.random.default_rng(0).normal(size=shape), requires_grad=True)
    for name in ("sum", "mean", "logsumexp"):
        y = getattr(x, name)(dim=dim, keepdim=keepdim)
        expected = getattr(np, "sum")(x.detach().numpy(), axis=dim, keepdims=keepdim).shape
        assert y.shape == expected
    assert gradcheck(lambda v: v.sum(dim, keepdim=keepdim) * v.mean(dim, keepdim=keepdim),
                     (x,))
