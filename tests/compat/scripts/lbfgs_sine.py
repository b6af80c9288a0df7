"""Fit a sine wave with a small MLP and LBFGS (step with a closure), in float64."""
import numpy as np
import torch
import torch.nn as nn

x = torch.linspace(-3, 3, 64, dtype=torch.float64).unsqueeze(1)
y = torch.sin(x)

model = nn.Sequential(nn.Linear(1, 10), nn.Tanh(), nn.Linear(10, 1)).double()
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-1, 1, size=tuple(p.shape))))

optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=20, history_size=10)
criterion = nn.MSELoss()


def closure():
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    return loss


for i in range(3):
    loss = optimizer.step(closure)

print(f"final loss: {criterion(model(x), y).item():.12e}")
