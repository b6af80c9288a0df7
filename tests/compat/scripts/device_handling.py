"""Device-agnostic code: pick cuda when available, move the model and batches with .to."""
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.backends.cudnn.benchmark = True
if torch.cuda.is_available():
    torch.cuda.manual_seed_all(0)

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((32, 6)).astype(np.float32))
y = torch.from_numpy(rng.standard_normal((32, 1)).astype(np.float32))

model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.4, 0.4, size=tuple(p.shape)).astype(np.float32)))
model = model.to(device)
opt = torch.optim.Adam(model.parameters(), lr=0.01)

for step in range(100):
    xb, yb = X.to(device), y.to(device, non_blocking=True)
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(xb), yb)
    loss.backward()
    opt.step()

zeros = torch.zeros(3, device=device)
assert zeros.device.type == device.type == "cpu"
print(f"final loss: {loss.item():.8e}")
