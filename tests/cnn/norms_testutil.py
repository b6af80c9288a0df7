"""Shared by the normalisation and pooling tests: the float64 chainrule-vs-torch comparison
(tests/parity_util.py) and giving two modules the same parameters."""
from parity_util import assert_close, run_both  # noqa: F401  (re-exported for these tests)


def copy_params(ours, theirs, torch, rng):
    """Give both modules the same random float64 parameters (not the init values, so that
    weight and bias are really exercised)."""
    for (name, p), (name_t, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        v = rng.standard_normal(tuple(pt.shape))
        p._data[...] = v
        with torch.no_grad():
            pt.copy_(torch.tensor(v))
