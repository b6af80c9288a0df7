"""Small problems shared by the workflow tests."""
import numpy as np

from chainrule import nn


def blobs(n=240, classes=3, dim=4, seed=0, dtype=np.float32):
    """Gaussian blobs: an easy, learnable multiclass problem."""
    centers = np.random.default_rng(123).standard_normal((classes, dim)) * 3
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = centers[y] + rng.standard_normal((n, dim))
    return x.astype(dtype), y.astype(np.int64)


def mlp(dim=4, hidden=16, classes=3, dropout=0.0):
    layers = [nn.Linear(dim, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, classes))
