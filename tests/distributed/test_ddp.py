"""DistributedDataParallel and fit() under mpiexec -n 2 (tests/distributed/workers/ddp.py),
with checkpoints crossing between single-process and distributed training both ways; and the
example."""
import re
from pathlib import Path

import numpy as np

import chainrule
from chainrule import nn, optim
from chainrule.train import load_checkpoint, save_checkpoint


def _mlp(seed):
    chainrule.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3)).to(chainrule.float64)


def _batch(seed, n):
    rng = np.random.default_rng(seed)
    return chainrule.tensor(rng.normal(size=(n, 6))), chainrule.tensor(rng.integers(0, 3, n))


def _steps(model, opt, steps, size=2):
    loss_fn = nn.CrossEntropyLoss()
    for step in steps:
        x, y = _batch(step, 8 * size)
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


def test_ddp_and_fit_under_mpi_and_checkpoints_both_ways(mpirun, tmp_path):
    # a single-process run, checkpointed after 2 steps, and where 3 more steps take it
    model = _mlp(seed=1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    _steps(model, opt, range(2))
    save_checkpoint(tmp_path / "pre.ckpt", model, opt, epoch=2)
    _steps(model, opt, range(2, 5))
    chainrule.save(model.state_dict(), tmp_path / "after_resume.safetensors")

    _, out, _ = mpirun("ddp.py", args=[tmp_path], timeout=120)
    assert out.count("ddp checks passed") == 2, out

    # fit's checkpoint, written by rank 0 alone, resumes in a single process
    final = chainrule.load(tmp_path / "fit_final.safetensors")
    model = _mlp(seed=99)
    opt = optim.Adam(model.parameters(), lr=0.01)
    ckpt = load_checkpoint(tmp_path / "fit-2.ckpt", model, opt)
    assert ckpt["epoch"] == 2 and sorted(p.name for p in tmp_path.glob("fit-*")) == \
        ["fit-1.ckpt", "fit-2.ckpt"]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._data, final[k]._data)
    assert all(s["step"] > 0 for s in opt.state_dict()["state"].values())
    _steps(model, opt, range(1))   # and training goes on from there


def test_the_distributed_example_trains_the_digits_mlp(mpirun, tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "distributed_training.py"
    _, out, _ = mpirun(example, cwd=tmp_path, timeout=120)
    assert out.count("2 rank(s)") == 1, out   # rank 0 alone reports
    accuracy = float(re.search(r"'accuracy': ([0-9.]+)\}", out.splitlines()[-1]).group(1))
    assert accuracy > 0.9, out
    assert sorted(p.name for p in (tmp_path / "dist_out").iterdir()) == \
        ["curves.png", "digits.ckpt"]
