"""Fixtures of the workflow tests."""
import pytest

import chainrule
from chainrule.data import DataLoader, TensorDataset

from ._problems import blobs


@pytest.fixture
def problem():
    x, y = blobs()
    xv, yv = blobs(90, seed=1)
    chainrule.manual_seed(0)
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    val = DataLoader(TensorDataset(xv, yv), batch_size=64)
    return train, val, (x, y, xv, yv)
