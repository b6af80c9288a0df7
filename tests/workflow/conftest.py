"""Small problems shared by the workflow tests."""
import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset


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


@pytest.fixture
def problem():
    x, y = blobs()
    xv, yv = blobs(90, seed=1)
    chainrule.manual_seed(0)
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    val = DataLoader(TensorDataset(xv, yv), batch_size=64)
    return train, val, (x, y, xv, yv)
