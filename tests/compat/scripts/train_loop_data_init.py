"""Regression with a hand-written training loop, weights set through .data, manual SGD."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((64, 5)))
true_w = torch.from_numpy(rng.standard_normal((5, 1)))
y = X @ true_w + 0.1 * torch.from_numpy(rng.standard_normal((64, 1)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 16).double()
        self.fc2 = nn.Linear(16, 1).double()
        self.init_weights()

    def init_weights(self):
        init = np.random.default_rng(1)
        for layer in (self.fc1, self.fc2):
            w = init.uniform(-0.3, 0.3, size=tuple(layer.weight.shape))
            layer.weight.data = torch.from_numpy(w)
            layer.bias.data.fill_(0.01)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


model = Net()
lr = 0.05
for epoch in range(200):
    loss = ((model(X) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad.data
    if epoch % 50 == 0:
        print(f"epoch {epoch}: {loss.item():.6f}")

print(f"final loss: {loss.item():.12e}")
