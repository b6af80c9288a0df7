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


def one_step_state(model):
    """(model, Adam, StepLR, shuffling DataLoader) after one optimizer and scheduler step:
    every kind of state a training checkpoint holds, non-trivial."""
    import chainrule
    from chainrule.data import DataLoader, TensorDataset
    from chainrule.optim.lr_scheduler import StepLR
    opt = chainrule.optim.Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, 2)
    data = DataLoader(TensorDataset(chainrule.randn(8, 3)), batch_size=4, shuffle=True)
    model(chainrule.randn(2, 3)).sum().backward()
    opt.step()
    sched.step()
    return model, opt, sched, data
