"""Recurrent layers side by side with PyTorch: a char-level language-model training step
(embedding 64, hidden 256, sequence 50, batch 32, vocabulary 65, a linear head, cross entropy
over every step, gradient clipping at norm 5, Adam) with an LSTM and with a GRU, and batch-1
LSTM inference over 50 steps under no_grad. Rows marked "layer" time the recurrent layer's
forward + backward alone, without the model around it.

Both libraries run time-major (their default layout) with the same 2 threads.
"""
import numpy as np

from benchmarks._harness import compare, print_table, try_torch
import chainrule as cr

VOCAB, EMBED, HIDDEN, SEQ, BATCH = 65, 64, 256, 50, 32


def _data(batch):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, size=(SEQ + 1, batch))
    return tokens[:-1], tokens[1:]


def _chainrule_model(kind):
    from chainrule import nn
    from chainrule.nn import rnn

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.rnn = getattr(rnn, kind)(EMBED, HIDDEN)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, idx):
            out, _ = self.rnn(self.embed(idx))
            return self.head(out)

    cr.manual_seed(0)
    return CharLM()


def _torch_model(torch, kind):
    class CharLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            self.rnn = getattr(torch.nn, kind)(EMBED, HIDDEN)
            self.head = torch.nn.Linear(HIDDEN, VOCAB)

        def forward(self, idx):
            out, _ = self.rnn(self.embed(idx))
            return self.head(out)

    torch.manual_seed(0)
    return CharLM()


def chainrule_train_step(kind):
    from chainrule.nn import functional as F
    from chainrule.nn.utils import clip_grad_norm_
    from chainrule.optim import Adam
    model = _chainrule_model(kind)
    opt = Adam(model.parameters(), lr=2e-3)
    inputs, targets = (cr.tensor(a) for a in _data(BATCH))
    flat_targets = targets.reshape(-1)

    def step():
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), flat_targets)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return step


def torch_train_step(torch, kind):
    model = _torch_model(torch, kind)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    inputs, targets = (torch.from_numpy(a) for a in _data(BATCH))
    flat_targets = targets.reshape(-1)

    def step():
        logits = model(inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), flat_targets)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return step


def chainrule_layer_step(kind):
    from chainrule.nn import rnn
    cr.manual_seed(0)
    layer = getattr(rnn, kind)(EMBED, HIDDEN)
    x = cr.tensor(np.random.default_rng(0).standard_normal((SEQ, BATCH, EMBED), np.float32),
                  requires_grad=True)

    def step():
        layer.zero_grad()
        layer(x)[0].sum().backward()
    return step


def torch_layer_step(torch, kind):
    layer = getattr(torch.nn, kind)(EMBED, HIDDEN)
    x = torch.tensor(np.random.default_rng(0).standard_normal((SEQ, BATCH, EMBED), np.float32),
                     requires_grad=True)

    def step():
        layer.zero_grad()
        layer(x)[0].sum().backward()
    return step


def chainrule_inference():
    model = _chainrule_model("LSTM").eval()
    inputs = cr.tensor(_data(1)[0])

    def step():
        with cr.no_grad():
            model(inputs)
    return step


def torch_inference(torch):
    model = _torch_model(torch, "LSTM").eval()
    inputs = torch.from_numpy(_data(1)[0])

    def step():
        with torch.no_grad():
            model(inputs)
    return step


def run(quick=False):
    torch = try_torch()
    workloads = [
        ("LSTM char-LM training step", chainrule_train_step, torch_train_step, ("LSTM",), 1.15),
        ("GRU char-LM training step", chainrule_train_step, torch_train_step, ("GRU",), 0.6),
        ("LSTM inference, batch 1, 50 steps", chainrule_inference, torch_inference, (), 1.2),
        ("LSTM layer forward + backward", chainrule_layer_step, torch_layer_step, ("LSTM",),
         None),
        ("GRU layer forward + backward", chainrule_layer_step, torch_layer_step, ("GRU",),
         None),
    ]
    rows = []
    for name, ours, theirs, args, target in workloads:
        contenders = {"chainrule": ours(*args)}
        if torch:
            contenders["torch"] = theirs(torch, *args)
        t = compare(contenders, rounds=5 if quick else 15)
        rows.append((name, t["chainrule"], t.get("torch"), target))
    return rows


if __name__ == "__main__":
    print_table("Recurrent layers (time per step, 2 threads)", run())
