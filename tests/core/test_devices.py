"""Devices: tensors and modules report and accept the CPU as torch code names it; any other
device gets check_device's one error; dtype= and requires_grad= ride along on every factory."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn

CPU_FORMS = [None, "cpu", "cpu:0", cr.device("cpu"), cr.device("cpu", 0)]
OTHER = ["cuda", "cuda:1", cr.device("cuda"), "mps", 0]

FACTORIES = {
    "tensor": lambda **kw: cr.tensor([1.0, 2.0], **kw),
    "as_tensor": lambda **kw: cr.as_tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: cr.zeros(2, 3, **kw),
    "ones": lambda **kw: cr.ones((2, 3), **kw),
    "empty": lambda **kw: cr.empty(2, **kw),
    "full": lambda **kw: cr.full((2,), 1.5, **kw),
    "arange": lambda **kw: cr.arange(0, 4, **kw),
    "linspace": lambda **kw: cr.linspace(0, 1, 5, **kw),
    "eye": lambda **kw: cr.eye(3, **kw),
    "randn": lambda **kw: cr.randn(2, 2, **kw),
    "rand": lambda **kw: cr.rand(2, **kw),
    "randint": lambda **kw: cr.randint(0, 5, (3,), **kw),
    "randperm": lambda **kw: cr.randperm(4, **kw),
    "zeros_like": lambda **kw: cr.zeros_like(cr.ones(2), **kw),
    "ones_like": lambda **kw: cr.ones_like(cr.ones(2), **kw),
    "empty_like": lambda **kw: cr.empty_like(cr.ones(2), **kw),
    "full_like": lambda **kw: cr.full_like(cr.ones(2), 3.0, **kw),
    "randn_like": lambda **kw: cr.randn_like(cr.ones(2), **kw),
    "rand_like": lambda **kw: cr.rand_like(cr.ones(2), **kw),
    "randint_like": lambda **kw: cr.randint_like(cr.ones(2), 3, **kw),
    "new_zeros": lambda **kw: cr.ones(1).new_zeros(2, **kw),
    "new_ones": lambda **kw: cr.ones(1).new_ones((2,), **kw),
    "new_full": lambda **kw: cr.ones(1).new_full((2,), 4.0, **kw),
    "new_tensor": lambda **kw: cr.ones(1).new_tensor([1, 2], **kw),
    "new_empty": lambda **kw: cr.ones(1).new_empty(2, **kw),
}
NO_REQUIRES_GRAD = {"as_tensor"}   # as torch's: as_tensor has no requires_grad=


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_takes_device_dtype_requires_grad(name):
    make = FACTORIES[name]
    for dev in CPU_FORMS:
        assert make(device=dev).device == "cpu"
    t = make(dtype=cr.float64, device="cpu")
    assert t.dtype == cr.float64
    if name not in NO_REQUIRES_GRAD:
        assert make(dtype=cr.float64, requires_grad=True).requires_grad
    for dev in OTHER:
        with pytest.raises(RuntimeError, match=f"{name.split('new_')[-1]}.*CPU only"):
            make(device=dev)


def test_tensor_device_and_to():
    x = cr.ones(2)
    assert x.device == "cpu" and x.device == cr.device("cpu") and str(x.device) == "cpu"
    assert x.device.type == "cpu" and not x.is_cuda and x.is_cpu and x.get_device() == -1
    for dev in CPU_FORMS[1:]:
        assert x.to(dev) is x
    assert x.to("cpu", cr.float64).dtype == cr.float64
    assert x.to(cr.float64, non_blocking=True).dtype == cr.float64
    assert x.to(dtype=cr.int64, non_blocking=True).dtype == cr.int64
    assert x.to(device="cpu", dtype=cr.float16).dtype == cr.float16
    assert x.to(cr.zeros(1, dtype=cr.float64)).dtype == cr.float64
    assert x.to(cr.float32) is x and x.to(cr.float32, copy=True) is not x
    assert x.cpu() is x and x.pin_memory() is x and not x.is_pinned()
    w = cr.ones(2, requires_grad=True)
    w.to("cpu", cr.float64).sum().backward()     # the cast stays differentiable
    assert w.grad.dtype == cr.float32 and w.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("dev", OTHER)
def test_other_devices_get_one_error(dev):
    x = cr.ones(2)
    for move in (lambda: x.to(dev), lambda: x.to(dev, cr.float64), lambda: x.to(device=dev),
                 lambda: nn.Linear(2, 2).to(dev)):
        with pytest.raises(RuntimeError, match="chainrule runs on the CPU only"):
            move()


def test_cuda_methods_are_clear_errors():
    with pytest.raises(RuntimeError, match="Tensor.cuda: chainrule runs on the CPU only"):
        cr.ones(1).cuda()
    with pytest.raises(RuntimeError, match="Linear.cuda: chainrule runs on the CPU only"):
        nn.Linear(2, 2).cuda()


LAYERS = {
    "Linear": lambda **kw: nn.Linear(3, 2, **kw),
    "Embedding": lambda **kw: nn.Embedding(5, 3, **kw),
    "RNN": lambda **kw: nn.RNN(3, 4, **kw),
    "LSTM": lambda **kw: nn.LSTM(3, 4, num_layers=2, **kw),
    "GRU": lambda **kw: nn.GRU(3, 4, bidirectional=True, **kw),
    "RNNCell": lambda **kw: nn.RNNCell(3, 4, **kw),
    "LSTMCell": lambda **kw: nn.LSTMCell(3, 4, **kw),
    "GRUCell": lambda **kw: nn.GRUCell(3, 4, **kw),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_takes_device_and_dtype(name):
    make = LAYERS[name]
    for dev in CPU_FORMS:
        assert all(p.dtype == cr.float32 for p in make(device=dev).parameters())
    layer = make(device="cpu", dtype=cr.float64)
    assert all(p.dtype == cr.float64 and p.device == "cpu" for p in layer.parameters())
    for dev in OTHER:
        with pytest.raises(RuntimeError, match=f"{name}: chainrule runs on the CPU only"):
            make(device=dev)
    with pytest.raises(TypeError, match=f"{name}: parameters need a floating point dtype"):
        make(dtype=cr.int64)


def test_layer_dtype_matches_torch_init_distribution(torch):
    ours = nn.Linear(50, 40, dtype=cr.float64)
    ref = torch.nn.Linear(50, 40, dtype=torch.float64)
    assert ours.weight.dtype == cr.float64 and ref.weight.dtype == torch.float64
    bound = 1 / np.sqrt(50)
    assert np.abs(ours.weight._data).max() <= bound
    assert abs(ours.weight._data.std() - ref.weight.detach().numpy().std()) < 0.1 * bound


def test_module_to_device_dtype_and_tensor():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    weight = net[0].weight
    assert net.to("cpu") is net and net.to(cr.device("cpu")) is net and net.cpu() is net
    assert net.to("cpu", cr.float64) is net and weight.dtype == cr.float64
    assert net[0].weight is weight                           # the same Parameter objects
    net.to(dtype=cr.float32, non_blocking=True)
    assert weight.dtype == cr.float32
    net.to(cr.zeros(1, dtype=cr.float64))
    assert all(p.dtype == cr.float64 for p in net.parameters())
    net.float()
    assert all(p.dtype == cr.float32 for p in net.parameters())
    net.double()
    assert net(cr.ones(1, 2, dtype=cr.float64)).dtype == cr.float64
