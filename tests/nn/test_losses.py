"""Elementwise losses (bce, bce_with_logits, mse, l1, huber, smooth_l1, kl_div): parity with
PyTorch for values, input and target gradients and every option; stability; gradcheck; errors."""
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("error")

REDUCTIONS = ["mean", "sum", "none"]
SHAPE = (4, 3)


def _pair(rng):
    return rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,options", [
    ("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {"delta": 0.7}),
    ("smooth_l1_loss", {"beta": 0.6}), ("smooth_l1_loss", {"beta": 0.0}),
])
def test_regression_losses(parity, torch, rng, reduction, name, options):
    x, y = _pair(rng)
    x[0, 0] = y[0, 0] + 0.7          # exactly at the huber kink
    parity(lambda x, y: getattr(F, name)(x, y, reduction=reduction, **options),
           lambda x, y: getattr(torch.nn.functional, name)(x, y, reduction=reduction, **options),
           [x, y], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(parity, torch, rng, reduction, name):
    x, y = _pair(rng)
    parity(lambda x, y, w: getattr(F, name)(x, y, reduction=reduction, weight=w),
           lambda x, y, w: getattr(torch.nn.functional, name)(x, y, reduction=reduction,
                                                              weight=w),
           [x, y, rng.random(SHAPE)], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, SHAPE, (3,)])
def test_binary_cross_entropy(parity, torch, rng, reduction, weight_shape):
    p = rng.uniform(0.01, 0.99, SHAPE)
    y = rng.random(SHAPE)
    w = None if weight_shape is None else rng.random(weight_shape)
    parity(lambda p, y, w: F.binary_cross_entropy(p, y, weight=w, reduction=reduction),
           lambda p, y, w: torch.nn.functional.binary_cross_entropy(p, y, weight=w,
                                                                    reduction=reduction),
           [p, y, w], grad_of=(0, 1))


def test_binary_cross_entropy_clamps_log_at_minus_100(parity, torch):
    p = np.array([0.0, 1.0, 0.5, 1e-60])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    out, _ = parity(lambda p, y: F.binary_cross_entropy(p, y, reduction="none"),
                    lambda p, y: torch.nn.functional.binary_cross_entropy(p, y,
                                                                          reduction="none"),
                    [p, y], grad_of=(0,))
    assert out._data[0] == 100.0 and out._data[1] == 100.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits(parity, torch, rng, reduction, weighted, pos_weighted):
    x = rng.standard_normal(SHAPE) * 3
    y = rng.random(SHAPE)
    w = rng.random(SHAPE) if weighted else None
    pw = rng.random(3) * 3 if pos_weighted else None
    parity(lambda x, y, w, pw: F.binary_cross_entropy_with_logits(
               x, y, weight=w, pos_weight=pw, reduction=reduction),
           lambda x, y, w, pw: torch.nn.functional.binary_cross_entropy_with_logits(
               x, y, weight=w, pos_weight=pw, reduction=reduction),
           [x, y, w, pw], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(parity, torch, rng, reduction, log_target):
    x = np.log(rng.dirichlet(np.ones(3), 4))
    y = rng.dirichlet(np.ones(3), 4)
    if log_target:
        y = np.log(y)
    else:
        y[0, 1] = 0.0           # 0 log 0 = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # torch warns about 'mean'
        parity(lambda x, y: F.kl_div(x, y, reduction=reduction, log_target=log_target),
               lambda x, y: torch.nn.functional.kl_div(x, y, reduction=reduction,
                                                       log_target=log_target),
               [x, y], grad_of=(0,) if not log_target else (0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_extreme_logits_stay_finite(torch, dtype):
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4, 3e38], dtype=dtype)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    pw = np.full(6, 2.0, dtype=dtype)
    ours_x = chainrule.tensor(x, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(ours_x, chainrule.tensor(y),
                                              pos_weight=chainrule.tensor(pw), reduction="none")
    loss.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(
        xt, torch.tensor(y), pos_weight=torch.tensor(pw), reduction="none")
    lt.sum().backward()
    assert loss.dtype == dtype and np.isfinite(loss._data).all()
    np.testing.assert_allclose(loss._data, lt.detach().numpy(), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(ours_x.grad._data, xt.grad.numpy(), rtol=1e-6, atol=1e-30)


def test_modules(parity, torch, rng):
    x, y = _pair(rng)
    pw = rng.random(3)
    cases = [
        (nn.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum"), x, y),
        (nn.L1Loss(), torch.nn.L1Loss(), x, y),
        (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), x, y),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), x, y),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True), x, y),
        (nn.BCELoss(weight=chainrule.tensor(pw)), torch.nn.BCELoss(weight=torch.tensor(pw)),
         rng.random(SHAPE), rng.random(SHAPE)),
        (nn.BCEWithLogitsLoss(pos_weight=chainrule.tensor(pw)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw)), x, rng.random(SHAPE)),
    ]
    for ours, theirs, a, b in cases:
        parity(ours, theirs, [a, b])
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
                                  "kl_div", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits"])
