"""Loss forward + backward, chainrule vs PyTorch (float32, 2 threads each).

The headline is fused cross entropy on a (128, 1000) batch of logits; the others show the
elementwise losses on the same amount of data.
"""
try:
    from benchmarks._harness import compare, print_table, try_torch
except ImportError:                       # run as a script from inside benchmarks/
    from _harness import compare, print_table, try_torch

import numpy as np

import chainrule
import chainrule.nn.functional as F


def _case(name, fn_ours, fn_torch, make, torch, target=None, rounds=15):
    """Time ``loss(x, t).backward()`` with fresh gradients each call."""
    x_np, t_np = make()
    x = chainrule.tensor(x_np, requires_grad=True)
    t = chainrule.tensor(t_np)

    def ours():
        x.grad = None
        fn_ours(x, t).backward()

    contenders = {"ours": ours}
    if torch is not None:
        xt = torch.tensor(x_np, requires_grad=True)
        tt = torch.tensor(t_np)

        def theirs():
            xt.grad = None
            fn_torch(xt, tt).backward()
        contenders["torch"] = theirs
    times = compare(contenders, rounds=rounds)
    return (name, times["ours"], times.get("torch"), target)


def run(quick=False):
    torch = try_torch()
    tf = torch.nn.functional if torch is not None else None
    rng = np.random.default_rng(0)
    rounds = 5 if quick else 15
    n, c = 128, 1000

    def logits_and_classes():
        return (rng.standard_normal((n, c), dtype=np.float32),
                rng.integers(0, c, n).astype(np.int64))

    def pairs():
        return (rng.standard_normal((n, c), dtype=np.float32),
                rng.standard_normal((n, c), dtype=np.float32))

    def logits_and_bits():
        return (rng.standard_normal((n, c), dtype=np.float32),
                (rng.random((n, c)) < 0.5).astype(np.float32))

    rows = [
        _case(f"cross_entropy fwd+bwd ({n}x{c})", F.cross_entropy,
              tf and tf.cross_entropy, logits_and_classes, torch, target=1.0, rounds=rounds),
        _case(f"cross_entropy label_smoothing=0.1 ({n}x{c})",
              lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
              tf and (lambda x, t: tf.cross_entropy(x, t, label_smoothing=0.1)),
              logits_and_classes, torch, rounds=rounds),
        _case(f"bce_with_logits fwd+bwd ({n}x{c})", F.binary_cross_entropy_with_logits,
              tf and tf.binary_cross_entropy_with_logits, logits_and_bits, torch,
              rounds=rounds),
        _case(f"mse_loss fwd+bwd ({n}x{c})", F.mse_loss, tf and tf.mse_loss, pairs, torch,
              rounds=rounds),
    ]
    return rows


if __name__ == "__main__":
    print_table("Losses: forward + backward (float32)", run())
