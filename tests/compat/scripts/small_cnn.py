"""A small convolutional network in float64: Conv2d (reflect padding), BatchNorm2d, max-pooling,
a residual connection, ConvTranspose2d, bilinear Upsample and F.pad, trained with SGD."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect")
        self.bn = nn.BatchNorm2d(4)
        self.body = nn.Conv2d(4, 4, 3, padding="same", groups=2)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)
        self.resize = nn.Upsample(size=(6, 6), mode="bilinear", align_corners=False)
        self.head = nn.Linear(2 * 6 * 6, 3)

    def forward(self, x):
        h = F.relu(self.bn(self.stem(x)))
        h = self.pool(h + self.body(h))
        h = self.resize(self.up(F.pad(h, (1, 0, 0, 1))))
        return self.head(h.flatten(1))


model = Net().double()
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.4, 0.4, size=tuple(p.shape))))
x = torch.from_numpy(rng.standard_normal((8, 1, 8, 8)))
y = torch.from_numpy(rng.integers(0, 3, 8))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(10):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

print(f"final loss: {loss.item():.8e}")
