"""nn.utils: gradient clipping against PyTorch, and the L1/L2 penalties."""
import math

import numpy as np
import pytest

import chainrule
from chainrule.autograd import gradcheck
from chainrule.nn.utils import (clip_grad_norm_, clip_grad_value_, get_total_norm, l1_penalty,
                                l2_penalty, parameters_to_vector, vector_to_parameters)

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def _pair(torch, rng, scale=1.0, dtype=np.float64):
    ours, theirs = [], []
    for shape in SHAPES:
        data = rng.standard_normal(shape).astype(dtype)
        grad = (scale * rng.standard_normal(shape)).astype(dtype)
        p = chainrule.tensor(data, requires_grad=True)
        p.grad = chainrule.tensor(grad.copy())
        q = torch.tensor(data, requires_grad=True)
        q.grad = torch.tensor(grad.copy())
        ours.append(p)
        theirs.append(q)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, torch, rng):
    ours, theirs = _pair(torch, rng)
    total_c = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total_c, chainrule.Tensor) and total_c.shape == ()
    np.testing.assert_allclose(total_c.item(), total_t.item(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_float32_single_tensor_and_skips_missing_grads(torch, rng):
    ours, theirs = _pair(torch, rng, scale=10.0, dtype=np.float32)
    ours[1].grad = None
    theirs[1].grad = None
    total_c = clip_grad_norm_(ours, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total_c.dtype == np.float32 and ours[0].grad.dtype == np.float32
    np.testing.assert_allclose(total_c.item(), total_t.item(), rtol=1e-5)
    np.testing.assert_allclose(ours[0].grad._data, theirs[0].grad.numpy(), rtol=1e-5)
    single_c = clip_grad_norm_(ours[2], 0.1)
    single_t = torch.nn.utils.clip_grad_norm_(theirs[2], 0.1)
    np.testing.assert_allclose(single_c.item(), single_t.item(), rtol=1e-5)
    np.testing.assert_allclose(ours[2].grad._data, theirs[2].grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours[2].grad._data), 0.1, rtol=1e-4)
    assert clip_grad_norm_([chainrule.tensor(np.ones(2), requires_grad=True)], 1.0).item() == 0


def test_clip_grad_norm_nonfinite(rng):
    p = chainrule.tensor(np.ones(3), requires_grad=True)
    p.grad = chainrule.tensor(np.array([1.0, np.inf, 2.0]))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.warns(RuntimeWarning, match="leaves nan"):
        assert math.isinf(clip_grad_norm_([p], 1.0).item())


def test_get_total_norm_matches_torch(torch, rng):
    ours, theirs = _pair(torch, rng)
    np.testing.assert_allclose(
        get_total_norm([p.grad for p in ours], 3.0).item(),
        torch.nn.utils.get_total_norm([q.grad for q in theirs], 3.0).item(), rtol=1e-12)


@pytest.mark.parametrize("clip_value", [0.3, 5.0])
def test_clip_grad_value_matches_torch(clip_value, torch, rng):
    ours, theirs = _pair(torch, rng)
    clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad._data, q.grad.numpy())


def _tensors(rng):
    # keep entries away from 0, where |w| has a kink that central differences straddle
    out = []
    for shape in SHAPES:
        a = rng.standard_normal(shape)
        a += np.sign(a) * 0.1
        out.append(chainrule.tensor(a, requires_grad=True))
    return out


@pytest.mark.parametrize("penalty,reference", [(l1_penalty, lambda a: np.abs(a).sum()),
                                               (l2_penalty, lambda a: (a ** 2).sum())])
def test_penalties_value_and_gradcheck(penalty, reference, rng):
    ts = _tensors(rng)
    value = penalty(ts)
    assert value.shape == () and value.requires_grad
    np.testing.assert_allclose(value.item(), sum(reference(t._data) for t in ts), rtol=1e-12)
    assert gradcheck(lambda *xs: penalty(list(xs)), tuple(ts))
    assert gradcheck(lambda x: penalty(x) * 3.0, (ts[0],))


def test_penalties_match_torch_gradients(torch, rng):
    ts = _tensors(rng)
    loss = l1_penalty(ts) * 0.3 + l2_penalty(ts) * 0.7
    loss.backward()
    qs = [torch.tensor(t._data, requires_grad=True) for t in ts]
    (sum(q.abs().sum() for q in qs) * 0.3 + sum((q ** 2).sum() for q in qs) * 0.7).backward()
    for t, q in zip(ts, qs):
        np.testing.assert_allclose(t.grad._data, q.grad.numpy(), rtol=1e-12)


def test_penalty_errors():
    with pytest.raises(ValueError, match="l1_penalty: got no parameters"):
        l1_penalty([])
    with pytest.raises(TypeError, match="l2_penalty: expected Tensors, got ndarray"):
        l2_penalty([np.ones(3)])


def test_parameters_vector_round_trip(rng):
    ts = _tensors(rng)
    vec = parameters_to_vector(ts)
    assert vec.shape == (sum(t._data.size for t in ts),)
    np.testing.assert_array_equal(vec._data, np.concatenate([t._data.ravel() for t in ts]))
    before = [t._data for t in ts]
    vector_to_parameters(vec * 2.0, ts)
    for t, arr in zip(ts, before):
        assert t._data is arr  # copied in place: optimizers keep seeing the same arrays
    np.testing.assert_array_equal(parameters_to_vector(ts)._data, 2 * vec._data)
    with pytest.raises(ValueError, match="vector_to_parameters: vec has shape"):
        vector_to_parameters(vec[:3], ts)
