"""Per-op overhead: a small elementwise op and a 512x512 matmul, forward + backward, side by
side with PyTorch. Small ops measure the library's own Python/C++ overhead; the matmul measures
how well the time goes into BLAS."""
import numpy as np

from benchmarks._harness import compare, print_table, try_torch
import chainrule as cr


def _small_op(lib, make, n=64):
    rng = np.random.default_rng(0)
    x = make(rng.standard_normal(n).astype(np.float32))
    y = make(rng.standard_normal(n).astype(np.float32))
    g = make(np.ones(n, np.float32), grad=False)

    def step():
        x.grad = y.grad = None
        (x * y).backward(g)
    return step


def _small_forward(make, n=64):
    rng = np.random.default_rng(0)
    x = make(rng.standard_normal(n).astype(np.float32))
    y = make(rng.standard_normal(n).astype(np.float32))
    return lambda: x * y


def _matmul(make, n=512):
    rng = np.random.default_rng(0)
    a = make(rng.standard_normal((n, n)).astype(np.float32))
    b = make(rng.standard_normal((n, n)).astype(np.float32))
    g = make(np.ones((n, n), np.float32), grad=False)

    def step():
        a.grad = b.grad = None
        (a @ b).backward(g)
    return step


def run(quick=False):
    torch = try_torch()
    ours = lambda a, grad=True: cr.tensor(a, requires_grad=grad)  # noqa: E731
    theirs = (lambda a, grad=True: torch.tensor(a, requires_grad=grad)) if torch else None
    workloads = [
        ("mul forward, 64 floats", _small_forward, None),
        ("mul forward + backward, 64 floats", lambda m: _small_op(None, m), 1.0),
        ("matmul 512x512 forward + backward", _matmul, None),
    ]
    rows = []
    for name, build, target in workloads:
        contenders = {"chainrule": build(ours)}
        if torch:
            contenders["torch"] = build(theirs)
        t = compare(contenders, rounds=5 if quick else 15)
        rows.append((name, t["chainrule"], t.get("torch"), target))
    return rows


if __name__ == "__main__":
    print_table("Per-op overhead (float32, 2 threads)", run())
