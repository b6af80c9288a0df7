"""Floors: the matrix products and memory passes of each reference workload in bare NumPy (no
autograd, no modules, no Python beyond the calls themselves), against PyTorch's time for the
whole workload. A ratio here is the best a NumPy library can do on this CPU with these calls:
where a workload's target is below its floor, only a compiled kernel reaches it.

Each floor is timed with OpenBLAS on one thread and on all of its threads (set through its own
runtime call, chainrule/_threads.py), in rounds alternating with PyTorch's workload, and the
faster is reported; the notes say which.
"""
import subprocess
import sys

import numpy as np

from benchmarks import workloads as w
from benchmarks._harness import compare, try_torch

f32 = np.float32
_NOTES = []


def _rand(*shape):
    return np.random.default_rng(len(shape)).standard_normal(shape).astype(f32) * 0.05


def lstm_infer_products():
    H, G = w.HIDDEN, 4 * w.HIDDEN
    w_ih, w_hh, head = _rand(G, w.EMBED), _rand(G, H), _rand(w.VOCAB, H)
    x, h, z = _rand(w.SEQ, w.EMBED), _rand(w.SEQ + 1, H), np.empty((1, G), f32)
    w_hh_t = w_hh.T

    def run():
        x @ w_ih.T
        for t in range(w.SEQ):
            np.matmul(h[t:t + 1], w_hh_t, out=z)
        h[1:] @ head.T
    return run


def lstm_infer_loop():
    """The products plus the 9 pointwise calls a step of chainrule's no-grad LSTM loop."""
    H, G = w.HIDDEN, 4 * w.HIDDEN
    w_ih, w_hh, head = _rand(G, w.EMBED), _rand(G, H), _rand(w.VOCAB, H)
    x, S = _rand(w.SEQ, w.EMBED), np.zeros((w.SEQ + 1, 1, H), f32)
    z, p, q, tc = (np.empty((1, n), f32) for n in (G, 2 * H, 2 * H, H))
    w_hh_t = w_hh.T

    def run():
        a = -(x @ w_ih.T)
        p[:, H:] = 0
        for t in range(w.SEQ):
            np.matmul(S[t], w_hh_t, out=z)
            np.subtract(a[t], z, out=z)
            np.tanh(z[:, 2 * H:3 * H], out=p[:, :H])
            np.exp(z, out=z)
            np.add(z, 1, out=z)
            np.reciprocal(z, out=z)
            np.multiply(z[:, :2 * H], p, out=q)
            np.subtract(q[:, H:], q[:, :H], out=p[:, H:])
            np.tanh(p[:, H:], out=tc)
            np.multiply(z[:, 3 * H:], tc, out=S[t + 1])
        S[1:, 0] @ head.T
    return run


def mlp_infer():
    sizes = w.MLP_SIZES
    ws = [_rand(b, a) for a, b in zip(sizes, sizes[1:])]
    bs = [_rand(b) for b in sizes[1:]]
    x = _rand(1, sizes[0])

    def run():
        h = x
        for i, (wt, b) in enumerate(zip(ws, bs)):
            h = (wt @ h.T).T
            h += b
            if i < len(ws) - 1:
                np.maximum(h, 0, out=h)
    return run


def adam_passes(sizes):
    """The 7 passes of chainrule's Adam (three of them one-pass axpby) over these shapes."""
    from chainrule.optim.adam import adam_kernel
    arrays = [[_rand(*s) for s in sizes] for _ in range(5)]
    for v in arrays[3]:
        np.abs(v, out=v)

    def run():
        for wt, g, m, v, tmp in zip(*arrays):
            adam_kernel(wt, g, m, v, None, tmp, tmp, 1e-3, 0.9, 0.999, 1e-8, 0, False, False, 5)
    return run


def mlp_train():
    sizes, B = w.MLP_SIZES, w.MLP_BATCH
    ws = [_rand(b, a) for a, b in zip(sizes, sizes[1:])]
    acts = [_rand(B, a) for a in sizes]
    adam = adam_passes([x.shape for x in ws] + [(b,) for b in sizes[1:]])

    def run():
        for wt, a in zip(ws, acts):                  # forward, (W x^T)^T as chainrule does
            (wt @ a.T).T
        for i, (wt, a, g) in enumerate(zip(ws, acts, acts[1:])):
            g.T @ a                                   # weight gradient
            if i:
                (wt.T @ g.T).T                        # input gradient (not for the first layer)
        adam()
    return run


