"""Shared by the normalisation and pooling tests: run one computation in chainrule and torch
on the same float64 numbers and compare outputs and gradients."""
import numpy as np

import chainrule as cr


def run_both(torch, ours_fn, torch_fn, arrays, grad_of=(0,), seed=1, rtol=1e-9, atol=1e-11):
    """Call both functions on tensors made from ``arrays`` (non-arrays pass through), back-
    propagate the same random upstream gradient and assert outputs and the gradients of the
    inputs at ``grad_of`` agree. Returns (ours, theirs) outputs."""
    ours_in, torch_in = [], []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray):
            ours_in.append(cr.tensor(a, requires_grad=i in grad_of))
            torch_in.append(torch.tensor(a, requires_grad=i in grad_of))
        else:
            ours_in.append(a)
            torch_in.append(a)
    out, out_t = ours_fn(*ours_in), torch_fn(*torch_in)
    assert_close(out, out_t, rtol, atol)
    if grad_of:
        up = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
        out.backward(cr.tensor(up.astype(out.dtype)))
        out_t.backward(torch.tensor(up))
        for i in grad_of:
            assert ours_in[i].grad is not None, f"input {i} got no gradient"
            assert_close(ours_in[i].grad, torch_in[i].grad, rtol, atol, f"gradient of input {i}")
    return out, out_t


def assert_close(ours, theirs, rtol=1e-9, atol=1e-11, msg=""):
    expected = theirs.detach().numpy()
    got = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    assert got.shape == expected.shape, f"{msg}: shape {got.shape} vs torch {expected.shape}"
    assert got.dtype == expected.dtype, f"{msg}: dtype {got.dtype} vs torch {expected.dtype}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=msg)


def copy_params(ours, theirs, torch, rng):
    """Give both modules the same random float64 parameters (not the init values, so that
    weight and bias are really exercised)."""
    for (name, p), (name_t, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        v = rng.standard_normal(tuple(pt.shape))
        p._data[...] = v
        with torch.no_grad():
            pt.copy_(torch.tensor(v))
