"""Normalisation (and pooling) forward + backward, chainrule vs PyTorch (float32, 2 threads).

Rows: BatchNorm2d on a (32, 64, 32, 32) batch in training mode and LayerNorm on (16, 128, 256)
(a small Transformer's activations), both with a given upstream gradient; MaxPool2d(2) on the
BatchNorm batch shows the pooling path. Each norm is followed by its floor: the same passes in
bare NumPy on preallocated arrays (benchmarks/floors_layers.py), timed in the same rounds.
"""
try:
    from benchmarks._harness import compare, print_table, try_torch  # before NumPy loads
    from benchmarks import floors_layers as floors
except ImportError:                       # run as a script from inside benchmarks/
    from _harness import compare, print_table, try_torch
    import floors_layers as floors

import numpy as np

import chainrule


def _case(name, make_ours, make_torch, shape, torch, target=None, rounds=15, floor=None):
    """Time ``layer(x).backward(g)`` with fresh gradients each call (and ``floor``, if any,
    in the same rounds): a list of table rows."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape, dtype=np.float32)
    layer = make_ours()
    x = chainrule.tensor(x_np, requires_grad=True)
    g = chainrule.tensor(rng.standard_normal(layer(x).shape, dtype=np.float32))

    def ours():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(g)

    contenders = {"ours": ours}
    if torch is not None:
        layer_t = make_torch()
        xt = torch.tensor(x_np, requires_grad=True)
        gt = torch.tensor(g.numpy())

        def theirs():
            xt.grad = None
            layer_t.zero_grad()
            layer_t(xt).backward(gt)
        contenders["torch"] = theirs
    if floor is not None:
        contenders["floor"] = floor
    times = compare(contenders, rounds=rounds)
    rows = [(name, times["ours"], times.get("torch"), target)]
    if floor is not None:
        rows.append(("floor: the same passes in bare NumPy", times["floor"], times.get("torch"),
                     target))
    return rows


def run(quick=False):
    torch = try_torch()
    tnn = torch.nn if torch is not None else None
    rounds = 5 if quick else 15
    nn = chainrule.nn
    return [
        *_case("BatchNorm2d(64) train fwd+bwd (32x64x32x32)", lambda: nn.BatchNorm2d(64),
               tnn and (lambda: tnn.BatchNorm2d(64)), (32, 64, 32, 32), torch, 1.0, rounds,
               floors.batch_norm(32, 64, 32 * 32)),
        *_case("LayerNorm(256) fwd+bwd (16x128x256)", lambda: nn.LayerNorm(256),
               tnn and (lambda: tnn.LayerNorm(256)), (16, 128, 256), torch, 1.0, rounds,
               floors.layer_norm(16 * 128, 256)),
        *_case("MaxPool2d(2) fwd+bwd (32x64x32x32)", lambda: nn.MaxPool2d(2),
               tnn and (lambda: tnn.MaxPool2d(2)), (32, 64, 32, 32), torch, None, rounds),
    ]


if __name__ == "__main__":
    print_table("Normalisation and pooling: forward + backward (float32)", run())
