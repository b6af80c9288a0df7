"""Behaviour a PyTorch user relies on: dtype promotion, in-place rules, formatting, operators."""
import numpy as np
import pytest

import chainrule as cr

PROMOTIONS = [
    lambda m: m.ones(2) / np.sqrt(4), lambda m: m.ones(2) * np.float64(0.5),
    lambda m: m.arange(3) / 2, lambda m: m.arange(3) * 0.5, lambda m: 2 / m.arange(1, 3),
    lambda m: m.tensor([1, 2]).exp(), lambda m: m.tensor([1, 2]).sqrt(),
    lambda m: m.tensor([1, 4]).sigmoid(), lambda m: m.tensor([1, 4]).tanh(),
    lambda m: m.tensor([1, -4]).relu(),
    lambda m: m.where(m.tensor([True, False]), 1.0, 0.0), lambda m: m.arange(4).clamp(0.5, 2.5),
    lambda m: m.arange(4) ** 0.5, lambda m: m.arange(4) ** 2, lambda m: m.tensor([7, -3]) % 3,
    lambda m: m.tensor([7.5, -3.0]) % 2, lambda m: m.tensor([6]) & m.tensor([3]),
    lambda m: m.tensor([6]) | m.tensor([3]), lambda m: m.tensor([6]) ^ m.tensor([3]),
    lambda m: m.tensor([7, -3]) // 2, lambda m: (m.ones(3) > 0) & True,
    lambda m: m.ones(2, dtype=m.float64) + m.ones(2, dtype=m.float32),
    lambda m: m.ones(2, dtype=m.int32) + m.ones(2, dtype=m.float32),
]


@pytest.mark.parametrize("expr", PROMOTIONS)
def test_result_dtype_and_value_match_torch(expr, torch):
    ours, theirs = expr(cr), expr(torch)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_remainder_gradient(torch):
    a = np.array([7.5, -3.2, 4.0])
    b = np.array([2.0, 1.5, -3.0])
    x, y = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x % y).sum().backward()
    (tx % ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())


def test_format_and_array_copy():
    assert f"{cr.tensor(1.5):.2f}" == "1.50"
    t = cr.zeros(3)
    snapshot = np.array(t)
    snapshot[0] = 5
    assert t.tolist() == [0.0, 0.0, 0.0]
    assert np.asarray(t) is t._data
    with pytest.raises(TypeError):
        list(cr.tensor(1.0))
    assert [r.tolist() for r in cr.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert (cr.ones(2) == None) is False  # noqa: E711


def test_modified_saved_tensor_is_refused():
    x, w = cr.ones(3), cr.ones(3, requires_grad=True)
    loss = (x * w).sum()
    x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_setitem_with_a_tensor_that_requires_grad_is_recorded(torch):
    def run(m):
        w = m.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        out = m.zeros(3, dtype=m.float64)
        out[0] = (w * 2).sum()
        out[1:] = w[:2] ** 2
        h = out * 3
        h[2] = 0.0
        (h * w).sum().backward()
        return w.grad.numpy()
    np.testing.assert_allclose(run(cr), run(torch))


def test_to_accepts_devices_and_tensors():
    x = cr.ones(2)
    assert x.to("cpu") is x and x.cpu() is x and x.device == "cpu"
    assert x.to("cpu", cr.float64).dtype == cr.float64
    assert x.to(cr.ones(1, dtype=cr.float64)).dtype == cr.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to(device="cuda")


def test_unsupported_operand_is_a_clear_type_error():
    with pytest.raises(TypeError, match="add: unsupported operands"):
        cr.ones(2) + "a"


@pytest.mark.parametrize("build,twice_ok", [
    (lambda m, w: (w + 1).sum(), True),            # saves only shapes: reusable, as in torch
    (lambda m, w: (w - 1).mean(), True),
    (lambda m, w: (w * w).sum(), False),           # saved w itself: freed after backward
    (lambda m, w: w.exp().sum(), False),
])
def test_second_backward_without_retain_graph_like_torch(build, twice_ok, torch):
    results = {}
    for m in (cr, torch):
        w = m.ones(3, requires_grad=True)
        y = build(m, w)
        y.backward()
        try:
            y.backward()
            results[m] = w.grad.numpy().copy()
        except RuntimeError:
            results[m] = None
    assert (results[cr] is not None) == twice_ok == (results[torch] is not None)
    if twice_ok:
        np.testing.assert_allclose(results[cr], results[torch])


def test_assignments_checked_like_torch(torch):
    for m in (cr, torch):
        with pytest.raises(RuntimeError, match="floating point"):
            m.tensor([1, 2]).requires_grad = True
        w = m.ones(3, requires_grad=True)
        y = w * 2
        with pytest.raises(RuntimeError, match="leaf"):
            y.requires_grad = False
        for bad in (m.zeros(4), m.zeros(3, dtype=m.float16)):
            with pytest.raises(RuntimeError):
                w.grad = bad
        with pytest.raises(TypeError):
            w.grad = np.zeros(3, np.float32)
        w.grad = m.full((3,), 2.0)
        assert float(w.grad.sum()) == 6.0
        w.grad = None
        assert w.grad is None
