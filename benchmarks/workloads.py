"""The reference workloads of the speed issue, chainrule and PyTorch side by side:

1. MLP 784-512-512-10, ReLU, batch 128, cross entropy, Adam: one full training step.
2. Char-level LSTM language model (embedding 64, hidden 256, sequence 50, batch 32, vocabulary
   65, cross entropy over every step, gradient clipping at 5, Adam): one full training step.
3. The same with a GRU.
4. Batch-1 inference under no_grad: the MLP, and the LSTM model over 50 steps.
5. Peak memory of workloads 1 and 2 (resident set growth during training, each library measured
   in a fresh subprocess).

Each workload's achieved FLOP/s is reported against this machine's float32 matrix-multiply rate
through NumPy, the ceiling a NumPy library can reach.
"""

import numpy as np

from benchmarks._harness import compare, fmt_time, peak_memory, print_memory_rows, try_torch

VOCAB, EMBED, HIDDEN, SEQ, BATCH = 65, 64, 256, 50, 32
MLP_SIZES = (784, 512, 512, 10)
MLP_BATCH = 128


# ---- models, written once against the shared PyTorch-style API ------------------------------
def make_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def make_lm(lib, cell):
    nn = lib.nn

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.rnn = getattr(nn, cell)(EMBED, HIDDEN)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):
            out, _ = self.rnn(self.embed(tokens))
            return self.head(out)

    return CharLM()


def copy_weights(src_torch, dst):
    dst.load_state_dict({k: v.detach().numpy() for k, v in src_torch.state_dict().items()})


def mlp_data(lib):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((MLP_BATCH, 784)).astype(np.float32)
    y = rng.integers(0, 10, MLP_BATCH)
    return lib.tensor(x), lib.tensor(y)


def lm_data(lib):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (SEQ + 1, BATCH))
    return lib.tensor(tokens[:-1]), lib.tensor(tokens[1:])


def train_step_fn(lib, model, x, y, clip=None):
    F = lib.nn.functional
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    params = list(model.parameters())

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if clip:
            lib.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
    return step


def infer_fn(lib, model, x):
    model.eval()

    def run():
        with lib.no_grad():
            model(x)
    return run


# ---- FLOP counts ------------------------------------------------------------------------------
def mlp_flops(batch, training):
    fwd = sum(2 * batch * a * b for a, b in zip(MLP_SIZES, MLP_SIZES[1:]))
    if not training:
        return fwd
    # backward: weight grads for every layer, input grads for all but the first
    return fwd + fwd + (fwd - 2 * batch * MLP_SIZES[0] * MLP_SIZES[1])


def lm_flops(cell, batch, training):
    gates = {"LSTM": 4, "GRU": 3}[cell]
    rnn = 2 * batch * SEQ * (EMBED + HIDDEN) * gates * HIDDEN
    head = 2 * batch * SEQ * HIDDEN * VOCAB
    fwd = rnn + head
    return fwd * 3 if training else fwd


def numpy_gemm_rate():
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    t = compare({"gemm": lambda: a @ a}, rounds=5)["gemm"]
    return 2 * 1024 ** 3 / t


# ---- peak memory, measured in fresh processes --------------------------------------------------
def memory_step(lib, workload):
    """The step whose peak memory _harness.peak_memory measures."""
    if workload == "mlp":
        model = make_mlp(lib)
        x, y = mlp_data(lib)
        return train_step_fn(lib, model, x, y)
    model = make_lm(lib, "LSTM")
    x, y = lm_data(lib)
    return train_step_fn(lib, model, x, y, clip=5.0)


# ---- the table ---------------------------------------------------------------------------------
def run(quick=False):
    import chainrule as cr
    torch = try_torch()
    rounds = 5 if quick else 11
    gemm = numpy_gemm_rate()
    rows = []
    global _FLOPS_NOTES
    _FLOPS_NOTES = [f"NumPy float32 GEMM ceiling (1024^3): {gemm / 1e9:.1f} GFLOP/s"]

    def side_by_side(name, build, flops, target):
        torch_fn = None
        cr.manual_seed(0)
        if torch:
            torch.manual_seed(0)
            torch_model, ours_model, torch_fn, ours_fn = build()
        else:
            ours_fn = build(no_torch=True)
        contenders = {"chainrule": ours_fn}
        if torch_fn:
            contenders["torch"] = torch_fn
        t = compare(contenders, rounds=rounds)
        rows.append((name, t["chainrule"], t.get("torch"), target))
        _FLOPS_NOTES.append(f"{name}: chainrule {flops / t['chainrule'] / 1e9:.1f} GFLOP/s "
                            f"({100 * flops / t['chainrule'] / gemm:.0f}% of the GEMM ceiling)")

    def build_train(make, data, clip=None):
        def build(no_torch=False):
            ours = make(cr)
            x, y = data(cr)
            if no_torch:
                return train_step_fn(cr, ours, x, y, clip)
            theirs = make(torch)
            copy_weights(theirs, ours)
            tx, ty = data(torch)
            return theirs, ours, train_step_fn(torch, theirs, tx, ty, clip), \
                train_step_fn(cr, ours, x, y, clip)
        return build

    def build_infer(make, data):
        def build(no_torch=False):
            ours = make(cr)
            x = data(cr)
            if no_torch:
                return infer_fn(cr, ours, x)
            theirs = make(torch)
            copy_weights(theirs, ours)
            return theirs, ours, infer_fn(torch, theirs, data(torch)), infer_fn(cr, ours, x)
        return build

    side_by_side("MLP training step", build_train(make_mlp, mlp_data),
                 mlp_flops(MLP_BATCH, True), 1.05)
    for cell, target in (("LSTM", 1.35), ("GRU", 0.9)):
        side_by_side(f"{cell} LM training step", build_train(lambda lib, c=cell: make_lm(lib, c),
                                                             lm_data, clip=5.0),
                     lm_flops(cell, BATCH, True), target)
    one = np.random.default_rng(0).standard_normal((1, 784)).astype(np.float32)
    side_by_side("MLP batch-1 inference", build_infer(make_mlp, lambda lib: lib.tensor(one)),
                 mlp_flops(1, False), 1.1)
    tokens = np.random.default_rng(0).integers(0, VOCAB, (SEQ, 1))
    side_by_side("LSTM batch-1 inference, 50 steps",
                 build_infer(lambda lib: make_lm(lib, "LSTM"), lambda lib: lib.tensor(tokens)),
                 lm_flops("LSTM", 1, False), 1.0)
    if torch and not quick:
        for workload, name in (("mlp", "MLP training peak memory"),
                               ("lstm", "LSTM training peak memory")):
            ours = peak_memory("workloads", "chainrule", workload)
            theirs = peak_memory("workloads", "torch", workload)
            _MEMORY_NOTES.append((name, ours, theirs))
    return rows


_FLOPS_NOTES = []
_MEMORY_NOTES = []


def print_extra():
    print_memory_rows(_MEMORY_NOTES, 1.2)
    for line in _FLOPS_NOTES:
        print(f"- {line}")


if __name__ == "__main__":
    from benchmarks._harness import print_table
    print_table("Reference workloads (float32, 2 threads)", run())
    print_extra()
    _ = fmt_time
