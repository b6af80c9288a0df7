"""BatchNorm, GroupNorm and InstanceNorm: parity with torch in float64 over the option
combinations (outputs, input / weight / bias gradients, running statistics over several
training steps, eval outputs), gradcheck, module API and errors."""
import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from norms_testutil import assert_close, copy_params, run_both


def _steps(torch, ours, theirs, shape, rng, train_steps=3):
    """A few training steps then one eval step, comparing outputs, every gradient and every
    buffer after each step."""
    copy_params(ours, theirs, torch, rng)
    for step in range(train_steps + 1):
        if step == train_steps:
            ours.eval(), theirs.eval()
        ours.zero_grad(), theirs.zero_grad()
        x = rng.standard_normal(shape) * 2 + 0.5
        run_both(torch, ours, theirs, [x], seed=step)
        for (name, p), pt in zip(ours.named_parameters(), theirs.parameters()):
            assert_close(p.grad, pt.grad, msg=f"step {step}: gradient of {name}")
        buffers = dict(theirs.named_buffers())
        assert [k for k, _ in ours.named_buffers()] == list(buffers)
        for name, b in ours.named_buffers():
            assert_close(b, buffers[name], msg=f"step {step}: buffer {name}")


BATCH_CASES = [("BatchNorm1d", (4, 3)), ("BatchNorm1d", (3, 3, 5)),
               ("BatchNorm2d", (2, 3, 4, 5)), ("BatchNorm2d", (4, 3, 4, 4)),
               ("BatchNorm3d", (2, 3, 2, 2, 3))]


@pytest.mark.parametrize("cls,shape", BATCH_CASES)
@pytest.mark.parametrize("momentum,affine,track",
                         list(itertools.product([0.1, None], [True, False], [True, False])))
def test_batch_norm_module(torch, rng, cls, shape, momentum, affine, track):
    kwargs = dict(eps=1e-3, momentum=momentum, affine=affine, track_running_stats=track)
    ours = getattr(cr.nn, cls)(3, dtype=cr.float64, **kwargs)
    theirs = getattr(torch.nn, cls)(3, dtype=torch.float64, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _steps(torch, ours, theirs, shape, rng)


def test_batch_norm_without_bias_and_state(torch, rng):
    ours, theirs = cr.nn.BatchNorm2d(3, bias=False, dtype=cr.float64), \
        torch.nn.BatchNorm2d(3, bias=False, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    _steps(torch, ours, theirs, (2, 3, 2, 2), rng)
    assert ours.num_batches_tracked.dtype == cr.int64 and ours.num_batches_tracked.ndim == 0
    # A torch checkpoint loads, then reset_running_stats restores the initial buffers.
    theirs.train()(torch.randn(4, 3, 2, 2, dtype=torch.float64))
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for k, v in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v, msg=k)
    ours.reset_running_stats(), theirs.reset_running_stats()
    for k, v in theirs.state_dict().items():
        assert_close(ours.state_dict()[k], v, msg=k)


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm(torch, rng, training):
    x, w, b = rng.standard_normal((3, 2, 4)), rng.standard_normal(2), rng.standard_normal(2)
    rm, rv = rng.standard_normal(2), rng.random(2) + 0.5
    rm_o, rv_o, rm_t, rv_t = cr.tensor(rm), cr.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    run_both(torch, lambda x, w, b: F.batch_norm(x, rm_o, rv_o, w, b, training, 0.3, 1e-4),
             lambda x, w, b: torch.nn.functional.batch_norm(x, rm_t, rv_t, w, b, training,
                                                            0.3, 1e-4),
             [x, w, b], grad_of=(0, 1, 2))
    assert_close(rm_o, rm_t), assert_close(rv_o, rv_t)


@pytest.mark.parametrize("shape,groups", [((2, 4), 2), ((2, 4, 3), 1), ((2, 4, 3), 4),
                                          ((2, 4, 2, 3), 2), ((4, 4, 16), 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_module(torch, rng, shape, groups, affine):
    ours = cr.nn.GroupNorm(groups, 4, eps=1e-3, affine=affine, dtype=cr.float64)
    theirs = torch.nn.GroupNorm(groups, 4, eps=1e-3, affine=affine, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _steps(torch, ours, theirs, shape, rng, train_steps=1)


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 4)),
                                       ("InstanceNorm2d", (2, 3, 2, 3)),
                                       ("InstanceNorm2d", (3, 2, 2))])
@pytest.mark.parametrize("affine,track", list(itertools.product([True, False], repeat=2)))
def test_instance_norm_module(torch, rng, cls, shape, affine, track):
    ours = getattr(cr.nn, cls)(3, eps=1e-3, momentum=0.2, affine=affine,
                               track_running_stats=track, dtype=cr.float64)
    theirs = getattr(torch.nn, cls)(3, eps=1e-3, momentum=0.2, affine=affine,
                                    track_running_stats=track, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _steps(torch, ours, theirs, shape, rng, train_steps=2)


def test_defaults_match_torch(torch):
    for name in ("BatchNorm1d", "InstanceNorm2d"):
        assert repr(getattr(cr.nn, name)(5)) == repr(getattr(torch.nn, name)(5))
    assert repr(cr.nn.BatchNorm2d(3, momentum=None, affine=False)) == \
        repr(torch.nn.BatchNorm2d(3, momentum=None, affine=False))


def test_gradcheck(rng):
    def t(*shape):
        return cr.tensor(rng.standard_normal(shape), requires_grad=True)
    x, w, b = t(3, 2, 3), t(2), t(2)
    rm, rv = cr.tensor(rng.standard_normal(2)), cr.tensor(rng.random(2) + 0.5)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (x, w, b))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), (x, w, b))
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))
    x4 = t(2, 4, 3)
    w4, b4 = t(4), t(4)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x4, w4, b4))
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x4, w4, b4))


