"""Small fully connected networks as plain lists of (weight, bias) Parameters.

The activation experiments need per-layer control (20 layers, a chosen initial scale, one
activation); writing the forward pass as a loop over ``linear`` keeps that visible.
"""
import math

from .._backend import xp
from ..nn.parameter import Parameter
from ..ops.linalg import linear


def init_mlp(sizes, rng, std, dtype=xp.float32):
    """Weights w ~ N(0, std(fan_in, fan_out)^2) in torch's (out, in) layout and zero biases.

    Args:
        sizes: layer widths, input first (e.g. [2, 32, 32, 1]).
        rng: a NumPy Generator.
        std: callable (fan_in, fan_out) -> standard deviation of the initial weights.
    Returns:
        A list of (weight, bias) Parameter pairs, one a layer.
    """
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.standard_normal((fan_out, fan_in)) * std(fan_in, fan_out)
        layers.append((Parameter(w.astype(dtype)), Parameter(xp.zeros(fan_out, dtype))))
    return layers


def xavier(fan_in, fan_out):
    """Glorot/Xavier normal: Var(w) = 2 / (fan_in + fan_out) (made for sigmoid and tanh)."""
    return math.sqrt(2.0 / (fan_in + fan_out))


def he(fan_in, fan_out):
    """He/Kaiming normal: Var(w) = 2 / fan_in (keeps the scale through ReLU layers)."""
    return math.sqrt(2.0 / fan_in)


def forward(layers, x, activation, last_linear=True):
    """Apply every layer, the activation after each one except (by default) the last."""
    h = x
    for i, (w, b) in enumerate(layers):
        h = linear(h, w, b)
        if i < len(layers) - 1 or not last_linear:
            h = activation(h)
    return h


def parameters(layers):
    return [p for pair in layers for p in pair]