def rnn_train(gates):
    T, B, E, H, V = w.SEQ, w.BATCH, w.EMBED, w.HIDDEN, w.VOCAB
    G = gates * H
    w_ih, w_hh, head = _rand(G, E), _rand(G, H), _rand(V, H)
    x, S = _rand(T * B, E), _rand(T + 1, B, H)
    dG, hh, dh, logits = _rand(T, B, G), np.empty((B, G), f32), np.empty((B, H), f32), \
        _rand(T * B, V)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    # GRU's per-step backward product is dG's (r, z, n_h) columns (of 4H) @ W_hh
    dGh = dG if gates == 4 else _rand(T, B, 4 * H)[:, :, H:]
    adam = adam_passes([w_ih.shape, w_hh.shape, (G,), (G,), head.shape, (V,), (V, E)])

    def run():
        x @ w_ih.T
        for t in range(T):
            np.matmul(S[t], w_hh_t, out=hh)
        h2d = S[1:].reshape(T * B, H)
        h2d @ head.T
        logits.T @ h2d, logits @ head                 # head gradients
        for t in range(T):
            np.matmul(dGh[t], w_hh, out=dh)
        d2 = dG.reshape(T * B, G)
        d2.T @ x, d2.T @ S[:T].reshape(T * B, H), (w_ih.T @ d2.T).T
        adam()
    return run


def torch_train_step(torch, kind):
    if kind == "mlp":
        x, y = w.mlp_data(torch)
        return w.train_step_fn(torch, w.make_mlp(torch), x, y)
    x, y = w.lm_data(torch)
    return w.train_step_fn(torch, w.make_lm(torch, kind), x, y, clip=5.0)


def torch_infer(torch, kind):
    if kind == "mlp":
        one = np.random.default_rng(0).standard_normal((1, 784)).astype(f32)
        return w.infer_fn(torch, w.make_mlp(torch), torch.tensor(one))
    tokens = np.random.default_rng(0).integers(0, w.VOCAB, (w.SEQ, 1))
    return w.infer_fn(torch, w.make_lm(torch, "LSTM"), torch.tensor(tokens))


def _on_threads(fn, n):
    from chainrule import _threads

    def call():
        with _threads.blas_threads(n):
            fn()
    return call


def import_time():
    code = "import time; t = time.perf_counter(); import chainrule; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return min(runs)


def run(quick=False):
    torch = try_torch()
    rounds = 5 if quick else 11
    _NOTES.clear()
    rows = []
    cases = [
        ("MLP training step", mlp_train, lambda lib: torch_train_step(lib, "mlp"), 1.05),
        ("LSTM LM training step", lambda: rnn_train(4),
         lambda lib: torch_train_step(lib, "LSTM"), 1.35),
        ("GRU LM training step", lambda: rnn_train(3),
         lambda lib: torch_train_step(lib, "GRU"), 0.9),
        ("MLP batch-1 inference", mlp_infer, lambda lib: torch_infer(lib, "mlp"), 1.1),
        ("LSTM batch-1 inference, products only", lstm_infer_products,
         lambda lib: torch_infer(lib, "LSTM"), 1.0),
        ("LSTM batch-1 inference, products + 9 pointwise calls a step", lstm_infer_loop,
         lambda lib: torch_infer(lib, "LSTM"), 1.0),
    ]
    from chainrule import _threads
    every = _threads.get_blas_threads()
    for name, floor, workload, target in cases:
        fn = floor()
        contenders = {n: _on_threads(fn, n) for n in sorted({1, every})}
        if torch:
            torch.manual_seed(0)
            contenders["torch"] = workload(torch)
        times = compare(contenders, rounds=rounds)   # alternating rounds, as everywhere
        n = min((k for k in times if k != "torch"), key=times.get)
        rows.append((f"floor: {name}", times[n], times.get("torch"), target))
        _NOTES.append(f"{name}: floor on {n} OpenBLAS thread(s) ("
                      + ", ".join(f"{k} thread(s): {v * 1e3:.3f} ms" for k, v in times.items()
                                  if k != "torch") + ")")
    _NOTES.append(f"import chainrule: {import_time():.3f} s (best of 5 fresh processes; "
                  "target < 0.15 s)")
    return rows


def print_extra():
    for line in _NOTES:
        print(f"- {line}")


if __name__ == "__main__":
    from benchmarks._harness import print_table
    print_table("Floors: the same products and passes in bare NumPy", run())
    print_extra()
