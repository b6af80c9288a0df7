"""Shared by the convolution tests: a float64 comparison of one functional call in chainrule
and torch, outputs and the gradients of every tensor argument."""
import warnings

import numpy as np
import pytest

import chainrule


@pytest.fixture
def torch_parity(torch):
    def check(ours, theirs, arrays, atol=1e-10, **options):
        """ours(*tensors, **options) against theirs(*tensors, **options), tensors made from
        ``arrays`` (None passes through) all requiring grad; returns our output."""
        rng = np.random.default_rng(1)
        mine = [None if a is None else chainrule.tensor(a, requires_grad=True) for a in arrays]
        ref = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
        out = ours(*mine, **options)
        with warnings.catch_warnings():     # torch's note on 'same' with even kernels
            warnings.simplefilter("ignore", UserWarning)
            expected = theirs(*ref, **options)
        assert out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out._data, expected.detach().numpy(), rtol=1e-9, atol=atol)
        upstream = rng.standard_normal(out.shape)
        out.backward(chainrule.tensor(upstream))
        expected.backward(torch.tensor(upstream))
        for i, (m, r) in enumerate(zip(mine, ref)):
            if m is not None:
                np.testing.assert_allclose(m.grad._data, r.grad.numpy(), rtol=1e-9, atol=atol,
                                           err_msg=f"gradient of argument {i}")
        return out
    return check
