"""Composed expressions give the same values and gradients as PyTorch's autograd."""
import numpy as np
import pytest

import chainrule as cr

EXPRESSIONS = {
    "mlp": lambda m, x, w, b: m.tanh((x @ w + b)).softmax(-1).log().mean(),
    "logsumexp": lambda m, x, w, b: ((x @ w).logsumexp(1) - (x * x).sum(1).sqrt()).sum(),
    "var_std": lambda m, x, w, b: x.var(0).sum() + (x @ w).std(1).mean(),
    "shape_soup": lambda m, x, w, b: (x.T.reshape(2, -1)[:, 1:5] ** 2).sum()
    + (x.unsqueeze(0).expand(3, 4, 6).permute(2, 0, 1).flatten(1).max(1)[0]).sum(),
    "clamp_where": lambda m, x, w, b: m.where(x > 0, x.clamp(max=0.5), x * x).sum()
    + m.maximum(x, x.T.reshape(4, 6) * 0.5).sum(),
    "abs_div_pow": lambda m, x, w, b: ((x.abs() + 1) ** 1.5 / (w.T.reshape(6, 3).exp().sum(1) + 1)).sum(),
    "log_softmax_index": lambda m, x, w, b: -(x @ w).log_softmax(1)[m.arange(4), m.tensor(
        [0, 2, 1, 2])].mean(),
    "cat_stack_sigmoid": lambda m, x, w, b: m.cat([x, x * 2], 1).sigmoid().sum()
    + m.stack([x, x.exp()], 0).relu().sum(),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_expression_matches_torch(name, torch):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(4, 6)), rng.normal(size=(6, 3)), rng.normal(size=3)]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = EXPRESSIONS[name](cr, *ours)
    ref = EXPRESSIONS[name](torch, *theirs)
    out.backward()
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_extreme_activations_are_finite_without_warnings():
    import warnings
    x = cr.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [x.sigmoid(), x.tanh(), x.relu(), x.softmax(0), x.log_softmax(0)]
        sum(o.sum() for o in outs).backward()
    for o in outs:
        assert np.isfinite(o.detach().numpy()).all()
    assert np.isfinite(x.grad.numpy()).all()


def test_sigmoid_matches_torch_across_range(torch):
    a = np.linspace(-40, 40, 161)
    np.testing.assert_allclose(cr.tensor(a).sigmoid().numpy(),
                               torch.tensor(a).sigmoid().numpy(), rtol=1e-14)
