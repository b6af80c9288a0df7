"""Forward and backward hooks: record activations, scale gradients, then train."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((40, 4)))
y = torch.from_numpy(rng.integers(0, 3, size=40))

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).double()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, size=tuple(p.shape))))

activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


model[1].register_forward_hook(save_activation("relu"))
grad_norms = []
model[0].register_full_backward_hook(
    lambda module, grad_input, grad_output: grad_norms.append(grad_output[0].norm().item()))
model[2].weight.register_hook(lambda grad: grad * 0.5)

opt = torch.optim.SGD(model.parameters(), lr=0.2)
loss_fn = nn.CrossEntropyLoss()
for step in range(100):
    opt.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    opt.step()

print("active fraction", (activations["relu"] > 0).double().mean().item())
print("grad norms seen", len(grad_norms))
print(f"final loss: {loss.item():.12e}")
