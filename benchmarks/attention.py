"""Attention and Transformers side by side with PyTorch (float32, 2 threads):

1. scaled_dot_product_attention forward + backward alone: causal, batch 8, 8 heads, sequence
   256, head dim 64.
2. One nn.TransformerEncoderLayer forward + backward: d_model 256, 4 heads, feed-forward 1024,
   sequence 128, batch 16 (post-norm, ReLU, dropout 0.1 in training mode).
3. A GPT training step: the model of examples/char_lm.py (4 pre-norm encoder layers under a
   causal mask, d 128, 4 heads, tanh GELU, block 128), batch 16, vocabulary 65, cross entropy,
   clipping at 1, AdamW.
4. Peak memory of 2 and 3 (resident-set growth over 5 steps in a fresh process).

Each model is written once against the shared torch-style API (``lib`` is chainrule or torch).
SDPA and the GPT step are followed by their floors (benchmarks/floors_layers.py): the same
matrix products (and, for SDPA, the fewest softmax passes) in bare NumPy, in the same rounds.
"""
import os
import sys

if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")

import numpy as np  # noqa: E402

from benchmarks import floors_layers as floors  # noqa: E402
from benchmarks._harness import (compare, peak_memory, print_memory_rows,  # noqa: E402
                                 print_table, time_call, try_torch)
import chainrule as cr  # noqa: E402

VOCAB, BLOCK, BATCH = 65, 128, 16


def _calls_per_round(contenders, seconds=0.25):
    slowest = max(time_call(fn, 2) for fn in contenders.values())
    return max(1, int(seconds / slowest))


def sdpa_step(lib):
    rng = np.random.default_rng(0)
    q, k, v = (lib.tensor(rng.standard_normal((8, 8, 256, 64), np.float32), requires_grad=True)
               for _ in range(3))
    g = lib.tensor(rng.standard_normal((8, 8, 256, 64), np.float32))
    sdpa = lib.nn.functional.scaled_dot_product_attention

    def step():
        sdpa(q, k, v, is_causal=True).backward(g)
    return step


def encoder_layer_step(lib):
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.1)
    x = lib.tensor(np.random.default_rng(0).standard_normal((128, BATCH, 256), np.float32),
                   requires_grad=True)

    def step():
        layer.zero_grad()
        layer(x).sum().backward()
    return step


def make_gpt(lib):
    nn = lib.nn

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, 128)
            self.pos = nn.Embedding(BLOCK, 128)
            layer = nn.TransformerEncoderLayer(128, 4, 512, 0.0,
                                               activation=nn.GELU(approximate="tanh"),
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, 4, norm=nn.LayerNorm(128),
                                                enable_nested_tensor=False)
            self.head = nn.Linear(128, VOCAB)
            self.mask = nn.Transformer.generate_square_subsequent_mask(BLOCK)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(lib.arange(BLOCK))
            return self.head(self.blocks(x, mask=self.mask, is_causal=True))

    lib.manual_seed(0)
    return GPT()


def gpt_step(lib):
    model = make_gpt(lib)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.integers(0, VOCAB, (BATCH, BLOCK)))
    y = lib.tensor(rng.integers(0, VOCAB, (BATCH * BLOCK,)))
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y)
        opt.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return step


WORKLOADS = [
    ("SDPA causal fwd+bwd (8x8 heads, seq 256, dim 64)", sdpa_step, 1.1,
     lambda: {"products alone": floors.sdpa_causal(8, 8, 256, 64),
              "products + softmax passes": floors.sdpa_causal(8, 8, 256, 64, softmax=True)}),
    ("TransformerEncoderLayer fwd+bwd (d 256, seq 128, batch 16)", encoder_layer_step, 1.2,
     dict),
    ("GPT training step (4 layers, d 128, block 128, batch 16)", gpt_step, 1.25,
     lambda: {"products and AdamW alone": floors.gpt_step(BATCH, BLOCK)}),
]


def memory_step(lib, workload):
    """The step whose peak memory _harness.peak_memory measures."""
    return {"encoder": encoder_layer_step, "gpt": gpt_step}[workload](lib)


_MEMORY = []


def run(quick=False):
    torch = try_torch()
    rows = []
    del _MEMORY[:]
    for name, make, target, make_floors in WORKLOADS:
        contenders = {"chainrule": make(cr)}
        if torch:
            contenders["torch"] = make(torch)
        number = _calls_per_round(contenders)
        found = make_floors()
        contenders.update(found)
        t = compare(contenders, rounds=5 if quick else 15, number=number)
        rows.append((name, t["chainrule"], t.get("torch"), target))
        rows.extend((f"floor: {label}", t[label], t.get("torch"), target) for label in found)
    if torch and not quick:
        for workload, name in (("encoder", "TransformerEncoderLayer peak memory"),
                               ("gpt", "GPT training peak memory")):
            _MEMORY.append((name, peak_memory("attention", "chainrule", workload),
                            peak_memory("attention", "torch", workload)))
    return rows


def print_extra():
    print_memory_rows(_MEMORY, 1.2)


if __name__ == "__main__":
    print_table("Attention and Transformers (float32, 2 threads)", run("--quick" in sys.argv))
    print_extra()
