"""LayerNorm and RMSNorm: parity with torch in float64 (outputs and every gradient), gradcheck,
module API and errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from norms_testutil import assert_close, copy_params, run_both


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,)),
                                        ((2, 3, 1), (1,))])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm_matches_torch(torch, rng, shape, norm, affine):
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.standard_normal(norm) if affine != "none" else None
    b = rng.standard_normal(norm) if affine == "both" else None
    grad_of = (0,) + ((1,) if w is not None else ()) + ((2,) if b is not None else ())
    run_both(torch, lambda x, w, b: F.layer_norm(x, norm, w, b, eps=1e-3),
             lambda x, w, b: torch.nn.functional.layer_norm(x, norm, w, b, eps=1e-3),
             [x, w, b], grad_of=grad_of)


@pytest.mark.parametrize("eps", [None, 1e-2])
@pytest.mark.parametrize("weighted", [False, True])
def test_rms_norm_matches_torch(torch, rng, eps, weighted):
    x = rng.standard_normal((3, 2, 4))
    w = rng.standard_normal((2, 4)) if weighted else None
    run_both(torch, lambda x, w: F.rms_norm(x, (2, 4), w, eps),
             lambda x, w: torch.nn.functional.rms_norm(x, (2, 4), w, eps),
             [x, w], grad_of=(0, 1) if weighted else (0,))


def test_gradcheck(rng):
    x = cr.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = cr.tensor(rng.standard_normal(4), requires_grad=True)
    b = cr.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, 4, w, b), (x, w, b))
    assert gradcheck(lambda x: F.layer_norm(x, 4), (x,))
    assert gradcheck(lambda x, w: F.rms_norm(x, 4, w, 1e-3), (x, w))
    assert gradcheck(lambda x: F.rms_norm(x, 4), (x,))


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"elementwise_affine": False}])
def test_layer_norm_module(torch, rng, kwargs):
    ours = cr.nn.LayerNorm((3, 4), eps=1e-4, dtype=cr.float64, **kwargs)
    theirs = torch.nn.LayerNorm((3, 4), eps=1e-4, dtype=torch.float64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for k, v in theirs.state_dict().items():            # init: ones and zeros
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    copy_params(ours, theirs, torch, rng)
    x = rng.standard_normal((2, 3, 4))
    run_both(torch, ours, theirs, [x])
    for p, pt in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, pt.grad, msg="parameter gradient")


@pytest.mark.parametrize("kwargs", [{}, {"eps": 1e-3}, {"elementwise_affine": False}])
def test_rms_norm_module(torch, rng, kwargs):
    ours = cr.nn.RMSNorm(4, dtype=cr.float64, **kwargs)
    theirs = torch.nn.RMSNorm(4, dtype=torch.float64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    copy_params(ours, theirs, torch, rng)
    run_both(torch, ours, theirs, [rng.standard_normal((5, 4))])
    for p, pt in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, pt.grad, msg="parameter gradient")


def test_float32_stays_float32(torch, rng):
    x = rng.standard_normal((8, 16)).astype(np.float32)
    ln = cr.nn.LayerNorm(16)
    y = ln(cr.tensor(x, requires_grad=True))
    assert y.dtype == cr.float32
    y.sum().backward()
    assert ln.weight.grad.dtype == cr.float32
    expected = torch.nn.functional.layer_norm(torch.tensor(x), (16,)).numpy()
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-5)
    assert cr.nn.RMSNorm(16)(cr.tensor(x)).dtype == cr.float32


def test_errors(rng):
    x = cr.tensor(rng.standard_normal((2, 4)))
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[3\].*\[\*, 3\].*\[2, 4\]"):
        F.layer_norm(x, [3])
    with pytest.raises(RuntimeError, match="weight of shape"):
        F.layer_norm(x, [4], weight=cr.ones(3, dtype=cr.float64))
    with pytest.raises(RuntimeError, match="dtype"):
        F.layer_norm(x, [4], weight=cr.ones(4))
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        F.layer_norm(x, [])
    with pytest.raises(TypeError, match="floating point"):
        F.rms_norm(cr.tensor([[1, 2]]), 2)
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.nn.LayerNorm(4, device="cuda")
