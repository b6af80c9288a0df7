"""state_dict / load_state_dict: PyTorch's key names, weights moving both ways between the two
libraries with identical outputs, in-place loading with casts, and the error report."""
import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

pytestmark = pytest.mark.filterwarnings("error")


class OursModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(12, 5, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, idx):
        return self.mlp(self.embed(idx))


def _torch_model(torch):
    class TorchModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(12, 5, padding_idx=0)
            self.mlp = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(),
                                           torch.nn.Linear(8, 3))

        def forward(self, idx):
            return self.mlp(self.embed(idx))
    return TorchModel().double()


def test_torch_weights_load_into_ours_and_give_the_same_outputs(torch, rng):
    theirs = _torch_model(torch)
    ours = OursModel().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    result = ours.load_state_dict(theirs.state_dict())      # torch tensors, taken as arrays
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    idx = rng.integers(0, 12, (4, 6))
    expected = theirs(torch.tensor(idx)).detach().numpy()
    np.testing.assert_allclose(ours(chainrule.tensor(idx))._data, expected, rtol=1e-12)


def test_our_weights_load_into_torch(torch, rng):
    ours = OursModel().double()
    theirs = _torch_model(torch)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                            ours.state_dict().items()})
    idx = rng.integers(0, 12, (3, 2))
    np.testing.assert_allclose(ours(chainrule.tensor(idx))._data,
                               theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-12)


def test_load_copies_in_place_and_casts_to_the_module_dtype(rng):
    model = OursModel()                                     # float32
    weight = model.mlp[0].weight
    sd = {k: v.numpy().astype(np.float64) + 1 for k, v in model.state_dict().items()}
    model.load_state_dict(sd)
    assert model.mlp[0].weight is weight and weight.dtype == np.float32
    np.testing.assert_allclose(weight._data, sd["mlp.0.weight"], rtol=1e-6)
    sd["mlp.0.weight"][:] = 0                               # no aliasing of the source
    assert weight._data.any()


def test_state_dict_values_are_detached_views():
    model = OursModel()
    sd = model.state_dict()
    value = sd["mlp.2.bias"]
    assert not value.requires_grad and value.grad_fn is None
    assert value._data is model.mlp[2].bias._data
    assert type(sd).__name__ == "OrderedDict"
    kept = model.state_dict(keep_vars=True)["mlp.2.bias"]
    assert kept is model.mlp[2].bias


def test_buffers_persistent_and_not():
    m = nn.Module()
    m.register_buffer("kept", chainrule.zeros(2))
    m.register_buffer("scratch", chainrule.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    m.load_state_dict({"kept": np.ones(2)})
    assert m.kept._data.sum() == 2


def test_errors_list_missing_unexpected_and_mis_shaped_keys_together():
    model = OursModel()
    sd = {k: v.numpy() for k, v in model.state_dict().items()}
    del sd["mlp.0.bias"]
    sd["mlp.9.weight"] = np.zeros(3)
    sd["mlp.2.weight"] = np.zeros((3, 7))
    with pytest.raises(ValueError) as err:
        model.load_state_dict(sd)
    msg = str(err.value)
    assert msg.startswith("Error(s) in loading state_dict for OursModel:")
    assert 'Missing key(s) in state_dict: "mlp.0.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "mlp.9.weight"' in msg
    assert ("size mismatch for mlp.2.weight: copying a param with shape (3, 7) from "
            "checkpoint, the shape in current model is (3, 8).") in msg
    before = model.mlp[0].weight._data.copy()
    sd["mlp.0.weight"] = before + 5
    with pytest.raises(ValueError):
        model.load_state_dict(sd)
    np.testing.assert_array_equal(model.mlp[0].weight._data, before)   # nothing half-loaded


def test_non_strict_load_reports_keys_but_still_rejects_bad_shapes():
    model = OursModel()
    sd = {k: v.numpy() for k, v in model.state_dict().items()}
    del sd["embed.weight"]
    sd["extra"] = np.zeros(1)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["embed.weight"] and result.unexpected_keys == ["extra"]
    sd["mlp.0.bias"] = np.zeros(2)
    with pytest.raises(ValueError, match="size mismatch for mlp.0.bias"):
        model.load_state_dict(sd, strict=False)
    with pytest.raises(ValueError, match='While copying the parameter named "mlp.0.bias"'):
        model.load_state_dict({**sd, "mlp.0.bias": object()}, strict=False)
