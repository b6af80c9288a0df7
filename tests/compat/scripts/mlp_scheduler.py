"""An MLP classifier on synthetic blobs, with Adam, StepLR and a DataLoader."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
centers = rng.standard_normal((3, 4)) * 2
labels = rng.integers(0, 3, size=120)
points = centers[labels] + rng.standard_normal((120, 4))
dataset = TensorDataset(torch.tensor(points, dtype=torch.float32), torch.tensor(labels))
loader = DataLoader(dataset, batch_size=20, shuffle=False)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 32)
        self.out = nn.Linear(32, 3)
        self.dropout = nn.Dropout(0.0)

    def forward(self, x):
        return self.out(self.dropout(F.relu(self.hidden(x))))


model = MLP()
init = np.random.default_rng(1)
for name, p in model.named_parameters():
    p.data.copy_(torch.from_numpy(init.uniform(-0.3, 0.3, size=tuple(p.shape))
                                  .astype(np.float32)))

optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = StepLR(optimizer, step_size=5, gamma=0.5)
for epoch in range(15):
    model.train()
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()

model.eval()
with torch.no_grad():
    X, Y = dataset.tensors
    accuracy = (model(X).argmax(dim=1) == Y).float().mean().item()
print(f"accuracy {accuracy:.3f}, lr {scheduler.get_last_lr()[0]:.5f}")
print(f"final loss: {total / len(dataset):.8e}")
