"""The activation experiments: curves through autograd, 20-layer gradients, dying ReLU, speed."""
from .. import nn
from .._backend import xp
from ..autograd.grad_mode import no_grad
from ..factories import tensor
from ..nn import functional as F
from ..optim import SGD
from ..random import Generator
from ._mlp import linear_layers, mlp


def curve(activation, lo=-6.0, hi=6.0, n=1201):
    """(z, f(z), f'(z)) with the derivative taken by backward() through ``activation``."""
    z = tensor(xp.linspace(lo, hi, n), requires_grad=True)
    y = activation(z)
    y.sum().backward()  # d(sum f(z_i))/dz_i = f'(z_i): one backward gives the whole curve
    return z._data.copy(), y._data.copy(), z.grad._data.copy()


def layer_gradient_norms(activation, init, seed, depth=20, width=100, batch=256):
    """|dL/dW_l| for every layer l of a ``depth``-layer network at initialization.

    The loss is the mean squared error of a linear read-out against random targets; only the
    gradients' sizes matter here.
    """
    gen = Generator(seed)
    body = mlp([width] * (depth + 1), activation, init, gen, last_activation=True)
    model = nn.Sequential(body, mlp([width, 1], activation, "xavier", gen))
    x = tensor(gen.np.standard_normal((batch, width)).astype(xp.float32))
    target = tensor(gen.np.standard_normal((batch, 1)).astype(xp.float32))
    F.mse_loss(model(x), target).backward()
    return xp.array([float(xp.linalg.norm(m.weight.grad._data))
                     for m in linear_layers(body)])


def regression_data(rng, n=512):
    """A smooth nonlinear regression target of 4 standardized inputs, with a little noise."""
    x = rng.standard_normal((n, 4))
    y = xp.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * rng.standard_normal((n, 1))
    return tensor(x.astype(xp.float32)), tensor(y.astype(xp.float32))


def dying_relu(lr, seed, steps=200, width=200, batch=64, batch_norm=False):
    """Train a one-hidden-layer ReLU network with SGD at ``lr``; count units dead on all data.

    With ``batch_norm`` the hidden layer's pre-activations pass through nn.BatchNorm1d before
    the ReLU (same weights, same data and batches otherwise); deadness is then judged on what
    the ReLU receives in eval mode (running statistics), as the trained network would run.
    Returns (fraction of hidden units whose pre-activation is <= 0 for every training input,
    largest |gradient| any dead unit's incoming weights received, whether training stayed finite).
    """
    gen = Generator(seed)
    x, y = regression_data(xp.random.default_rng(1000 + seed))
    model = mlp([4, width, 1], nn.ReLU, "he", gen)
    if batch_norm:
        model = nn.Sequential(model[0], nn.BatchNorm1d(width), *list(model)[1:])
    hidden = model[1] if batch_norm else model[0]
    opt = SGD(model.parameters(), lr=lr)
    finite = True
    # The largest rates sit at the edge of stability; a run that overflows is reported as
    # diverged (and left out), so NumPy's overflow warnings carry no news.
    with xp.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            idx = gen.np.integers(0, x.shape[0], batch)
            loss = F.mse_loss(model(x[idx]), y[idx])
            if not xp.isfinite(loss.item()):
                finite = False
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
    if not finite:
        return 0.0, 0.0, False
    model.eval()
    with no_grad():
        pre = hidden(model[0](x)) if batch_norm else hidden(x)
        dead = (pre._data <= 0).all(axis=0)
    opt.zero_grad()
    F.mse_loss(model(x), y).backward()
    weight = model[0].weight.grad._data
    dead_grad = float(xp.abs(weight[dead]).max()) if dead.any() else 0.0
    return float(dead.mean()), dead_grad, finite


def circles(rng, n=512):
    """Two classes split by a circle (inside / outside), inputs standardized."""
    x = rng.standard_normal((n, 2))
    y = (xp.linalg.norm(x, axis=1) > 1.18).astype(xp.float32)[:, None]
    x = (x - x.mean(0)) / x.std(0)
    return tensor(x.astype(xp.float32)), tensor(y)


def train_speed(activation, lr, seed, steps, width=32):
    """Full-batch SGD on the circles task with one hidden layer; the loss after every step.

    Returns (losses, all weights after training as one flat array).
    """
    x, y = circles(xp.random.default_rng(77))
    model = mlp([2, width, 1], activation, "xavier", Generator(seed))
    opt = SGD(model.parameters(), lr=lr)
    losses = xp.empty(steps)
    for i in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[i] = loss.item()
    weights = xp.concatenate([m.weight._data.ravel() for m in linear_layers(model)])
    return losses, weights
