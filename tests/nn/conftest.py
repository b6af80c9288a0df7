"""Parity helper for the nn tests: run the same computation in chainrule and PyTorch on the
same float64 numbers, then compare values and the gradients of the chosen inputs."""
import pytest
from parity_util import run_both


@pytest.fixture
def parity(torch):
    def check(ours_fn, torch_fn, inputs, grad_of=(0,), rtol=1e-9, atol=1e-12, seed=1):
        """tests/parity_util.run_both with torch given. Returns (our output, torch output)."""
        return run_both(torch, ours_fn, torch_fn, inputs, grad_of, seed, rtol, atol)
    return check
