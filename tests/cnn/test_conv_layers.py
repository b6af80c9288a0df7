"""Conv1d / Conv2d / ConvTranspose1d / ConvTranspose2d layers: torch's parameters, init,
state_dict keys and repr; parity with torch's layers on shared weights (padding modes,
output_size); gradchecks of the Functions; clear errors for bad arguments."""
import math

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.autograd import gradcheck
import chainrule.nn.functional as F


def _copy(torch_layer, layer):
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})


@pytest.mark.parametrize("name,args,kwargs", [
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "bias": False}),
    ("Conv2d", (4, 6, (3, 2)), {"padding": "same", "groups": 2, "dilation": (1, 2)}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2}),
])
def test_layer_matches_torch(torch, name, args, kwargs):
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(nn, name)(*args, **kwargs, dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert repr(ours) == repr(theirs)
    _copy(theirs, ours)
    dims = 1 if name.endswith("1d") else 2
    x = np.random.default_rng(0).standard_normal((2, 4) + (7,) * dims)
    xt = torch.tensor(x, requires_grad=True)
    xo = chainrule.tensor(x, requires_grad=True)
    out, expected = ours(xo), theirs(xt)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), atol=1e-10)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(xo.grad._data, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_padding_modes(torch, mode, padding):
    theirs = torch.nn.Conv2d(2, 3, (3, 4) if padding == "same" else 3, padding=padding,
                             padding_mode=mode).double()
    ours = nn.Conv2d(2, 3, (3, 4) if padding == "same" else 3, padding=padding,
                     padding_mode=mode, dtype=np.float64)
    _copy(theirs, ours)
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 6))
    xt, xo = torch.tensor(x, requires_grad=True), chainrule.tensor(x, requires_grad=True)
    out, expected = ours(xo), theirs(xt)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), atol=1e-10)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(chainrule.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xo.grad._data, xt.grad.numpy(), atol=1e-10)


def test_conv1d_padding_mode(torch):
    theirs = torch.nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular").double()
    ours = nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular", dtype=np.float64)
    _copy(theirs, ours)
    x = np.random.default_rng(0).standard_normal((2, 2, 5))
    np.testing.assert_allclose(ours(chainrule.tensor(x))._data,
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-10)


@pytest.mark.parametrize("output_size", [(9, 10), [2, 3, 10, 9], (10, 10)])
def test_transpose_output_size(torch, output_size):
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1).double()
    ours = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=np.float64)
    _copy(theirs, ours)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    out = ours(chainrule.tensor(x), output_size=output_size)
    expected = theirs(torch.tensor(x), output_size=output_size)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), atol=1e-10)


def test_transpose_output_size_out_of_range():
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)(chainrule.zeros(1, 3, 5, 5),
                                                         output_size=(11, 9))


@pytest.mark.parametrize("make,fan_in", [(lambda: nn.Conv2d(6, 8, (3, 5), groups=2), 3 * 15),
                                         (lambda: nn.ConvTranspose2d(6, 8, 3, groups=2), 4 * 9),
                                         (lambda: nn.Conv1d(4, 64, 5), 20)])
def test_init_bounds(make, fan_in):
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as does the bias
    layer, bound = make(), 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p._data).max() <= bound
    assert np.abs(layer.weight._data).max() > 0.9 * bound     # hundreds of draws


def test_device_and_dtype():
    assert nn.Conv2d(1, 1, 1, device="cpu", dtype=chainrule.float64).weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Conv2d(1, 1, 1, device="cuda")


@pytest.mark.parametrize("fn,args,kwargs", [
    (F.conv2d, ((2, 4, 6, 6), (4, 2, 3, 3), (4,)), {"stride": 2, "padding": 1, "groups": 2}),
    (F.conv1d, ((2, 2, 7), (4, 2, 3), (4,)), {"dilation": 2, "padding": "same"}),
    (F.conv2d, ((2, 2, 5, 5), (4, 1, 3, 3), (4,)), {"stride": 2, "padding": 1, "groups": 2}),
    (F.conv2d, ((1, 3, 7, 4), (3, 3, 2, 3), None), {"stride": (3, 2), "dilation": (2, 1)}),
    (F.conv_transpose2d, ((1, 4, 3, 4), (4, 1, 2, 3), (2,)),
     {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    (F.conv_transpose1d, ((2, 2, 4), (2, 3, 3), None), {"stride": 3, "dilation": 2}),
])
def test_gradcheck(fn, args, kwargs):
    rng = np.random.default_rng(0)
    tensors = [None if s is None else chainrule.tensor(rng.standard_normal(s),
                                                       requires_grad=True) for s in args]
    assert gradcheck(lambda *t: fn(*t, **kwargs), tensors)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_gradcheck_pad(mode):
    x = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)),
                         requires_grad=True)
    pads = (2, 1, 1, 2) if mode != "constant" else (2, -1, 1, 0)
    assert gradcheck(lambda t: F.pad(t, pads, mode), [x])


@pytest.mark.parametrize("call,error,match", [
    (lambda: nn.Conv2d(3, 4, 3)(chainrule.zeros(1, 2, 5, 5)), ValueError,
     "expected input.*3 channels.*got 2"),
    (lambda: nn.Conv2d(3, 4, 7)(chainrule.zeros(1, 3, 5, 5)), ValueError,
     "kernel size .* larger than the padded input"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels \\(3\\).*groups"),
    (lambda: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels \\(3\\).*groups"),
    (lambda: nn.Conv2d(3, 4, 3)(chainrule.zeros(3, 5)), ValueError,
     "3-D \\(unbatched\\) or 4-D"),
    (lambda: nn.Conv2d(3, 4, 3)(chainrule.zeros(1, 1, 3, 5, 5)), ValueError,
     "3-D \\(unbatched\\) or 4-D"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided"),
    (lambda: F.conv2d(chainrule.zeros(1, 1, 5, 5), chainrule.zeros(1, 1, 3, 3), stride=2,
                      padding="same"), ValueError, "not supported for strided"),
    (lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError, "invalid padding string"),
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), ValueError, "kernel_size must be an int or a tuple"),
    (lambda: F.conv1d(chainrule.zeros(1, 1, 5), chainrule.zeros(1, 1, 2), stride=1.5),
     ValueError, "stride must be an int"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), ValueError, "padding_mode"),
    (lambda: nn.Conv2d(3, 4, 3)(chainrule.zeros(1, 3, 5, 5, dtype=chainrule.float64)),
     TypeError, "input is float64 but weight is float32"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), ValueError, "zeros"),
    (lambda: F.conv_transpose2d(chainrule.zeros(1, 3, 5, 5), chainrule.zeros(3, 1, 3, 3),
                                stride=2, output_padding=2), ValueError,
     "output_padding .* smaller than either stride"),
    (lambda: F.conv_transpose2d(chainrule.zeros(1, 2, 5, 5), chainrule.zeros(3, 1, 3, 3)),
     ValueError, "to have 3 channels"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unbatched_layer_output_shape():
    out = nn.Conv2d(3, 4, 3, padding=1)(chainrule.zeros(3, 6, 5))
    assert out.shape == (4, 6, 5)
