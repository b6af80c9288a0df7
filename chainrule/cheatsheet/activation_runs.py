"""The activation experiments: curves through autograd, 20-layer gradients, dying ReLU, speed."""
from .._backend import xp
from ..autograd.grad_mode import no_grad
from ..factories import tensor
from ..ops.linalg import linear
from ..optim import SGD
from . import _mlp
from ._compat import functional


def curve(activation, lo=-6.0, hi=6.0, n=1201):
    """(z, f(z), f'(z)) with the derivative taken by backward() through ``activation``."""
    z = tensor(xp.linspace(lo, hi, n), requires_grad=True)
    y = activation(z)
    y.sum().backward()  # d(sum f(z_i))/dz_i = f'(z_i): one backward gives the whole curve
    return z.data.copy(), y.data.copy(), z.grad.data.copy()


def layer_gradient_norms(activation, std, rng, depth=20, width=100, batch=256):
    """|dL/dW_l| for every layer l of a ``depth``-layer network at initialization.

    The loss is the mean squared error of a linear read-out against random targets; only the
    gradients' sizes matter here.
    """
    layers = _mlp.init_mlp([width] * (depth + 1), rng, std)
    head = _mlp.init_mlp([width, 1], rng, _mlp.xavier)[0]
    x = tensor(rng.standard_normal((batch, width)).astype(xp.float32))
    target = tensor(rng.standard_normal((batch, 1)).astype(xp.float32))
    h = _mlp.forward(layers, x, activation, last_linear=False)
    loss = ((linear(h, *head) - target) ** 2).mean()
    loss.backward()
    return xp.array([float(xp.linalg.norm(w.grad.data)) for w, _ in layers])


def regression_data(rng, n=512):
    """A smooth nonlinear regression target of 4 standardized inputs, with a little noise."""
    x = rng.standard_normal((n, 4))
    y = xp.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * rng.standard_normal((n, 1))
    return tensor(x.astype(xp.float32)), tensor(y.astype(xp.float32))


def dying_relu(lr, seed, steps=200, width=200, batch=64):
    """Train a one-hidden-layer ReLU network with SGD at ``lr``; count units dead on all data.

    Returns (fraction of hidden units whose pre-activation is <= 0 for every training input,
    largest |gradient| any dead unit's incoming weights received, whether training stayed finite).
    """
    rng = xp.random.default_rng(seed)
    x, y = regression_data(xp.random.default_rng(1000 + seed))
    layers = _mlp.init_mlp([4, width, 1], rng, _mlp.he)
    params = _mlp.parameters(layers)
    opt = SGD(params, lr=lr)
    finite = True
    for _ in range(steps):
        idx = rng.integers(0, x.shape[0], batch)
        loss = ((_mlp.forward(layers, x[idx], lambda h: h.relu()) - y[idx]) ** 2).mean()
        if not xp.isfinite(loss.item()):
            finite = False
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        pre = linear(x, *layers[0]).data
    dead = (pre <= 0).all(axis=0)
    opt.zero_grad()
    loss = ((_mlp.forward(layers, x, lambda h: h.relu()) - y) ** 2).mean()
    loss.backward()
    dead_grad = float(xp.abs(layers[0][0].grad.data[dead]).max()) if dead.any() else 0.0
    return float(dead.mean()), dead_grad, finite


def circles(rng, n=512):
    """Two classes split by a circle (inside / outside), inputs standardized."""
    x = rng.standard_normal((n, 2))
    y = (xp.linalg.norm(x, axis=1) > 1.18).astype(xp.float32)[:, None]
    x = (x - x.mean(0)) / x.std(0)
    return tensor(x.astype(xp.float32)), tensor(y)


def train_speed(activation, lr, seed, steps, width=32):
    """Full-batch SGD on the circles task with two hidden layers; the loss after every step."""
    F, _ = functional()
    x, y = circles(xp.random.default_rng(77))
    layers = _mlp.init_mlp([2, width, width, 1], xp.random.default_rng(seed), _mlp.xavier)
    opt = SGD(_mlp.parameters(layers), lr=lr)
    losses = xp.empty(steps)
    for i in range(steps):
        loss = F.binary_cross_entropy_with_logits(_mlp.forward(layers, x, activation), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[i] = loss.item()
    weights = xp.concatenate([w.data.ravel() for w, _ in layers])
    return losses, weights
