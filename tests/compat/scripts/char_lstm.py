"""A character-level LSTM language model with an Embedding, trained with Adam."""
import numpy as np
import torch
import torch.nn as nn

text = "the quick brown fox jumps over the lazy dog. " * 4
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
seq_len = 16
starts = range(0, len(data) - seq_len - 1, 8)
inputs = torch.stack([data[s:s + seq_len] for s in starts])
targets = torch.stack([data[s + 1:s + seq_len + 1] for s in starts])


class CharLSTM(nn.Module):
    def __init__(self, vocab, embed=12, hidden=24):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


model = CharLSTM(len(chars))
rng = np.random.default_rng(0)
for name, p in model.state_dict().items():
    p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, size=tuple(p.shape)).astype(np.float32)))

opt = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
for epoch in range(30):
    opt.zero_grad()
    logits, _ = model(inputs)
    loss = criterion(logits.reshape(-1, len(chars)), targets.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()

print(f"final loss: {loss.item():.8e}")
