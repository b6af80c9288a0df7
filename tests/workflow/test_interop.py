"""Weights move both ways between chainrule and PyTorch through safetensors files."""
import numpy as np

import chainrule
from chainrule import nn

from ._problems import mlp


def _torch_mlp(torch):
    return torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(),
                               torch.nn.Linear(16, 3)).double()


def test_chainrule_model_loads_into_torch(tmp_path, torch):
    from safetensors.torch import load_file
    ours = mlp().double()
    chainrule.save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = _torch_mlp(torch)
    theirs.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    x = np.random.default_rng(0).standard_normal((5, 4))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(chainrule.tensor(x)).detach().numpy(), expected,
                               rtol=1e-12, atol=1e-14)


def test_torch_state_dict_loads_into_chainrule(tmp_path, torch):
    from safetensors.torch import save_file
    theirs = _torch_mlp(torch)
    save_file(theirs.state_dict(), str(tmp_path / "torch.safetensors"))
    ours = mlp().double()
    ours.load_state_dict(chainrule.load(tmp_path / "torch.safetensors"))
    x = np.random.default_rng(1).standard_normal((5, 4))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(chainrule.tensor(x)).detach().numpy(), expected,
                               rtol=1e-12, atol=1e-14)
    assert isinstance(ours, nn.Module)
