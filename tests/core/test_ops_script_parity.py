"""The same training-script code run with ``lib = torch`` and ``lib = chainrule``: the op
families together, as a script calls them (attention with a causal mask, top-k accuracy,
one-hot by scatter_, contrastive similarities, gathering by index), values and gradients."""
import numpy as np

import chainrule as cr
import chainrule.nn.functional as crF


def attention_and_metrics(lib, F, x, w_qk, labels):
    b, t, d = x.shape
    q, k = lib.einsum("btd,de->bte", x, w_qk).chunk(2, dim=-1)
    scores = lib.einsum("bqd,bkd->bqk", q, k) * lib.rsqrt(lib.tensor(float(d)))
    causal = lib.triu(lib.ones(t, t, dtype=lib.bool), diagonal=1)
    probs = scores.masked_fill(causal, float("-inf")).softmax(-1)
    ctx = lib.bmm(probs, x)                                   # (b, t, d)
    logits = ctx.mean(1)                                      # (b, d): d "classes"
    top = logits.topk(2, dim=1).indices
    acc = (top == labels.unsqueeze(1)).any(dim=1).float().mean()
    one_hot = lib.zeros(b, d, dtype=x.dtype).scatter_(1, labels.unsqueeze(1), 1.0)
    emb = F.normalize(logits, dim=1)
    sim = emb @ emb.T
    off_diag = sim.masked_select(~lib.eye(b, dtype=lib.bool))
    dist = lib.cdist(emb, emb)
    picked = lib.index_select(ctx.flatten(0, 1), 0, labels.repeat_interleave(2))
    loss = (-(one_hot * logits.log_softmax(1)).sum(1).mean() + off_diag.square().mean()
            + dist.amax(dim=1).sum() + picked.logsumexp(-1).mean()
            + lib.cumprod(lib.sigmoid(logits), dim=1)[:, -1].sum())
    return loss, acc, sim, probs


def test_script_runs_the_same(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6))
    w = rng.standard_normal((6, 12)) * 0.3
    labels = np.array([1, 5, 2])
    results = []
    for lib, F in ((cr, crF), (torch, torch.nn.functional)):
        xs = lib.tensor(x, requires_grad=True)
        ws = lib.tensor(w, requires_grad=True)
        loss, acc, sim, probs = attention_and_metrics(lib, F, xs, ws, lib.tensor(labels))
        loss.backward()
        results.append([t.detach().numpy() for t in (loss, acc, sim, probs, xs.grad, ws.grad)])
    for mine, ref in zip(*results):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-10)


def test_op_families_load_on_first_use():
    import subprocess
    import sys
    code = ("import sys, chainrule as cr; "
            "assert 'chainrule.ops.sorting' not in sys.modules; "
            "stub = cr.Tensor.topk; x = cr.tensor([3.0, 1.0, 2.0]); "
            "assert x.topk(2).indices.tolist() == [0, 2]; "
            "assert cr.Tensor.topk is not stub and 'chainrule.ops.sorting' in sys.modules; "
            "assert cr.einsum('i,i->', x, x).item() == 14.0 and 'einsum' in dir(cr)")
    subprocess.run([sys.executable, "-c", code], check=True)
