"""Shared by the parity tests (nn, cnn, attention): turn the same float64 arrays into
chainrule and torch tensors, run one computation in both, and compare outputs and the
gradients of the chosen inputs."""
import numpy as np

import chainrule


def both_tensors(torch, inputs, grad_of):
    """(ours, theirs): each array in ``inputs`` made into a chainrule and a torch tensor, those
    at positions ``grad_of`` requiring grad; anything that is not an array passes through."""
    ours, theirs = [], []
    for i, a in enumerate(inputs):
        if isinstance(a, np.ndarray):
            ours.append(chainrule.tensor(a, requires_grad=i in grad_of))
            theirs.append(torch.tensor(a, requires_grad=i in grad_of))
        else:
            ours.append(a)
            theirs.append(a)
    return ours, theirs


def assert_close(ours, theirs, rtol=1e-9, atol=1e-11, msg=""):
    """Our tensor (or array) has torch's shape, dtype and values."""
    expected = theirs.detach().numpy()
    got = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    assert got.shape == expected.shape, f"{msg}: shape {got.shape} vs torch {expected.shape}"
    assert got.dtype == expected.dtype, f"{msg}: dtype {got.dtype} vs torch {expected.dtype}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=msg)


def run_both(torch, ours_fn, torch_fn, inputs, grad_of=(0,), seed=1, rtol=1e-9, atol=1e-11):
    """Call ``ours_fn`` and ``torch_fn`` on tensors made from ``inputs`` (see both_tensors),
    back-propagate the same random upstream gradient through both and assert outputs and the
    gradients of the inputs at ``grad_of`` agree. Returns (our output, torch output)."""
    ours_in, torch_in = both_tensors(torch, inputs, grad_of)
    out, out_t = ours_fn(*ours_in), torch_fn(*torch_in)
    assert_close(out, out_t, rtol, atol, "output")
    if grad_of:
        up = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
        up = up.astype(out_t.detach().numpy().dtype)
        out.backward(chainrule.tensor(up))
        out_t.backward(torch.tensor(up))
        for i in grad_of:
            assert ours_in[i].grad is not None, f"input {i} got no gradient"
            assert_close(ours_in[i].grad, torch_in[i].grad, rtol, atol, f"gradient of input {i}")
    return out, out_t
