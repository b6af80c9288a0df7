"""Tensor hooks (register_hook, register_post_accumulate_grad_hook): the same program on
chainrule and torch sees the same gradients in the same order and ends with the same .grad."""
import numpy as np
import pytest

import chainrule as cr


def _run(m, program):
    log = []
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
    program(m, x, w, log)
    grads = [None if t.grad is None else t.grad.tolist() for t in (x, w)]
    return [(k, np.round(np.asarray(v), 10).tolist()) for k, v in log], grads


def nonleaf_hook_replaces_and_retain_grad_sees_it(m, x, w, log):
    y = x * w
    y.retain_grad()
    y.register_hook(lambda g: log.append(("y", g.tolist())) or g * 10)
    (y * y + y).sum().backward()
    log.append(("y.grad", y.grad.tolist()))


def leaf_hook_sees_total_once_then_post_accumulate(m, x, w, log):
    x.register_hook(lambda g: log.append(("x", g.tolist())) or g + 1)
    x.register_post_accumulate_grad_hook(lambda t: log.append(("x.post", t.grad.tolist())))
    ((x * w).sum() + (x * x).sum()).backward()
    (x * 3).sum().backward()


def hooks_chain_in_registration_order(m, x, w, log):
    x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: log.append(("second", g.tolist())))
    (x * w).sum().backward()


def removed_hook_is_not_called(m, x, w, log):
    h = x.register_hook(lambda g: log.append(("never", g.tolist())))
    h.remove()
    with w.register_hook(lambda g: log.append(("w", g.tolist()))):
        (x * w).sum().backward()
    (x * w).sum().backward()


def hook_on_root_and_multi_output(m, x, w, log):
    a, b = (x * w).split([1, 2])
    b.register_hook(lambda g: log.append(("b", g.tolist())) or g * 0)
    out = a.sum() * 2 + b.sum()
    out.register_hook(lambda g: log.append(("out", g.tolist())))
    out.backward()


def post_accumulate_order_follows_backward(m, x, w, log):
    for name, t in (("x", x), ("w", w)):
        t.register_post_accumulate_grad_hook(lambda t, name=name: log.append((name, [])))
    ((x * 2).exp() * w).sum().backward()


@pytest.mark.parametrize("program", [
    nonleaf_hook_replaces_and_retain_grad_sees_it, leaf_hook_sees_total_once_then_post_accumulate,
    hooks_chain_in_registration_order, removed_hook_is_not_called, hook_on_root_and_multi_output,
    post_accumulate_order_follows_backward], ids=lambda f: f.__name__)
def test_tensor_hooks_match_torch(program, torch):
    torch.set_default_dtype(torch.float64)
    try:
        ref = _run(torch, program)
    finally:
        torch.set_default_dtype(torch.float32)
    ours = _run(cr, program)
    assert ours[0] == ref[0]
    np.testing.assert_allclose(np.array(ours[1], dtype=float), np.array(ref[1], dtype=float),
                               rtol=1e-6)


def test_hook_sees_captured_gradient_in_autograd_grad():
    x = cr.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 5)
    (g,) = cr.autograd.grad((x * 2).sum(), x)
    assert g.tolist() == [10.0, 10.0] and x.grad is None


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        cr.ones(2).register_hook(lambda g: g)
    x = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    x.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size"):
        (x * 2).sum().backward()
