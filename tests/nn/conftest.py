"""Parity helper for the nn tests: run the same computation in chainrule and PyTorch on the
same float64 numbers, then compare values and the gradients of the chosen inputs."""
import numpy as np
import pytest

import chainrule


@pytest.fixture
def parity(torch):
    def check(ours_fn, torch_fn, inputs, grad_of=(0,), rtol=1e-9, atol=1e-12, seed=1):
        """Call ``ours_fn(*inputs)`` and ``torch_fn(*inputs)`` with arrays turned into each
        library's tensors (those at positions ``grad_of`` requiring grad), back-propagate the
        same random upstream gradient through both, and assert values and gradients agree.
        Returns (our output, torch output)."""
        ours_in, torch_in = [], []
        for i, a in enumerate(inputs):
            if isinstance(a, np.ndarray):
                ours_in.append(chainrule.tensor(a, requires_grad=i in grad_of))
                torch_in.append(torch.tensor(a, requires_grad=i in grad_of))
            else:
                ours_in.append(a)
                torch_in.append(a)
        out, out_t = ours_fn(*ours_in), torch_fn(*torch_in)
        expected = out_t.detach().numpy()
        assert out.shape == tuple(out_t.shape)
        assert out.dtype == expected.dtype
        np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol)
        if not grad_of:
            return out, out_t
        upstream = np.random.default_rng(seed).standard_normal(expected.shape)
        out.backward(chainrule.tensor(upstream.astype(expected.dtype)))
        out_t.backward(torch.tensor(upstream.astype(expected.dtype)))
        for i in grad_of:
            assert ours_in[i].grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(ours_in[i].grad.data, torch_in[i].grad.numpy(),
                                       rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
        return out, out_t
    return check
