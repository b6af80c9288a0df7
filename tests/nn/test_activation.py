"""Activation modules and functions: parity with PyTorch (values and gradients, float64), no
overflow / NaN for any finite float32 input, gradcheck, reprs."""
import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from chainrule.ops.activation import normal_cdf

pytestmark = pytest.mark.filterwarnings("error")

# (our module, torch module name, constructor kwargs)
MODULES = [
    ("Sigmoid", {}), ("Tanh", {}), ("ReLU", {}), ("LogSigmoid", {}), ("SiLU", {}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
    ("ELU", {}), ("ELU", {"alpha": 0.5}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}),
    ("Softplus", {}), ("Softplus", {"beta": 2.0, "threshold": 5.0}),
    ("Softmax", {"dim": 1}), ("Softmax", {"dim": 0}),
    ("LogSoftmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}),
]


def _inputs(rng):
    x = rng.standard_normal((5, 7)) * 4
    # the kinks and branch points: 0 for relu family / elu, beta x = threshold for softplus
    x[0, :4] = [0.0, -0.0, 2.5, 5.0]
    return x


@pytest.mark.parametrize("name,kwargs", MODULES)
def test_module_parity(parity, torch, rng, name, kwargs):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    parity(ours, theirs, [_inputs(rng)])
    assert repr(ours) == repr(theirs)


FUNCTIONS = [
    ("relu", {}), ("sigmoid", {}), ("tanh", {}), ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 1.5}), ("silu", {}), ("softplus", {"beta": 0.5, "threshold": 3.0}),
    ("logsigmoid", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
]


@pytest.mark.parametrize("name,kwargs", FUNCTIONS)
def test_function_parity(parity, torch, rng, name, kwargs):
    parity(lambda x: getattr(F, name)(x, **kwargs),
           lambda x: getattr(torch.nn.functional, name)(x, **kwargs), [_inputs(rng)])


def test_gelu_wide_range_matches_torch(parity, torch):
    # Across the erf pieces (|x| / sqrt 2 < 1, < 4, beyond) and deep into the tails.
    x = np.concatenate([np.linspace(-12, 12, 2001), [-1e3, 1e3, -40.0, 40.0]])
    parity(F.gelu, torch.nn.functional.gelu, [x], atol=1e-15)


def test_normal_cdf_accuracy():
    x = np.linspace(-37, 37, 5001)
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    got = normal_cdf(x)
    assert np.max(np.abs(got - expected) / expected) < 1e-12
    assert normal_cdf(np.array([np.nan]))[0] != normal_cdf(np.array([np.nan]))[0]


ALL_FUNCTIONS = FUNCTIONS + [("softplus", {"beta": 4.0}), ("leaky_relu", {})]


@pytest.mark.parametrize("name,kwargs", ALL_FUNCTIONS)
def test_extreme_float32_inputs_finite_without_warnings(torch, name, kwargs):
    big = np.finfo(np.float32).max
    x = np.array([[-big, -1e30, -1e4, -88.0, -1.0, -1e-30, 0.0, 1e-30, 1.0, 88.0, 1e4, 1e30,
                   big]], dtype=np.float32)
    ours_x = chainrule.tensor(x, requires_grad=True)
    out = getattr(F, name)(ours_x, **kwargs)
    out.backward(chainrule.ones_like(out))
    assert out.dtype == np.float32 and ours_x.grad.dtype == np.float32
    assert np.isfinite(ours_x.grad._data).all()
    if name != "log_softmax":    # log_softmax(-max) relative to +max is below -max: -inf
        assert np.isfinite(out._data).all()
    # Where torch is finite too (its float32 gelu overflows at the very top), values agree.
    xt = torch.tensor(x, requires_grad=True)
    out_t = getattr(torch.nn.functional, name)(xt, **kwargs)
    expected = out_t.detach().numpy()
    finite = np.isfinite(expected)
    np.testing.assert_allclose(out._data[finite], expected[finite], rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("name,kwargs", ALL_FUNCTIONS)
def test_gradcheck(rng, name, kwargs):
    x = chainrule.tensor(rng.standard_normal((3, 4)) * 2, requires_grad=True)
    assert gradcheck(lambda x: getattr(F, name)(x, **kwargs), (x,))


def test_gelu_gradcheck_across_erf_pieces():
    x = chainrule.tensor(np.array([-7.0, -5.0, -2.0, -0.5, 0.3, 1.6, 4.0, 6.5]),
                         requires_grad=True)
    assert gradcheck(F.gelu, (x,))


def test_reprs_with_inplace_and_defaults(torch):
    pairs = [(nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
             (nn.LeakyReLU(0.1, inplace=True), torch.nn.LeakyReLU(0.1, inplace=True)),
             (nn.ELU(inplace=True), torch.nn.ELU(inplace=True)),
             (nn.SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
             (nn.Softmax(), torch.nn.Softmax())]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_bad_gelu_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU(approximate="erf")
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(chainrule.zeros(2), approximate="fast")


@pytest.mark.parametrize("name,kwargs", ALL_FUNCTIONS)
def test_zero_dim_input(parity, torch, name, kwargs):
    if name in ("softmax", "log_softmax"):
        kwargs = {"dim": 0}
    parity(lambda x: getattr(F, name)(x, **kwargs),
           lambda x: getattr(torch.nn.functional, name)(x, **kwargs), [np.array(-0.7)])
