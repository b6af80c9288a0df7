"""Synthetic tasks and small bundled data sets, returned as chainrule Tensors."""
from ._backend import xp
from .random import numpy_generator
from .tensor import Tensor


def adding_problem(n, seq_len, seed=None):
    """The adding problem (Hochreiter and Schmidhuber, 1997): remember two marked numbers
    among ``seq_len`` random ones and output their sum.

    Each sequence has two channels per step: a value ~ U(0, 1) and a marker that is 1 at
    exactly two steps (one in the first half, one in the second half) and 0 elsewhere. The
    target is the sum of the two marked values. Always answering 1 scores a mean squared
    error of Var(u1 + u2) = 1/6 ~ 0.167, the baseline a model has to beat; doing so needs a
    memory that spans about ``seq_len`` / 2 steps.

    Args:
        n: number of sequences.
        seq_len: steps per sequence (at least 2).
        seed: an int for a reproducible set of its own, or None to draw from chainrule's
            default generator (seeded by chainrule.manual_seed).
    Returns:
        (inputs, targets): float32 Tensors of shapes (n, seq_len, 2) and (n, 1), batch first.
    """
    if int(n) != n or n < 0:
        raise ValueError(f"adding_problem: n must be a non-negative integer, got {n!r}")
    if int(seq_len) != seq_len or seq_len < 2:
        raise ValueError(f"adding_problem: seq_len must be an integer >= 2, got {seq_len!r}")
    n, seq_len = int(n), int(seq_len)
    rng = numpy_generator() if seed is None else xp.random.default_rng(seed)
    values = rng.random((n, seq_len), dtype=xp.float32)
    half = seq_len // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, seq_len, size=n)
    rows = xp.arange(n)
    marks = xp.zeros((n, seq_len), xp.float32)
    marks[rows, first] = 1
    marks[rows, second] = 1
    inputs = xp.stack([values, marks], axis=-1)
    targets = (values[rows, first] + values[rows, second])[:, None]
    return Tensor._from_array(inputs), Tensor._from_array(targets.astype(xp.float32))
