"""Module hooks: the same program on chainrule and torch, with the same weights, sees the same
values in its hooks, in the same order, and their return values have the same effect."""
import numpy as np
import pytest

import chainrule as cr


def _net(m):
    lin = m.nn.Linear(3, 2)
    with m.no_grad():
        lin.weight.copy_(m.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        lin.bias.copy_(m.tensor([0.05, -0.05]))
    return lin


class _TwoInTwoOut:
    """A module (built for m) with a tensor, a tensor not requiring grad and a number."""

    @staticmethod
    def make(m):
        class Mix(m.nn.Module):
            def forward(self, a, b, k=1.0):
                return a * b * k, (a * a).sum()
        return Mix()


def _vals(v):
    if v is None:
        return None
    if isinstance(v, (tuple, list)):
        return [_vals(e) for e in v]
    if hasattr(v, "detach"):
        return np.round(v.detach().numpy().astype(float), 6).tolist()
    return v


def forward_pre_and_forward_hooks_replace(m, log):
    lin = _net(m)
    lin.register_forward_pre_hook(lambda mod, args: log.append(("pre", _vals(args))) or
                                  (args[0] * 2,))
    lin.register_forward_hook(lambda mod, args, out: log.append(("fwd", _vals([args, out])))
                              or out + 1)
    x = m.tensor([[1.0, 2.0, 3.0]])
    log.append(("out", _vals(lin(x))))


def hooks_with_kwargs_and_prepend(m, log):
    mix = _TwoInTwoOut.make(m)
    mix.register_forward_pre_hook(lambda mod, args, kw: log.append(("pre", _vals([args, kw])))
                                  or (args, {"k": 3.0}), with_kwargs=True)
    mix.register_forward_hook(lambda mod, args, kw, out: log.append(("fwd", kw)), with_kwargs=True)
    mix.register_forward_hook(lambda mod, args, out: log.append(("first", None)), prepend=True)
    a, b = m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0])
    log.append(("out", _vals(mix(a, b, k=2.0))))


def removed_and_context_managed_hooks(m, log):
    lin = _net(m)
    h = lin.register_forward_hook(lambda mod, args, out: log.append(("never", None)))
    h.remove()
    with lin.register_forward_pre_hook(lambda mod, args: log.append(("once", None))):
        lin(m.ones(1, 3))
    lin(m.ones(1, 3))


def full_backward_hook_sees_grads(m, log):
    lin = _net(m)
    lin.register_full_backward_hook(lambda mod, gi, go: log.append(("bw", _vals([gi, go]))))
    x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    (lin(x) ** 2).sum().backward()
    log.append(("x.grad", _vals(x.grad)))
    log.append(("w.grad", _vals(lin.weight.grad)))


def full_backward_hook_replaces_grad_input(m, log):
    lin = _net(m)
    lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
    x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    lin(x).sum().backward()
    log.append(("x.grad", _vals(x.grad)))


def backward_pre_hook_replaces_grad_output(m, log):
    lin = _net(m)
    lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _vals(go)))
                                        or (go[0] * 0 + 1,))
    lin.register_full_backward_hook(lambda mod, gi, go: log.append(("bw", _vals([gi, go]))))
    x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    (lin(x) * 5).sum().backward()
    log.append(("w.grad", _vals(lin.weight.grad)))


def backward_hook_mixed_inputs_and_unused_output(m, log):
    mix = _TwoInTwoOut.make(m)
    mix.register_full_backward_hook(lambda mod, gi, go: log.append(("bw", _vals([gi, go]))))
    a = m.tensor([1.0, 2.0], requires_grad=True)
    out, _ = mix(a, m.tensor([3.0, 4.0]), 2.0)
    out.sum().backward()


def backward_hook_when_no_input_requires_grad(m, log):
    lin = _net(m)
    lin.register_full_backward_hook(lambda mod, gi, go: log.append(("bw", _vals([gi, go]))))
    lin(m.ones(1, 3)).sum().backward()
    log.append(("b.grad", _vals(lin.bias.grad)))


PROGRAMS = [forward_pre_and_forward_hooks_replace, hooks_with_kwargs_and_prepend,
            removed_and_context_managed_hooks, full_backward_hook_sees_grads,
            full_backward_hook_replaces_grad_input, backward_pre_hook_replaces_grad_output,
            backward_hook_mixed_inputs_and_unused_output, backward_hook_when_no_input_requires_grad]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda f: f.__name__)
def test_module_hooks_match_torch(program, torch):
    ours, ref = [], []
    program(cr, ours)
    program(torch, ref)
    assert ours == ref


def test_always_call_forward_hook_runs_when_forward_raises(torch):
    for m in (cr, torch):
        class Boom(m.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        seen = []
        mod = Boom()
        mod.register_forward_hook(lambda mod, args, out: seen.append("always"), always_call=True)
        mod.register_forward_hook(lambda mod, args, out: seen.append("normal"))
        with pytest.raises(ValueError, match="boom"):
            mod(m.ones(1))
        assert seen == ["always"]


def test_wrong_number_of_grad_input_is_an_error():
    lin = _net(cr)
    lin.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="Linear: backward hook returned an invalid number"):
        lin(cr.ones(1, 3, requires_grad=True)).sum().backward()


def test_module_without_hooks_calls_forward_directly():
    lin = _net(cr)
    assert lin._module_hooks is None
    lin.register_forward_hook(lambda *a: None).remove()
    assert "_module_hooks" in lin.__dict__
