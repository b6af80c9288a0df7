"""Small fully connected networks (nn.Sequential of Linear layers) with a chosen initializer."""
from .. import nn


def mlp(sizes, activation, init="xavier", generator=None, last_activation=False):
    """Linear layers of the given widths with ``activation`` (a Module class) between them.

    Args:
        sizes: layer widths, input first (e.g. [2, 32, 32, 1]).
        activation: an activation Module class such as nn.Tanh.
        init: "xavier" (Glorot normal, Var(w) = 2 / (fan_in + fan_out), made for sigmoid and
            tanh) or "he" (Kaiming normal, Var(w) = 2 / fan_in, made for ReLU); biases start
            at 0.
        generator: the chainrule Generator the weights are drawn from.
        last_activation: also apply the activation after the last layer.
    Returns:
        An nn.Sequential.
    """
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layer = nn.Linear(fan_in, fan_out)
        if init == "xavier":
            nn.init.xavier_normal_(layer.weight, generator=generator)
        elif init == "he":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
        else:
            raise ValueError(f"mlp: init must be 'xavier' or 'he', got {init!r}")
        nn.init.zeros_(layer.bias)
        layers.append(layer)
        if i < len(sizes) - 2 or last_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


def linear_layers(model):
    """The Linear layers of ``model`` in order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]
