"""Module: registration, traversal with PyTorch's names, modes, bulk updates, dtype casts,
reprs identical to PyTorch's, and the containers."""
import copy

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

pytestmark = pytest.mark.filterwarnings("error")


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.scale = nn.Parameter(chainrule.ones(4))
        self.register_buffer("running", chainrule.zeros(4))
        self.register_buffer("scratch", chainrule.zeros(2), persistent=False)
        self.not_a_param = chainrule.ones(3)         # plain tensor attribute: not registered

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)
        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
        self.shared = self.head                       # the same module under two names

    def forward(self, x):
        return self.head(self.block(x))


def test_registration_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.weight",
                     "layers.0.weight", "layers.0.bias"]
    assert len(list(net.parameters())) == 6
    assert [n for n, _ in net.named_parameters(prefix="net", recurse=False)] == []
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_buffers()] == ["block.running", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "head", "layers"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.act",
                                                   "head", "layers", "layers.0", "layers.1"]
    assert len(list(net.modules())) == 8 and len(list(net.children())) == 3
    assert list(net.state_dict()) == ["block.scale", "block.running", "block.fc.weight",
                                      "block.fc.bias", "head.weight", "layers.0.weight",
                                      "layers.0.bias", "shared.weight"]
    assert net.get_submodule("layers.0") is net.layers[0]


def test_names_match_torch(torch):
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 4)))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(4, 4)))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_shared_parameter_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]


def test_assignment_rules():
    block = Block()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        block.scale = chainrule.ones(4)
    block.scale = None
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(TypeError, match="as buffer 'running'"):
        block.running = np.zeros(4)
    block.running = chainrule.ones(4)
    assert block.state_dict()["running"]._data.sum() == 4
    del block.fc
    assert not hasattr(block, "fc") and "fc.weight" not in block.state_dict()
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        block.missing
    with pytest.raises(KeyError, match="buffer name can"):
        block.register_buffer("a.b", chainrule.zeros(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Broken(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)
        Broken()


def test_train_eval_apply_requires_grad_zero_grad():
    net = Net()
    assert net.training and net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    out = net(chainrule.ones(2, 3)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.head.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in net.head.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_float_keep_parameter_identity():
    net = Net()
    params = list(net.parameters())
    net(chainrule.ones(1, 3)).sum().backward()
    assert net.double() is net
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(a is b for a, b in zip(params, net.parameters()))
    assert net.block.running.dtype == np.float64
    assert net.head.weight.grad.dtype == np.float64
    assert net(chainrule.ones(1, 3, dtype=chainrule.float64)).dtype == np.float64
    net.to(chainrule.float32)
    assert net.block.fc.weight.dtype == np.float32
    net.float().to("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point dtype"):
        net.to(chainrule.int64)


def test_deepcopy_is_independent():
    net = Net()
    twin = copy.deepcopy(net)
    twin.head.weight._data += 1
    assert not np.allclose(twin.head.weight._data, net.head.weight._data)
    assert twin.shared is twin.head


def test_repr_matches_torch(torch):
    ours = nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.25), nn.Flatten(), nn.Identity(),
        nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
        nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.Tanh()]),
        nn.ModuleDict({"act": nn.GELU(), "seq": nn.Sequential(nn.Linear(4, 1, bias=False))}),
        nn.Softplus(beta=2.0), nn.LogSoftmax(dim=1), nn.ModuleList())
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Dropout(0.25), torch.nn.Flatten(),
        torch.nn.Identity(), torch.nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
        torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                             torch.nn.Linear(2, 2), torch.nn.Tanh()]),
        torch.nn.ModuleDict({"act": torch.nn.GELU(),
                             "seq": torch.nn.Sequential(torch.nn.Linear(4, 1, bias=False))}),
        torch.nn.Softplus(beta=2.0), torch.nn.LogSoftmax(dim=1), torch.nn.ModuleList())
    assert repr(ours) == repr(theirs)
    assert repr(Net()).startswith("Net(\n  (block): Block(\n    (fc): Linear(in_features=3")


def test_sequential_container(torch):
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    seq.append(c)
    x = chainrule.ones(5, 2)
    np.testing.assert_allclose(seq(x)._data, c(b(a(x)))._data)
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == [b, c]
    del seq[0]
    assert list(seq) == [b, c] and list(seq._modules) == ["0", "1"]
    seq.insert(0, a)
    seq[2] = nn.Sigmoid()
    assert isinstance(seq[2], nn.Sigmoid) and seq.pop(0) is a and len(seq) == 2
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    named = nn.Sequential(__import__("collections").OrderedDict(enc=a, act=b))
    assert [n for n, _ in named.named_parameters()] == ["enc.weight", "enc.bias"]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    assert len(layers) == 6 and isinstance(layers[-1], nn.Sigmoid)
    assert len(list(layers.parameters())) == 6
    del layers[1]
    assert list(layers._modules) == [str(i) for i in range(5)]
    layers.insert(1, nn.Identity())
    assert isinstance(layers[1], nn.Identity) and isinstance(layers[1:3], nn.ModuleList)
    with pytest.raises(TypeError, match="iterable of modules"):
        layers.extend(nn.Linear(1, 1))
    d = nn.ModuleDict({"a": nn.Linear(1, 2)})
    d["b"] = nn.ReLU()
    d.update([("c", nn.Tanh())])
    assert list(d) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    assert isinstance(d.pop("b"), nn.ReLU) and list(d.keys()) == ["a", "c"]
    with pytest.raises(ValueError, match="element #0"):
        d.update([("x",)])


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_assigning_a_tensor_to_parameter_data_stores_its_array():
    import numpy as np

    import chainrule as cr
    lin = cr.nn.Linear(2, 2)
    lin.weight.data = cr.zeros(2, 2)
    assert isinstance(lin.weight._data, np.ndarray)
    assert lin(cr.ones(1, 2)).shape == (1, 2)
    assert "Parameter containing" in repr(lin.weight)