def test_float32_stays_float32(torch, rng):
    x = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    for m in (cr.nn.BatchNorm2d(3), cr.nn.GroupNorm(3, 3), cr.nn.InstanceNorm2d(3)):
        y = m(cr.tensor(x, requires_grad=True))
        y.sum().backward()
        assert y.dtype == cr.float32
    bn = cr.nn.BatchNorm2d(3)
    bn(cr.tensor(x))
    assert bn.running_var.dtype == cr.float32
    tbn = torch.nn.BatchNorm2d(3)
    tbn(torch.tensor(x))
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5)


def test_errors(rng):
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        cr.nn.BatchNorm1d(3)(cr.randn(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        cr.nn.BatchNorm1d(3)(cr.randn(1, 3, 1))
    cr.nn.BatchNorm1d(3).eval()(cr.randn(1, 3))              # fine in eval, as torch
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        cr.nn.BatchNorm1d(4)(cr.randn(2, 3))
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        cr.nn.BatchNorm1d(4, track_running_stats=False)(cr.randn(2, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        cr.nn.BatchNorm2d(3)(cr.randn(3, 5, 5))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        cr.nn.BatchNorm1d(3)(cr.randn(2, 3, 5, 5))
    with pytest.raises(RuntimeError, match="must be defined in evaluation mode"):
        F.batch_norm(cr.randn(2, 3), None, None, training=False)
    with pytest.raises(ValueError, match=r"num_channels \(3\) must be divisible by num_groups"):
        cr.nn.GroupNorm(2, 3)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(cr.randn(2, 3, 5), 2)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        cr.nn.InstanceNorm1d(3)(cr.randn(2, 3, 1))
    with pytest.raises(ValueError, match="match num_features"):
        cr.nn.InstanceNorm1d(4, affine=True)(cr.randn(2, 3, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        cr.nn.InstanceNorm1d(4)(cr.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="use_input_stats is false"):
        F.instance_norm(cr.randn(2, 3, 5), use_input_stats=False)
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.nn.BatchNorm2d(3, device="cuda:0")


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (3, 3, 7), (2, 3, 2, 3, 2)])
def test_batch_norm_channels_last_memory(torch, rng, training, shape):
    """An input whose memory is channels-last (as a convolution's output) takes the row path:
    same values and gradients as torch, and the output keeps the input's layout."""
    nlc = rng.standard_normal((shape[0],) + shape[2:] + (shape[1],)) * 2 + 0.5
    order = (0, nlc.ndim - 1) + tuple(range(1, nlc.ndim - 1))   # (N, *, C) -> (N, C, *)
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    rm_o, rv_o, rm_t, rv_t = cr.tensor(rm), cr.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    y = F.batch_norm(cr.tensor(nlc).permute(*order), rm_o.clone(), rv_o.clone(),
                     cr.tensor(w), cr.tensor(b), training)
    assert y.shape == shape and np.moveaxis(y.numpy(), 1, -1).flags.c_contiguous
    run_both(torch, lambda x, w, b: F.batch_norm(x.permute(*order), rm_o, rv_o, w, b, training,
                                                 0.2, 1e-4),
             lambda x, w, b: torch.nn.functional.batch_norm(x.permute(*order), rm_t, rv_t, w, b,
                                                            training, 0.2, 1e-4),
             [nlc, w, b], grad_of=(0, 1, 2))
    assert_close(rm_o, rm_t), assert_close(rv_o, rv_t)
    xg = cr.tensor(nlc, requires_grad=True)
    wg, bg = cr.tensor(w, requires_grad=True), cr.tensor(b, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x.permute(*order), None, None, w, b, True),
                     (xg, wg, bg))
