"""Helpers for the attention tests: copy a torch module's weights, and compare one forward and
backward of a chainrule module with torch's on the same float64 inputs (output, the gradient of
every input and of every parameter)."""
import numpy as np
import pytest
from parity_util import assert_close, both_tensors

import chainrule

RTOL, ATOL = 1e-9, 1e-11


@pytest.fixture
def module_parity(torch):
    def check(ours, theirs, inputs, grad_of=None, kwargs=None, seed=1, rtol=RTOL, atol=ATOL):
        """Run ``ours(*inputs, **kwargs)`` and ``theirs(...)``; arrays in ``inputs`` (and in
        kwargs) become tensors, those at positions ``grad_of`` (default: every float array)
        requiring grad. Returns (our output, torch output)."""
        kwargs = kwargs or {}
        if grad_of is None:
            grad_of = [i for i, a in enumerate(inputs)
                       if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        ours_in, torch_in = both_tensors(torch, inputs, grad_of)
        # the same tensor passed twice stays the same tensor (self-attention)
        for i, a in enumerate(inputs):
            for j in range(i):
                if inputs[j] is a and isinstance(a, np.ndarray):
                    ours_in[i], torch_in[i] = ours_in[j], torch_in[j]
        kw_ours = {k: chainrule.tensor(v) if isinstance(v, np.ndarray) else v
                   for k, v in kwargs.items()}
        kw_torch = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                    for k, v in kwargs.items()}
        out, out_t = ours(*ours_in, **kw_ours), theirs(*torch_in, **kw_torch)
        outs = out if isinstance(out, tuple) else (out,)
        outs_t = out_t if isinstance(out_t, tuple) else (out_t,)
        rng = np.random.default_rng(seed)
        loss, loss_t = 0, 0
        for o, t in zip(outs, outs_t):
            if t is None:
                assert o is None
                continue
            assert_close(o, t, rtol, atol, "output")
            w = rng.standard_normal(tuple(t.shape))
            loss = loss + (o * chainrule.tensor(w)).sum()
            loss_t = loss_t + (t * torch.tensor(w)).sum()
        loss.backward()
        loss_t.backward()
        for i in grad_of:
            assert_close(ours_in[i].grad, torch_in[i].grad, rtol, atol, f"gradient of input {i}")
        if hasattr(theirs, "named_parameters"):
            theirs_p = dict(theirs.named_parameters())
            ours_p = dict(ours.named_parameters())
            assert sorted(ours_p) == sorted(theirs_p)
            for name, p in ours_p.items():
                tp = theirs_p[name]
                if tp.grad is None:
                    assert p.grad is None or not p.grad._data.any(), name
                    continue
                assert_close(p.grad, tp.grad, rtol, atol, f"gradient of {name}")
        return out, out_t
    return check
