"""Recurrent layers side by side with PyTorch: a char-level language-model training step
(embedding 64, hidden 256, sequence 50, batch 32, vocabulary 65, a linear head, cross entropy
over every step, gradient clipping at norm 5, Adam) with an LSTM and with a GRU, and batch-1
LSTM inference over 50 steps under no_grad. Rows marked "layer" time the recurrent layer's
forward + backward alone, without the model around it.

Both libraries run time-major (their default layout) with the same 2 threads.

Both libraries also share one process, and by default an idle OpenBLAS worker thread spins for
2^28 cycles (~0.1 s) after each GEMM before it sleeps, taking a core away from PyTorch's OpenMP
threads in the round that follows: that alone made PyTorch's LSTM step ~1.8x slower in
alternating rounds. OPENBLAS_THREAD_TIMEOUT=22 (~2 ms of spinning: enough to stay awake across
the pointwise work between two per-step GEMMs) removes the interference without slowing
chainrule; it is set here when numpy is not loaded yet (run alone, as python -m benchmarks.rnn),
and the table says which spin was in effect.
"""
import os
import sys

FAIR_SPIN = "numpy" not in sys.modules
if FAIR_SPIN:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")

import numpy as np  # noqa: E402

from benchmarks._harness import compare, print_table, try_torch  # noqa: E402
import chainrule as cr  # noqa: E402

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
        ("LSTM char-LM training step", chainrule_train_step, torch_train_step, ("LSTM",), 1.35),
        ("GRU char-LM training step", chainrule_train_step, torch_train_step, ("GRU",), 0.9),
        ("LSTM inference, batch 1, 50 steps", chainrule_inference, torch_inference, (), 1.0),
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
        t = compare(contenders, rounds=5 if quick else 15, number=_calls_per_round(contenders))
        rows.append((name, t["chainrule"], t.get("torch"), target))
    return rows


def _calls_per_round(contenders, seconds=0.25):
    """Enough back-to-back calls for a round to last ~0.25 s. With one call a round (the
    harness's default for calls over 20 ms) every call would start right after the other
    library's, whose idle threads still spin for a while and slow it down: a measure of
    the interference between two thread pools, not of either library."""
    from benchmarks._harness import time_call
    slowest = max(time_call(fn, 2) for fn in contenders.values())
    return max(1, int(seconds / slowest))


def spin_note():
    """Whether OpenBLAS's idle spin was shortened before numpy loaded (see the docstring)."""
    from chainrule import _threads
    spin = _threads.blas_info()["thread_timeout"]   # as OpenBLAS read it when NumPy loaded it
    if spin is None:
        return "OpenBLAS idle spin unknown (not NumPy's OpenBLAS)"
    if spin != 28:
        return f"OPENBLAS_THREAD_TIMEOUT={spin}"
    return "default OpenBLAS idle spin: PyTorch's times are inflated by it"


def print_extra():
    print(f"(recurrent rows: {spin_note()})")


if __name__ == "__main__":
    print_table(f"Recurrent layers (2 threads, {spin_note()})", run())
