"""Convolutional networks side by side with PyTorch (float32, 2 threads):

1. LeNet-5-style training step: 1x28x28 inputs, batch 64, conv(6, 5x5)-ReLU-maxpool-
   conv(16, 5x5)-ReLU-maxpool-fc(120)-fc(84)-fc(10), cross entropy, Adam.
2. ResNet basic block forward + backward: 64 channels, 32x32, batch 32,
   conv3x3-BN-ReLU-conv3x3-BN, plus the skip, ReLU.
3. Conv2d(64, 64, 3, padding=1) forward + backward alone on the block's input, and the
   depthwise 3x3 convolution (groups=64) likewise.
4. Peak memory of 1 and 2 (resident-set growth in a fresh process, as benchmarks.workloads).

Achieved GFLOP/s of each row is reported against the GEMM ceiling: one bare NumPy matrix
product of the same total size as the row's convolutions, timed here. The ResNet block and the
lone convolution are followed by their floors (benchmarks/floors_layers.py), timed in the same
rounds: their matrix products alone, and with the padding and window copies that feed them.
"""
import sys

import numpy as np

from benchmarks import floors_layers as floors
from benchmarks._harness import compare, peak_memory, print_memory_rows, try_torch

LENET_BATCH, RES_BATCH, RES_CH, RES_HW = 64, 32, 64, 32


# ---- models, written once against the shared PyTorch-style API ---------------------------------
def make_lenet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def make_block(lib):
    nn = lib.nn

    class BasicBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)
            self.relu = nn.ReLU()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + x)

    return BasicBlock(RES_CH)


def lenet_data(lib):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((LENET_BATCH, 1, 28, 28)).astype(np.float32)
    return lib.tensor(x), lib.tensor(rng.integers(0, 10, LENET_BATCH))


def block_input(lib):
    x = np.random.default_rng(0).standard_normal((RES_BATCH, RES_CH, RES_HW, RES_HW))
    return lib.tensor(x.astype(np.float32), requires_grad=True)


def copy_weights(src_torch, dst):
    dst.load_state_dict({k: v.detach().numpy() for k, v in src_torch.state_dict().items()})


def lenet_step(lib, model):
    x, y = lenet_data(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def forward_backward(lib, model):
    x = block_input(lib)

    def step():
        model.zero_grad()
        x.grad = None
        model(x).sum().backward()
    return step


def conv_alone(lib, groups):
    return lib.nn.Conv2d(RES_CH, RES_CH, 3, padding=1, groups=groups)


# ---- FLOP counts: 2 per multiply-add; backward twice the forward (input and weight grads) ------
def conv_flops(n, cin, cout, hw, k, groups=1):
    return 2 * n * cout * hw * hw * (cin // groups) * k * k


def lenet_flops():
    fwd = (conv_flops(LENET_BATCH, 1, 6, 24, 5) + conv_flops(LENET_BATCH, 6, 16, 8, 5) +
           2 * LENET_BATCH * (256 * 120 + 120 * 84 + 84 * 10))
    return 3 * fwd - conv_flops(LENET_BATCH, 1, 6, 24, 5)      # conv1 needs no input gradient


def gemm_ceiling(m, k, n):
    """Seconds for one bare NumPy float32 (m, k) @ (k, n) product in the orientation chainrule's
    convolution uses (columns @ W^T): the floor for a convolution of that size."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((n, k)).astype(np.float32)
    return compare({"gemm": lambda: a @ b.T}, rounds=5)["gemm"]


# ---- peak memory in fresh processes -----------------------------------------------------------
def memory_step(lib, workload):
    """The step whose peak memory _harness.peak_memory measures."""
    if workload == "lenet":
        return lenet_step(lib, make_lenet(lib))
    return forward_backward(lib, make_block(lib))


# ---- the table ----------------------------------------------------------------------------------
_NOTES = []


def run(quick=False):
    import chainrule as cr
    torch = try_torch()
    rounds = 3 if quick else 9
    rows = []
    del _NOTES[:]
    have_layers = all(hasattr(cr.nn, n) for n in ("BatchNorm2d", "MaxPool2d"))
    res_conv = conv_flops(RES_BATCH, RES_CH, RES_CH, RES_HW, 3)
    ceiling = gemm_ceiling(RES_BATCH * RES_HW * RES_HW, RES_CH * 9, RES_CH)
    _NOTES.append(f"GEMM ceiling: (32768 x 576) @ (576 x 64) float32 in {ceiling * 1e3:.2f} ms, "
                  f"{res_conv / ceiling / 1e9:.1f} GFLOP/s")

    def row(name, build, flops, target, floors=()):
        """One workload, and its floors (benchmarks/floors_layers.py) in the same rounds."""
        cr.manual_seed(0)
        ours = build(cr)
        contenders = {"chainrule": ours[1]}
        if torch:
            torch.manual_seed(0)
            theirs = build(torch)
            copy_weights(theirs[0], ours[0])
            contenders["torch"] = theirs[1]
        contenders.update(floors)
        t = compare(contenders, rounds=rounds)
        rows.append((name, t["chainrule"], t.get("torch"), target))
        rows.extend((f"floor: {label}", t[label], t.get("torch"), target) for label in floors)
        _NOTES.append(f"{name}: chainrule {flops / t['chainrule'] / 1e9:.1f} GFLOP/s "
                      f"({100 * flops / t['chainrule'] * ceiling / res_conv:.0f}% of the GEMM "
                      "ceiling)" + (f", PyTorch {flops / t['torch'] / 1e9:.1f} GFLOP/s"
                                    if torch else ""))

    def build_with(make, step):
        return lambda lib: (lambda m: (m, step(lib, m)))(make(lib))

    def conv_floors(convs):
        shape = (RES_BATCH, RES_CH, RES_HW, convs)
        return {"products alone": floors.conv3x3(*shape),
                "products + padding and window copies": floors.conv3x3(*shape, copies=True)}

    if have_layers:
        row("LeNet-5 training step (batch 64)", build_with(make_lenet, lenet_step),
            lenet_flops(), 1.3, {"products and Adam alone": floors.lenet_step(LENET_BATCH)})
        row("ResNet basic block fwd+bwd (32x64x32x32)", build_with(make_block, forward_backward),
            3 * 2 * res_conv, 1.3, conv_floors(2))
    else:
        _NOTES.append("LeNet and ResNet rows skipped: chainrule.nn has no BatchNorm2d/MaxPool2d")
    row("Conv2d(64, 64, 3, padding=1) fwd+bwd", build_with(lambda lib: conv_alone(lib, 1),
                                                           forward_backward), 3 * res_conv, 1.2,
        conv_floors(1))
    row("depthwise Conv2d(64, 64, 3, groups=64) fwd+bwd",
        build_with(lambda lib: conv_alone(lib, RES_CH), forward_backward),
        3 * conv_flops(RES_BATCH, RES_CH, RES_CH, RES_HW, 3, RES_CH), None)
    if torch and have_layers and not quick:
        for workload, name in (("lenet", "LeNet training peak memory"),
                               ("block", "ResNet block peak memory")):
            _MEMORY.append((name, peak_memory("conv", "chainrule", workload),
                            peak_memory("conv", "torch", workload)))
    return rows


_MEMORY = []


def print_extra():
    print_memory_rows(_MEMORY, 1.5)
    for line in _NOTES:
        print(f"- {line}")


if __name__ == "__main__":
    from benchmarks._harness import print_table
    print_table("Convolutional networks (float32, 2 threads)", run(quick="--quick" in sys.argv))
    print_extra()
