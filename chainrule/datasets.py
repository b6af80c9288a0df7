"""Ready-made datasets: synthetic tasks (the adding problem) and small bundled data (digits)."""
from ._backend import xp
from .random import Generator, numpy_generator
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



# ---- handwritten digits (scikit-learn's bundled copy of the UCI set) ---------------------------
def _stratified_split(labels, test_size, generator):
    """Indices (train, test) with each class split in the same proportion."""
    test = []
    for c in xp.unique(labels):
        idx = xp.flatnonzero(labels == c)
        idx = idx[generator.np.permutation(len(idx))]
        test.append(idx[:int(round(len(idx) * test_size))])
    test = xp.sort(xp.concatenate(test))
    mask = xp.ones(len(labels), bool)
    mask[test] = False
    return xp.flatnonzero(mask), test


def load_digits(test_size=0.2, seed=0, standardize=True, dtype=None):
    """The 1,797 8x8 handwritten digits, split 80/20 per class, as two TensorDatasets.

    Needs scikit-learn, which ships the data (``pip install "chainrule[datasets]"``).

    Args:
        test_size: fraction of each class held out for testing, in (0, 1).
        seed: seed of the stratified split (the same seed gives the same split).
        standardize: scale every pixel to zero mean and unit variance using statistics of
            the training part only (else pixels are divided by 16 into [0, 1]).
        dtype: dtype of the inputs (default float32); labels are int64.
    Returns:
        (train, test): TensorDatasets of (x, y) with x of shape (N, 64), y of shape (N,) in
        0..9; 1,437 and 360 samples with the defaults.
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise ImportError('load_digits needs scikit-learn, which ships the digits data: '
                          'pip install "chainrule[datasets]"') from None
    from .utils.data import TensorDataset
    from .dtypes import default_float
    if not 0 < test_size < 1:
        raise ValueError(f"load_digits: test_size must lie in (0, 1); got {test_size!r}")
    x, y = sk_load_digits(return_X_y=True)
    x = x.astype(xp.float64)
    y = y.astype(xp.int64)
    train, test = _stratified_split(y, test_size, Generator(seed))
    if standardize:
        mean, std = x[train].mean(0), x[train].std(0)
        x = (x - mean) / xp.where(std > 0, std, 1.0)  # corner pixels are always 0
    else:
        x = x / 16.0
    x = x.astype(dtype or default_float)
    return TensorDataset(x[train], y[train]), TensorDataset(x[test], y[test])


# ---- text (tiny shakespeare, shipped gzipped inside the package) -------------------------------
from .text_datasets import CharCorpus, tiny_shakespeare  # noqa: E402,F401
