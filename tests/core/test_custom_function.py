"""PyTorch-style custom Functions (staticmethod forward(ctx, ...) / backward(ctx, ...)): the same
class body runs on chainrule and on torch and gives the same values and gradients."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, gradcheck


def make_functions(m):
    """The same custom Functions written against module ``m`` (chainrule or torch)."""

    class MyExp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    class SinCos(m.autograd.Function):        # two outputs
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x.exp() * y, x * y * y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            gx = ga * x.exp() * y + gb * y * y
            gy = ga * x.exp() + gb * 2 * x * y
            return gx, gy

    class Scale(m.autograd.Function):         # a non-tensor argument and ctx attributes
        @staticmethod
        def forward(ctx, x, k, shift=0.0):
            ctx.k = k
            return x * k + shift

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None, None

    class Lazy(m.autograd.Function):          # set_materialize_grads(False): None arrives
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            ctx.seen = (ga is None, gb is None)
            Lazy.seen = ctx.seen
            out = 0
            if ga is not None:
                out = out + ga * 2
            if gb is not None:
                out = out + gb * 3
            return out

    class Setup(m.autograd.Function):         # the setup_context form
        @staticmethod
        def forward(x, power=3):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, power = inputs
            ctx.power = power
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * ctx.power * x ** (ctx.power - 1), None

    class Twice(m.autograd.Function):         # backward built from differentiable ops
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return (x @ w).tanh()

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            g = grad * (1 - (x @ w).tanh() ** 2)
            gx = g @ w.T if ctx.needs_input_grad[0] else None
            gw = x.T @ g if ctx.needs_input_grad[1] else None
            return gx, gw

    return dict(MyExp=MyExp, SinCos=SinCos, Scale=Scale, Lazy=Lazy, Setup=Setup, Twice=Twice)


CASES = {
    "exp": (lambda F, x, w: F["MyExp"].apply(x).sum(), (3,)),
    "two_outputs": (lambda F, x, w: sum(o.sum() for o in F["SinCos"].apply(x, w)), (3,)),
    "one_output_used": (lambda F, x, w: F["SinCos"].apply(x, w)[1].sum(), (3,)),
    "non_tensor_arg": (lambda F, x, w: (F["Scale"].apply(x, 2.5, shift=1.0) * w).sum(), (3,)),
    "setup_context": (lambda F, x, w: (F["Setup"].apply(x) * w).sum(), (3,)),
    "backward_uses_ops": (lambda F, x, w: F["Twice"].apply(x, w).sum(), (3, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_custom_function_matches_torch(name, torch):
    fn, shape = CASES[name]
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    ours = [cr.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    out, ref = fn(make_functions(cr), *ours), fn(make_functions(torch), *theirs)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-10)
    out.backward()
    ref.backward()
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", ["MyExp", "SinCos", "Twice"])
def test_custom_function_gradcheck(name):
    F = make_functions(cr)[name]
    rng = np.random.default_rng(1)
    n = 2 if name != "MyExp" else 1
    xs = [cr.tensor(rng.normal(size=(2, 2)), requires_grad=True) for _ in range(n)]
    assert gradcheck(lambda *a: F.apply(*a), xs)


def test_forward_runs_without_grad_and_outputs_link_to_ctx():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen["grad"] = cr.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen["backward_grad"] = cr.is_grad_enabled()
            return g * 2

    x = cr.ones(3, requires_grad=True)
    y = Probe.apply(x)
    assert seen["grad"] is False and y.requires_grad
    assert type(y.grad_fn).__name__ == "ProbeBackward" and "ProbeBackward" in repr(y)
    y.sum().backward()
    assert seen["backward_grad"] is False
    np.testing.assert_allclose(x.grad.numpy(), [2, 2, 2])
    with cr.no_grad():
        assert not Probe.apply(x).requires_grad


def test_mark_non_differentiable_and_integer_outputs(torch):
    for m in (cr, torch):
        class Split(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                a, c = x * 2, x * 3
                ctx.mark_non_differentiable(c)
                return a, x.argmax(), c

            @staticmethod
            def backward(ctx, ga, gi, gc):
                Split.got = (gi.tolist(), gc.tolist())
                return ga * 2
        x = m.ones(3, requires_grad=True) if m is torch else cr.ones(3, requires_grad=True)
        a, i, c = Split.apply(x)
        assert a.requires_grad and not i.requires_grad and not c.requires_grad
        a.sum().backward()
        assert Split.got == (0, [0.0, 0.0, 0.0])
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_set_materialize_grads_false_passes_none(torch):
    results = []
    for m in (cr, torch):
        F = make_functions(m)["Lazy"]
        x = m.ones(2, requires_grad=True)
        a, b = F.apply(x)
        b.sum().backward()
        results.append((F.seen, x.grad.tolist()))
    assert results[0] == results[1] == ((True, False), [3.0, 3.0])


def test_mark_dirty_in_place(torch):
    for m in (cr, torch):
        class AddOne(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 1

        w = m.ones(3, requires_grad=True)
        y = w * 2
        z = AddOne.apply(y)
        assert z is y and y.requires_grad
        (z * z).sum().backward()
        assert w.grad.tolist() == [12.0, 12.0, 12.0]
        with pytest.raises(RuntimeError):
            AddOne.apply(m.ones(3, requires_grad=True))


def test_saved_tensor_modified_in_place_is_refused():
    F = make_functions(cr)["MyExp"]
    x = cr.ones(3, requires_grad=True)
    y = F.apply(x * 1)
    with cr.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_second_backward_after_free_is_refused():
    F = make_functions(cr)["MyExp"]
    x = cr.ones(3, requires_grad=True)
    y = F.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.e * np.ones(3))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def _bad(ret, nargs=2):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return ret(g)
    x = cr.ones(3, requires_grad=True)
    Bad.apply(x, 1).sum().backward()
    return x.grad


def test_backward_result_rules_follow_torch():
    assert _bad(lambda g: (g, None, None)).tolist() == [1.0] * 3      # extra trailing Nones
    assert _bad(lambda g: (g.reshape(1, 3).expand(2, 3), None)).tolist() == [2.0] * 3  # summed
    assert _bad(lambda g: (g.double(), None)).dtype == cr.float32      # cast to the input's
    with pytest.raises(RuntimeError, match=r"Bad\.backward returned an incorrect number of "
                                           r"gradients \(expected 2.*got 1\)"):
        _bad(lambda g: g)
    with pytest.raises(RuntimeError, match=r"Bad\.backward.*incorrect number.*got 3"):
        _bad(lambda g: (g, None, g))
    with pytest.raises(RuntimeError, match=r"Bad\.backward.*position 1.*not a Tensor"):
        _bad(lambda g: (g, g))
    with pytest.raises(RuntimeError, match=r"Bad\.backward.*invalid gradient at index 0.*\(2,\)"):
        _bad(lambda g: (g[:2], None))
    with pytest.raises(TypeError, match=r"Bad\.backward returned a float"):
        _bad(lambda g: (3.0, None))


def test_save_for_backward_refuses_non_tensors():
    class Saver(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(TypeError, match="Saver: save_for_backward can only save tensors"):
        Saver.apply(cr.ones(2, requires_grad=True))


def test_array_level_forward_returning_a_tensor_is_named():
    class Wrong(Function):
        def forward(self, x):
            return cr.tensor(x)

        def backward(self, g):
            return g
    for requires_grad in (False, True):
        with pytest.raises(TypeError, match="Wrong.forward returned a Tensor"):
            Wrong.apply(cr.ones(2, requires_grad=requires_grad))


def test_array_level_backward_with_extra_gradients_is_named():
    class Extra(Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return g * 2, g

    x = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Extra.backward returned 2 gradients for 1 input"):
        Extra.apply(x).sum().backward()


def test_ctx_attributes_never_collide_with_the_graph(torch):
    """torch.utils.checkpoint-style code keeps its own ``ctx.inputs`` and the like."""
    for m in (cr, torch):
        class Keep(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.inputs = [None, k]
                ctx.freed = ctx.n_outputs = ctx.saved_versions = "mine"
                ctx.save_for_backward(x)
                return x * k

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                assert ctx.inputs == [None, 3.0] and ctx.freed == "mine"
                return g * ctx.inputs[1], None

        x = m.ones(2, requires_grad=True)
        Keep.apply(x, 3.0).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
