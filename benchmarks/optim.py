"""Optimizer step time for the parameters of an MLP 784-512-512-10 (669,706 float32 weights),
side by side with PyTorch's default CPU implementation (2 threads). Only ``step()`` is timed: the
gradients are fixed, so both libraries do the same arithmetic every call."""
import numpy as np

from benchmarks._harness import compare, print_table, try_torch
import chainrule as cr
from chainrule import optim

SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]

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
]


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    params = [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]
    grads = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]
    return params, grads


def _ours(cls_name, kw):
    params, grads = _arrays()
    ps = [cr.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(ps, grads):
        p.grad = cr.tensor(g)
    return getattr(optim, cls_name)(ps, **kw).step


def _theirs(torch, cls_name, kw):
    params, grads = _arrays()
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
    return rows


if __name__ == "__main__":
    print_table("Optimizer step (MLP 784-512-512-10, float32)", run())
