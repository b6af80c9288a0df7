"""cross_entropy and nll_loss: parity with PyTorch for every option, the fused kernel against a
slow reference, extreme logits, gradcheck and the errors a user can trigger."""
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("error")

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def data(rng):
    x = rng.standard_normal((6, 5))
    t = rng.integers(0, 5, 6)
    t_ignored = t.copy()
    t_ignored[[1, 4]] = -100
    probs = rng.random((6, 5))
    probs /= probs.sum(1, keepdims=True)
    return dict(x=x, t=t, t_ignored=t_ignored, probs=probs, w=rng.random(5) + 0.1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignored", [False, True])
def test_class_targets(parity, torch, data, reduction, label_smoothing, weighted, ignored):
    target = data["t_ignored"] if ignored else data["t"]
    w = data["w"] if weighted else None
    opts = dict(reduction=reduction, label_smoothing=label_smoothing)
    parity(lambda x, t, w: F.cross_entropy(x, t, weight=w, **opts),
           lambda x, t, w: torch.nn.functional.cross_entropy(x, t, weight=w, **opts),
           [data["x"], target, w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
def test_probability_targets_grad_input_and_target(parity, torch, data, reduction,
                                                   label_smoothing, weighted):
    w = data["w"] if weighted else None
    opts = dict(reduction=reduction, label_smoothing=label_smoothing)
    parity(lambda x, y, w: F.cross_entropy(x, y, weight=w, **opts),
           lambda x, y, w: torch.nn.functional.cross_entropy(x, y, weight=w, **opts),
           [data["x"], data["probs"], w], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_k_dimensional(parity, torch, rng, reduction):
    x = rng.standard_normal((3, 4, 2, 5))
    t = rng.integers(0, 4, (3, 2, 5))
    t[0, 1, 2] = 7                  # the ignore_index below, out of class range on purpose
    opts = dict(reduction=reduction, ignore_index=7, label_smoothing=0.1)
    parity(lambda x, t, w: F.cross_entropy(x, t, weight=w, **opts),
           lambda x, t, w: torch.nn.functional.cross_entropy(x, t, weight=w, **opts),
           [x, t, rng.random(4)])
    parity(lambda x, y: F.cross_entropy(x, y, reduction=reduction),
           lambda x, y: torch.nn.functional.cross_entropy(x, y, reduction=reduction),
           [x, rng.random((3, 4, 2, 5))], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched_input(parity, torch, rng, reduction):
    parity(lambda x, t: F.cross_entropy(x, t, reduction=reduction),
           lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction),
           [rng.standard_normal(5), np.array(3)])
    parity(lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=0.2),
           lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction,
                                                          label_smoothing=0.2),
           [rng.standard_normal(5), rng.random(5)], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(parity, torch, rng, data, reduction, weighted):
    w = data["w"] if weighted else None
    parity(lambda x, t, w: F.nll_loss(x, t, weight=w, reduction=reduction),
           lambda x, t, w: torch.nn.functional.nll_loss(x, t, weight=w, reduction=reduction),
           [data["x"], data["t_ignored"], w])
    x = rng.standard_normal((2, 3, 4))
    parity(lambda x, t: F.nll_loss(x, t, reduction=reduction, ignore_index=1),
           lambda x, t: torch.nn.functional.nll_loss(x, t, reduction=reduction, ignore_index=1),
           [x, rng.integers(0, 3, (2, 4))])


def test_transposed_input(parity, torch, rng):
    x = rng.standard_normal((5, 6))
    t = rng.integers(0, 5, 6)
    parity(lambda x, t: F.cross_entropy(x.T, t, label_smoothing=0.1),
           lambda x, t: torch.nn.functional.cross_entropy(x.T, t, label_smoothing=0.1), [x, t])
    parity(lambda x, t: F.nll_loss(x.T, t), lambda x, t: torch.nn.functional.nll_loss(x.T, t),
           [x, t])


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gives_nan_and_zero_grad_like_torch(torch, fn):
    x = chainrule.zeros(3, 4, requires_grad=True)
    xt = torch.zeros(3, 4, requires_grad=True)
    ours = getattr(F, fn)(x, chainrule.tensor(np.full(3, -100)))
    theirs = getattr(torch.nn.functional, fn)(xt, torch.full((3,), -100))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    ours.backward()
    theirs.backward()
    np.testing.assert_array_equal(x.grad._data, xt.grad.numpy())


def test_modules_match_functions(parity, torch, data):
    w = chainrule.tensor(data["w"])
    ours = nn.CrossEntropyLoss(weight=w, ignore_index=-100, label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(data["w"]), label_smoothing=0.1)
    parity(ours, theirs, [data["x"], data["t_ignored"]])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    parity(nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"),
           [data["x"], data["t"]])
    assert repr(ours) == repr(theirs) == "CrossEntropyLoss()"


def test_legacy_size_average_and_reduce(parity, torch, data):
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        opts = dict(size_average=size_average, reduce=reduce)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # both libraries warn
            parity(lambda x, t: F.cross_entropy(x, t, **opts),
                   lambda x, t: torch.nn.functional.cross_entropy(x, t, **opts),
                   [data["x"], data["t"]])
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        F.cross_entropy(chainrule.zeros(2, 3), chainrule.tensor([0, 1]), size_average=False)


def _reference_cross_entropy(x, t, w, ls):
    """Cross entropy from primitive ops (log_softmax, indexing), the slow way."""
    n, c = x.shape
    logp = x.log_softmax(dim=1)
    nll = -(logp[np.arange(n), t._data] * w[t._data])
    smooth = -(logp * w).sum(dim=1) / c
    return ((1 - ls) * nll + ls * smooth).sum() / w[t._data].sum()


def test_fused_kernel_matches_reference_built_from_primitive_ops(rng):
    x_np = rng.standard_normal((7, 4))
    t = chainrule.tensor(rng.integers(0, 4, 7))
    w = chainrule.tensor(rng.random(4))
    x1 = chainrule.tensor(x_np, requires_grad=True)
    x2 = chainrule.tensor(x_np, requires_grad=True)
    fused = F.cross_entropy(x1, t, weight=w, label_smoothing=0.3)
    slow = _reference_cross_entropy(x2, t, w, 0.3)
    fused.backward()
    slow.backward()
    np.testing.assert_allclose(fused.item(), slow.item(), rtol=1e-12)
    np.testing.assert_allclose(x1.grad._data, x2.grad._data, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_float32_extreme_logits_finite_and_match_torch(torch, rng, scale):
    # scale 1 takes the unshifted fast path, 50 mixes both, 1e4 the max-shifted one.
    x = (rng.standard_normal((16, 10)) * scale).astype(np.float32)
    x[0, 0], x[1] = 1e4, -1e4
    t = rng.integers(0, 10, 16)
    ours_x = chainrule.tensor(x, requires_grad=True)
    loss = F.cross_entropy(ours_x, chainrule.tensor(t), label_smoothing=0.1)
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), label_smoothing=0.1)
    lt.backward()
    assert loss.dtype == np.float32 and ours_x.grad.dtype == np.float32
    assert np.isfinite(loss.item()) and np.isfinite(ours_x.grad._data).all()
    np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-5)
    np.testing.assert_allclose(ours_x.grad._data, xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_float32_stays_float32(rng):
    x = chainrule.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    t = chainrule.tensor(np.array([0, 1, -100, 2]))
    w = chainrule.tensor(np.array([1.0, 2.0, 3.0]))         # float64 weights are cast
    for loss in (F.cross_entropy(x, t, weight=w, label_smoothing=0.1),
                 F.cross_entropy(x, t, reduction="none"),
                 F.nll_loss(x, t, weight=w)):
        assert loss.dtype == np.float32
        x.grad = None
        loss.sum().backward()
        assert x.grad.dtype == np.float32


def test_backward_twice_with_retain_graph(rng):
    x = chainrule.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    loss = F.cross_entropy(x, chainrule.tensor(rng.integers(0, 3, 5)))
    loss.backward(retain_graph=True)
    first = x.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first, rtol=1e-12)


@pytest.mark.parametrize("kind", ["index", "prob", "smooth_weighted", "kdim_none"])
def test_gradcheck(rng, kind):
    x = chainrule.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    if kind == "index":
        t = chainrule.tensor(np.array([0, 2, -100, 1]))
        assert gradcheck(lambda x: F.cross_entropy(x, t), (x,))
    elif kind == "prob":
        y = chainrule.tensor(rng.random((4, 3)), requires_grad=True)
        assert gradcheck(lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1), (x, y))
    elif kind == "smooth_weighted":
        t = chainrule.tensor(np.array([0, 2, 2, 1]))
        w = chainrule.tensor(rng.random(3))
        assert gradcheck(lambda x: F.cross_entropy(x, t, weight=w, label_smoothing=0.2), (x,))
        assert gradcheck(lambda x: F.nll_loss(x, t, weight=w), (x,))
    else:
        xk = chainrule.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
        t = chainrule.tensor(rng.integers(0, 3, (2, 2)))
        assert gradcheck(lambda x: F.cross_entropy(x, t, reduction="none"), (xk,))


