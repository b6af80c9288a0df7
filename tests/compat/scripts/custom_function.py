"""A custom autograd Function in torch's ctx form, trained inside a small model."""
import numpy as np
import torch


class SoftClip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, limit):
        ctx.save_for_backward(x)
        ctx.limit = limit
        return limit * torch.tanh(x / limit)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        t = torch.tanh(x / ctx.limit)
        return grad_output * (1 - t * t), None


rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((50, 3)))
y = torch.from_numpy(np.sin(rng.standard_normal((50, 1)) * 2))
W = torch.from_numpy(rng.standard_normal((3, 1)) * 0.5).requires_grad_()
b = torch.zeros(1, dtype=torch.float64, requires_grad=True)

opt = torch.optim.SGD([W, b], lr=0.1)
for step in range(150):
    opt.zero_grad()
    pred = SoftClip.apply(X @ W + b, 1.5)
    loss = torch.nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()

print(f"final loss: {loss.item():.12e}")