def test_gradcheck(rng, name):
    x = rng.uniform(0.1, 0.9, SHAPE) if name == "binary_cross_entropy" \
        else rng.standard_normal(SHAPE)
    y = rng.uniform(0.1, 0.9, SHAPE)
    x, y = (chainrule.tensor(a, requires_grad=True) for a in (x, y))
    fn = getattr(F, name)
    assert gradcheck(lambda x, y: fn(x, y, reduction="none"), (x, y))
    assert gradcheck(lambda x, y: fn(x, y), (x, y))
    if name == "binary_cross_entropy_with_logits":
        pw, w = chainrule.tensor(rng.random(3)), chainrule.tensor(rng.random(SHAPE))
        assert gradcheck(lambda x, y: fn(x, y, weight=w, pos_weight=pw), (x, y))


def test_float32_stays_float32(rng):
    x = chainrule.tensor(rng.standard_normal(SHAPE).astype(np.float32), requires_grad=True)
    y = chainrule.tensor(rng.random(SHAPE))                    # float64 target is cast
    for fn in (F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, F.kl_div,
               F.binary_cross_entropy_with_logits):
        x.grad = None
        loss = fn(x, y)
        loss.backward()
        assert loss.dtype == np.float32 and x.grad.dtype == np.float32, fn.__name__


def test_errors():
    x = chainrule.zeros(4, 3)
    with pytest.raises(ValueError, match=r"mse_loss: target has shape \(4,\) but input has "
                                         r"shape \(4, 3\)"):
        F.mse_loss(x, chainrule.zeros(4))
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: target has shape"):
        F.binary_cross_entropy_with_logits(x, chainrule.zeros(4, 1))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.l1_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(x + 2, x)
    with pytest.raises(ValueError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(x, x - 1)
    with pytest.raises(ValueError, match="pos_weight of shape"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=chainrule.ones(4))
    with pytest.raises(ValueError, match=r"weight must have shape \(4, 3\)"):
        F.mse_loss(x, x, weight=chainrule.ones(3))
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(TypeError, match="input must be floating point"):
        F.mse_loss(chainrule.zeros(2, dtype=chainrule.int64), chainrule.zeros(2))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
                                  "kl_div", "binary_cross_entropy_with_logits",
                                  "binary_cross_entropy"])
def test_zero_dim_input(parity, torch, name):
    fn, fn_t = getattr(F, name), getattr(torch.nn.functional, name)
    parity(lambda x, y: fn(x, y, reduction="sum"), lambda x, y: fn_t(x, y, reduction="sum"),
           [np.array(0.3), np.array(0.8)], grad_of=(0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log1p_from_log_keeps_every_digit(dtype):
    # BCE-with-logits computes log1p(e), e in [0, 1], from log (NumPy's log1p has no vector
    # loop); it must stay within a few ulp down to the smallest e
    import chainrule.ops.loss  # noqa: F401 (loads the loss family in order)
    from chainrule.ops.loss_pointwise import log1p_unit
    tiny = np.finfo(dtype).smallest_subnormal
    e = np.concatenate([np.geomspace(tiny, 1, 100001).astype(dtype), np.zeros(1, dtype)])
    ref = np.log1p(e.astype(np.longdouble))
    rel = np.abs(log1p_unit(e) - ref) / np.maximum(np.abs(ref), np.finfo(dtype).tiny)
    assert rel.max() < 4 * np.finfo(dtype).eps
