"""chainrule.nn.init: gains as torch, distribution bounds and spreads, orthogonality,
explicit generators, in-place updates of parameters."""
import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
from chainrule.nn import init

pytestmark = pytest.mark.filterwarnings("error")


def _param(*shape, dtype=chainrule.float32):
    return nn.Parameter(chainrule.zeros(*shape, dtype=dtype))


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


def test_in_place_on_parameters_without_a_graph():
    w = _param(50, 40)
    data = w._data
    assert init.xavier_uniform_(w) is w and w._data is data
    assert w.requires_grad and w.grad_fn is None and data.any()
    assert init.zeros_(w) is w and not w._data.any()
    init.ones_(w)
    assert (w._data == 1).all()
    init.constant_(w, 0.5)
    assert (w._data == 0.5).all()
    init.eye_(w)
    np.testing.assert_array_equal(w._data, np.eye(50, 40))


def test_uniform_and_normal_statistics():
    w = _param(300, 300)
    init.uniform_(w, -2.0, 3.0)
    assert w._data.min() >= -2 and w._data.max() <= 3
    assert abs(w._data.mean() - 0.5) < 0.05 and abs(w._data.std() - 5 / math.sqrt(12)) < 0.02
    init.normal_(w, mean=1.0, std=2.0)
    assert abs(w._data.mean() - 1) < 0.03 and abs(w._data.std() - 2) < 0.03


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(gain):
    w = _param(200, 300)
    bound = gain * math.sqrt(6 / 500)
    init.xavier_uniform_(w, gain=gain)
    assert np.abs(w._data).max() <= bound and np.abs(w._data).max() > 0.99 * bound
    assert abs(w._data.std() - bound / math.sqrt(3)) < 0.02 * bound
    init.xavier_normal_(w, gain=gain)
    assert abs(w._data.std() - gain * math.sqrt(2 / 500)) < 0.02 * gain * math.sqrt(2 / 500)


@pytest.mark.parametrize("mode,fan", [("fan_in", 300), ("fan_out", 200)])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0.1), ("tanh", 0)])
def test_kaiming(mode, fan, nonlinearity, a):
    w = _param(200, 300)
    std = init.calculate_gain(nonlinearity, a if nonlinearity == "leaky_relu" else None) \
        / math.sqrt(fan)
    init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(w._data).max() <= math.sqrt(3) * std
    assert abs(w._data.std() - std) < 0.02 * std
    init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(w._data.std() - std) < 0.02 * std


def test_fan_of_conv_shaped_tensor_and_errors():
    w = _param(8, 4, 3, 3)              # fan_in = 4 * 9, fan_out = 8 * 9
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w._data.std() - math.sqrt(2 / 72)) < 0.1 * math.sqrt(2 / 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(_param(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(_param(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3)])
def test_orthogonal(shape):
    w = _param(*shape, dtype=chainrule.float64)
    init.orthogonal_(w, gain=2.0)
    m = w._data.reshape(shape[0], -1) / 2.0
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(_param(3))


def test_explicit_generator_and_default_generator():
    a, b, c = _param(4, 4), _param(4, 4), _param(4, 4)
    init.normal_(a, generator=chainrule.Generator(11))
    init.normal_(b, generator=chainrule.Generator(11))
    np.testing.assert_array_equal(a._data, b._data)
    chainrule.manual_seed(11)
    init.normal_(c)
    chainrule.manual_seed(11)
    init.normal_(b)
    np.testing.assert_array_equal(b._data, c._data)
    d = _param(4, 4, dtype=chainrule.float64)
    init.orthogonal_(d, generator=chainrule.Generator(1))
    assert d.dtype == np.float64
