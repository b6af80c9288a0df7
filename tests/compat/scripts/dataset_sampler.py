"""A custom Dataset returning dicts of NumPy arrays, a custom Sampler, default collate."""
import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler


class Points(Dataset):
    def __init__(self, n):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((n, 3))
        self.y = (self.x.sum(axis=1) > 0).astype(np.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": self.x[i], "label": int(self.y[i]), "name": f"p{i}"}


class EvensThenOdds(Sampler):
    """A deterministic order, so both libraries see the same batches."""

    def __init__(self, data_source):
        self.n = len(data_source)

    def __iter__(self):
        return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))

    def __len__(self):
        return self.n


data = Points(60)
loader = DataLoader(data, batch_size=8, sampler=EvensThenOdds(data), drop_last=True)
assert len(loader) == 7
pairs = DataLoader(data, batch_sampler=BatchSampler(EvensThenOdds(data), 16, False))
assert [len(b["name"]) for b in pairs] == [16, 16, 16, 12]

init = np.random.default_rng(1)
model = torch.nn.Linear(3, 2).double()
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(init.standard_normal((2, 3)) * 0.1))
    model.bias.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
for epoch in range(6):
    for batch in loader:
        assert batch["features"].dtype == torch.float64 and batch["label"].dtype == torch.int64
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(batch["features"]), batch["label"])
        loss.backward()
        opt.step()

print(f"final loss: {loss.item():.12e}")
