"""Both ways of taking float32 exponentials (exp, or exp2 of x log2 e: ops/_exp.py picks the
faster for the CPU at import) give torch's results, whichever this machine picked: cross
entropy and attention are run here with each forced."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.ops import attention, loss


@pytest.fixture(params=[False, True], ids=["exp", "exp2"])
def exp2(request, monkeypatch):
    monkeypatch.setattr(loss, "use_exp2", lambda dtype: request.param and dtype == np.float32)
    monkeypatch.setattr(attention, "use_exp2",
                        lambda dtype: request.param and dtype == np.float32)
    return request.param


def _both(torch, ours_fn, theirs_fn, arrays):
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_o, out_t = ours_fn(*ours), theirs_fn(*theirs)
    g = np.random.default_rng(5).standard_normal(out_t.shape).astype(np.float32)
    out_o.backward(cr.tensor(g))
    out_t.backward(torch.tensor(g))
    # float32 rounding, relative to each array's largest entry (saturated softmaxes have
    # gradients spanning many orders of magnitude)
    pairs = [(out_o.detach().numpy(), out_t.detach().numpy())]
    pairs += [(a.grad.numpy(), b.grad.numpy()) for a, b in zip(ours, theirs)]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())


@pytest.mark.parametrize("scale", [1.0, 30.0])      # 30: logits beyond the no-shift bound
def test_cross_entropy(torch, exp2, scale):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 40)) * scale).astype(np.float32)
    y = rng.integers(0, 40, 16)
    _both(torch, lambda x: F.cross_entropy(x, cr.tensor(y), label_smoothing=0.1),
          lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(y), label_smoothing=0.1),
          [x])


@pytest.mark.parametrize("scale", [1.0, 6.0])       # 6: |q||k| beyond the no-shift bound
@pytest.mark.parametrize("causal", [False, True])
def test_attention(torch, exp2, scale, causal):
    rng = np.random.default_rng(1)
    q, k, v = ((rng.standard_normal((2, 3, 9, 8)) * scale).astype(np.float32) for _ in range(3))
    _both(torch, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal),
          lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                           is_causal=causal),
          [q, k, v])
