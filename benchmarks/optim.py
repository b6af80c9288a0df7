"""Optimizer step time for the parameters of an MLP 784-512-512-10 (669,706 float32 weights),
side by side with PyTorch's default CPU implementation (its single-tensor loop, 2 threads).
Only ``step()`` is timed: the gradients are fixed, so both libraries do the same arithmetic every
call. A last row steps 200 small tensors, where the per-tensor overhead shows.

chainrule updates on the calling thread by default, which measured faster inside a training
step (OpenBLAS's threads still spin there after the backward pass); CHAINRULE_NUM_THREADS=2
splits large parameters over two threads, which is faster for the step alone (Adam 0.64 ms
against 0.87 ms; see chainrule/_parallel.py). On a machine busy with other work the
timings spread; the harness alternates the two libraries so they share the noise, but run it
on an idle machine.
"""
import numpy as np

from benchmarks._harness import compare, print_table, try_torch
import chainrule as cr
from chainrule import optim

SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
SMALL_SHAPES = [(64, 64), (64,)] * 100

WORKLOADS = [  # (name, optimizer class name, keyword arguments, target ratio)
    ("SGD", "SGD", dict(lr=0.01), None),
    ("SGD momentum=0.9 nesterov", "SGD", dict(lr=0.01, momentum=0.9, nesterov=True), None),
    ("SGD momentum=0.9 weight_decay=1e-4", "SGD", dict(lr=0.01, momentum=0.9,
                                                       weight_decay=1e-4), None),
    ("Adam", "Adam", dict(lr=1e-3), 1.0),
    ("Adam amsgrad", "Adam", dict(lr=1e-3, amsgrad=True), None),
    ("AdamW", "AdamW", dict(lr=1e-3), None),
    ("RMSprop", "RMSprop", dict(lr=1e-3), None),
    ("RMSprop centered momentum=0.9", "RMSprop", dict(lr=1e-3, centered=True, momentum=0.9),
     None),
    ("Adagrad", "Adagrad", dict(lr=1e-2), None),
    ("Adadelta", "Adadelta", dict(lr=1.0), None),
    ("Adamax", "Adamax", dict(lr=2e-3), None),
    ("NAdam", "NAdam", dict(lr=2e-3), None),
    ("RAdam", "RAdam", dict(lr=1e-3), None),
]


def _arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    params = [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    grads = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    return params, grads


def _ours(cls_name, kw, shapes=SHAPES):
    params, grads = _arrays(shapes)
    ps = [cr.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(ps, grads):
        p.grad = cr.tensor(g)
    return getattr(optim, cls_name)(ps, **kw).step


def _theirs(torch, cls_name, kw, shapes=SHAPES):
    params, grads = _arrays(shapes)
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(g)
    return getattr(torch.optim, cls_name)(ps, **kw).step


def run(quick=False):
    torch = try_torch()
    rows = []
    for name, cls_name, kw, target in WORKLOADS:
        contenders = {"chainrule": _ours(cls_name, kw)}
        if torch:
            contenders["torch"] = _theirs(torch, cls_name, kw)
        t = compare(contenders, rounds=5 if quick else 21)
        rows.append((f"{name} step, 670k params", t["chainrule"], t.get("torch"), target))
    contenders = {"chainrule": _ours("Adam", dict(lr=1e-3), SMALL_SHAPES)}
    if torch:
        contenders["torch"] = _theirs(torch, "Adam", dict(lr=1e-3), SMALL_SHAPES)
    t = compare(contenders, rounds=5 if quick else 21)
    rows.append(("Adam step, 200 tensors of 64x64 or 64", t["chainrule"], t.get("torch"), None))
    return rows


if __name__ == "__main__":
    print_table("Optimizer step (MLP 784-512-512-10, float32)", run())
