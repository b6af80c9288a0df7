"""Checkpoints through file objects: save a state_dict into io.BytesIO, load it back."""
import io

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((30, 4)))
y = torch.from_numpy(rng.standard_normal((30, 2)))


def make_model():
    model = nn.Linear(4, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(np.linspace(-0.5, 0.5, 8).reshape(2, 4)))
        model.bias.zero_()
    return model


model = make_model()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(30):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()

buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 30}, buffer)
buffer.seek(0)

restored = make_model()
restored_opt = torch.optim.Adam(restored.parameters(), lr=0.05)
ckpt = torch.load(buffer)
restored.load_state_dict(ckpt["model"])
restored_opt.load_state_dict(ckpt["optimizer"])
assert ckpt["step"] == 30
for step in range(30):
    restored_opt.zero_grad()
    loss = nn.functional.mse_loss(restored(X), y)
    loss.backward()
    restored_opt.step()

print(f"final loss: {loss.item():.12e}")
