"""Every activation and loss at the edges of float32, against torch: no NaN or inf where torch
is finite, values and gradients equal to float32 rounding."""
import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

F32 = np.finfo(np.float32)
EDGES = np.array([0.0, F32.smallest_subnormal, F32.tiny, 1e-20, 1.0, 20.5, 88.8, 1e4, 1e7,
                  1e30, 3e38, float(F32.max)], np.float32)
EXTREME = np.concatenate([EDGES, -EDGES[1:]])
RTOL, ATOL = 2e-5, 1e-38
# The tests add up infinities on purpose (e.g. out.sum() of an inf loss).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _close(a, b):
    return np.abs(a - b) <= ATOL + RTOL * np.abs(b)


def _compare(what, ours, theirs, exact):
    """``ours`` must be finite where torch's float32 result is, and equal to it or to the
    exact result (torch in float64, rounded to float32): where torch's float32 formula
    cancels, chainrule may be the more accurate one, never the less."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    exact = np.asarray(np.asarray(exact).astype(np.float32), np.float64)
    assert ours.shape == theirs.shape, what
    finite = np.isfinite(theirs)
    bad = finite & ~np.isfinite(ours)
    assert not bad.any(), f"{what}: {ours[bad]} where torch gives {theirs[bad]}"
    with np.errstate(invalid="ignore", over="ignore"):
        ok = ~finite | _close(ours, theirs) | (np.isfinite(exact) & _close(ours, exact))
    assert ok.all(), (f"{what}: {ours[~ok]} where torch gives {theirs[~ok]} (exact "
                      f"{exact[~ok]}) at {np.flatnonzero(~ok)[:10]}")


def _torch_run(torch, torch_fn, arrays, grad_of, dtype):
    ins = [torch.tensor(a).to(dtype) if a.dtype.kind == "f" else torch.tensor(a)
           for a in arrays]
    for i in grad_of:
        ins[i].requires_grad_(True)
    out = torch_fn(*ins)
    out.sum().backward()
    return out.detach().numpy(), [ins[i].grad.numpy() for i in grad_of]


def _run(torch, ours_fn, torch_fn, arrays, grad_of, exact=None):
    ours_in = [chainrule.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    out = ours_fn(*ours_in)
    value, grads = _torch_run(torch, torch_fn, arrays, grad_of, torch.float32)
    exact_value, exact_grads = _torch_run(torch, torch_fn, arrays, grad_of, torch.float64)
    exact = exact_value if exact is None else exact
    _compare("value", out._data, value, exact)
    out.sum().backward()
    for k, i in enumerate(grad_of):
        _compare(f"gradient of input {i}", ours_in[i].grad._data, grads[k], exact_grads[k])


ACTIVATIONS = {
    "sigmoid": (F.sigmoid, "sigmoid", {}),
    "tanh": (F.tanh, "tanh", {}),
    "relu": (F.relu, "relu", {}),
    "leaky_relu": (F.leaky_relu, "leaky_relu", {"negative_slope": 0.2}),
    "elu": (F.elu, "elu", {}),
    "silu": (F.silu, "silu", {}),
    "gelu": (F.gelu, "gelu", {}),
    "gelu_tanh": (F.gelu, "gelu", {"approximate": "tanh"}),
    "softplus": (F.softplus, "softplus", {}),
    "softplus_beta": (F.softplus, "softplus", {"beta": 2.0, "threshold": 10.0}),
    "logsigmoid": (F.logsigmoid, "logsigmoid", {}),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_at_float32_edges(torch, name):
    ours, theirs, kw = ACTIVATIONS[name]
    _run(torch, lambda x: ours(x, **kw),
         lambda x: getattr(torch.nn.functional, theirs)(x, **kw), [EXTREME], (0,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_rows_at_float32_edges(torch, name):
    rows = np.stack([np.roll(EXTREME, k)[:8] for k in range(len(EXTREME))])
    _run(torch, lambda x: getattr(F, name)(x, dim=1),
         lambda x: getattr(torch.nn.functional, name)(x, dim=1), [rows], (0,))


def _logit_rows():
    big = [1e4, 1e7, 1e30, float(F32.max)]
    rows = [[v, v] for v in big] + [[v, v - v * 1e-7] for v in big]
    rows += [[-v, -v] for v in big] + [[v, -v] for v in big] + [[v, 0.0] for v in big]
    rows += [[1e7, 1e7 - 1], [40.0, 30.0], [F32.tiny, 0.0]]
    return np.array(rows, np.float32)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"reduction": "none"},
                                {"weight": "w"}, {"weight": "w", "label_smoothing": 0.2},
                                {"reduction": "sum", "label_smoothing": 0.3}])
@pytest.mark.parametrize("target", ["index", "prob"])
def test_cross_entropy_at_float32_edges(torch, kw, target):
    x = _logit_rows()
    t = (np.arange(len(x)) % 2).astype(np.int64)
    if target == "prob":
        t = np.stack([np.full(len(x), 0.25), np.full(len(x), 0.75)], 1).astype(np.float32)
    w = np.array([0.3, 2.0], np.float32)

    def call(fn, tensor):
        return lambda x, t: fn(x, t, **{k: (tensor(w).to(x.dtype) if v == "w" else v)
                                        for k, v in kw.items()})
    _run(torch, call(F.cross_entropy, chainrule.tensor),
         call(torch.nn.functional.cross_entropy, torch.tensor), [x, t], (0,))


# Pointwise losses: inputs x against targets y, every pair of edge values.
_X, _Y = np.meshgrid(EXTREME, EXTREME)
X, Y = _X.ravel(), _Y.ravel()
P = np.array([0.0, F32.smallest_subnormal, F32.tiny, 1e-20, 1e-7, 0.5, 1 - 6e-8, 1.0],
             np.float32)
_PX, _PY = np.meshgrid(P, P)


POINTWISE = {
    "mse_loss": ({}, X, Y),
    "l1_loss": ({}, X, Y),
    "huber_loss": ({"delta": 2.0}, X, Y),
    "smooth_l1_loss": ({"beta": 0.5}, X, Y),
    "binary_cross_entropy": ({}, _PX.ravel(), _PY.ravel()),
    "binary_cross_entropy_with_logits": ({}, X, np.resize(P, X.shape)),
    "kl_div": ({}, X, np.resize(P, X.shape)),
    "kl_div_log_target": ({"log_target": True}, X, np.clip(Y, -100, 80)),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_pointwise_loss_at_float32_edges(torch, name, reduction):
    kw, x, y = POINTWISE[name]
    fn = name.replace("_log_target", "")
    if fn == "kl_div" and reduction == "mean":
        reduction = "batchmean"
    kw = dict(kw, reduction=reduction)
    grad_of = (0, 1) if fn not in ("binary_cross_entropy",) else (0,)
    exact = None
    if fn == "binary_cross_entropy_with_logits":
        exact = _bce_logits_exact(x, y, 1.0, reduction)
    _run(torch, lambda a, b: getattr(F, fn)(a, b, **kw),
         lambda a, b: getattr(torch.nn.functional, fn)(a, b, **kw), [x, y], grad_of, exact)


def _bce_logits_exact(x, y, pw, reduction):
    """(1 - y) x + l softplus(-x) in float64 with the large terms cancelled by hand (x >= 0:
    (1 - y) x + l log1p(e); x < 0: -pw y x + l log1p(e)): torch's formula, even in float64,
    loses every digit at x = -1e4, y = 1.2e-38."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    lw = 1 + (pw - 1) * y
    out = x * np.where(x >= 0, 1 - y, -pw * y) + lw * np.log1p(np.exp(-np.abs(x)))
    return {"none": out, "sum": out.sum(), "mean": out.mean()}[reduction]


def test_pos_weight_and_nll_at_float32_edges(torch):
    pw = np.array([3.0], np.float32)
    _run(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=chainrule
                                                                .tensor(pw)),
         lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
             a, b, pos_weight=torch.tensor(pw).to(a.dtype)), [X, np.resize(P, X.shape)], (0, 1),
         _bce_logits_exact(X, np.resize(P, X.shape), 3.0, "mean"))
    logp = np.stack([EXTREME, EXTREME[::-1]], 1)
    t = (np.arange(len(logp)) % 2).astype(np.int64)
    _run(torch, F.nll_loss, torch.nn.functional.nll_loss, [logp, t], (0,))


def test_mse_mean_gradient_scales_before_multiplying(torch):
    """The issue's case: torch's (2 / n) * d is finite; 2 * d / n overflowed."""
    x = chainrule.tensor(np.array([3.4e38, 0], np.float32), requires_grad=True)
    F.mse_loss(x, chainrule.zeros(2)).backward()
    assert np.isfinite(x.grad._data).all()
    np.testing.assert_allclose(x.grad._data, [3.4e38, 0], rtol=1e-6)