# ---- errors -------------------------------------------------------------------------------
def _x():
    return chainrule.zeros(4, 3)


def test_error_class_out_of_range():
    with pytest.raises(IndexError, match=r"cross_entropy: target 3 is out of bounds for 3"):
        F.cross_entropy(_x(), chainrule.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="target -1"):
        F.nll_loss(_x(), chainrule.tensor([0, -1, 2, 1]))


def test_error_float_target_where_indices_expected():
    with pytest.raises(TypeError, match="expected class indices"):
        F.cross_entropy(_x(), chainrule.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="probabilities and must be floating point"):
        F.cross_entropy(_x(), chainrule.zeros(4, 3, dtype=chainrule.int64))


def test_error_shape_mismatch():
    with pytest.raises(ValueError, match=r"batch_size \(4\) to match target batch_size \(3\)"):
        F.cross_entropy(_x(), chainrule.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="needs a target of shape"):
        F.cross_entropy(chainrule.zeros(2, 3, 5), chainrule.tensor([[0, 1], [1, 2]]))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(_x(), chainrule.tensor([0, 1, 2, 1]), weight=chainrule.ones(4))


def test_error_unknown_reduction_and_bad_options():
    t = chainrule.tensor([0, 1, 2, 1])
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum'"):
        F.cross_entropy(_x(), t, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="batchmean")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(_x(), t, label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index is not supported"):
        F.cross_entropy(_x(), chainrule.zeros(4, 3), ignore_index=0)
    with pytest.raises(TypeError, match="floating point"):
        F.cross_entropy(chainrule.zeros(4, 3, dtype=chainrule.int64), t)
