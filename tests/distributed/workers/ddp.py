"""Run under mpiexec: DistributedDataParallel and fit() against single-process training.

argv[1] is a folder shared with the test: it holds ``pre.ckpt`` (a single-process checkpoint
to resume from) and ``after_resume.safetensors`` (the weights single-process training reaches
from it); this script writes ``fit_final.safetensors`` and fit's checkpoints there.
Every rank also trains the single-process reference itself (on the concatenated batch) and
checks against it; any failed check raises, which aborts the job with this rank's message.
"""
import os
import sys

import numpy as np

import chainrule
import chainrule.distributed as dist
from chainrule import nn, optim
from chainrule.nn.parallel import DistributedDataParallel as DDP
from chainrule.train import (Callback, EarlyStopping, ModelCheckpoint, fit, load_checkpoint)
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

folder = sys.argv[1]
dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
f64 = chainrule.float64


def mlp(seed):
    chainrule.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3)).to(f64)


def batch(seed, n):
    rng = np.random.default_rng(seed)
    return (chainrule.tensor(rng.normal(size=(n, 6))),
            chainrule.tensor(rng.integers(0, 3, n)))


def shard(t, k=rank):
    n = t.shape[0] // size
    return t[k * n:(k + 1) * n]


def flat(model):
    return np.concatenate([p._data.ravel() for p in model.parameters()])


def same_on_all_ranks(name, values):
    everyone = [None] * size
    dist.all_gather_object(everyone, values.tobytes())
    assert all(b == everyone[0] for b in everyone), f"{name}: ranks differ"


def close(name, got, expected, tol=1e-10):
    err = np.max(np.abs(got - expected))
    assert err <= tol, f"{name} on rank {rank}: max difference {err:.3g} > {tol}"


loss_fn = nn.CrossEntropyLoss()

# 1. K Adam steps: bit-identical on all ranks and equal to one process on the whole batch.
#    Ranks start from different weights (DDP broadcasts rank 0's); a small bucket cap makes
#    several buckets, started in order while backward runs.
model = DDP(mlp(seed=rank), bucket_cap_mb=0.0005)
assert len(model.reducer.buckets) >= 3, len(model.reducer.buckets)
reference = mlp(seed=0)
close("broadcast at construction", flat(model), flat(reference), 0)
opt, ref_opt = optim.Adam(model.parameters(), lr=0.01), optim.Adam(reference.parameters(),
                                                                    lr=0.01)
for step in range(5):
    x, y = batch(step, 8 * size)
    opt.zero_grad()
    loss_fn(model(shard(x)), shard(y)).backward()
    opt.step()
    ref_opt.zero_grad()
    loss_fn(reference(x), y).backward()
    ref_opt.step()
    same_on_all_ranks(f"parameters after step {step}", flat(model))
    close(f"parameters after step {step}", flat(model), flat(reference))
assert model.reducer.last_wait_seconds >= 0


class LoggingComm:
    """Records, at each bucket's MPI_Iallreduce, how many gradients backward had delivered."""

    def __init__(self, comm, reducer):
        self.comm, self.reducer, self.log = comm, reducer, []

    def Iallreduce(self, *args):   # noqa: N802  (mpi4py's name)
        self.log.append(len(self.reducer.marked))
        return self.comm.Iallreduce(*args)


reducer = model.reducer
reducer.comm = LoggingComm(reducer.comm, reducer)
loss_fn(model(shard(x)), shard(y)).backward()
n_params = len(list(model.parameters()))
# one allreduce per bucket, in order, the first ones while the first layer's gradients were
# still to be computed (the last Linear's 2 and the middle one's 2 are in: 4 of 6)
assert len(reducer.comm.log) == len(reducer.buckets), reducer.comm.log
assert reducer.comm.log == sorted(reducer.comm.log) and reducer.comm.log[0] <= 4 < n_params, \
    reducer.comm.log
reducer.comm = reducer.comm.comm

# state_dict: the module's, keys prefixed with "module."
sd, inner = model.state_dict(), model.module.state_dict()
assert list(sd) == ["module." + k for k in inner], list(sd)
assert all(np.array_equal(sd["module." + k]._data, v._data) for k, v in inner.items())
model.load_state_dict(sd)

# buffers (BatchNorm's running statistics) follow rank 0 at every forward
chainrule.manual_seed(rank)
bn_model = DDP(nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4)).to(f64))
bn = bn_model.module[1]
bn_model(batch(50 + rank, 8)[0])          # training: each rank updates its own statistics
rank0_stats = bn.running_mean._data.copy()
dist.broadcast(chainrule.Tensor._from_array(rank0_stats), src=0)
assert rank == 0 or not np.array_equal(bn.running_mean._data, rank0_stats)
bn_model.eval()
with chainrule.no_grad():
    bn_model(batch(60, 4)[0])              # eval: broadcast from rank 0, no update
close("buffers broadcast from rank 0", bn.running_mean._data, rank0_stats, 0)

# 2. no_sync: two local backward passes, then a synced one, equal one large batch.
model, reference = DDP(mlp(seed=3)), mlp(seed=3)
x, y = batch(100, 3 * 4 * size)
micro = [(x[i::3], y[i::3]) for i in range(3)]   # three micro-batches of the global batch
model.zero_grad()
with model.no_sync():
    for mx, my in micro[:2]:
        loss_fn(model(shard(mx)), shard(my)).backward()
local = np.concatenate([p.grad._data.ravel() for p in model.parameters()])
everyone = [None] * size
dist.all_gather_object(everyone, local)
assert not np.array_equal(everyone[0], everyone[1]), "no_sync still communicated"
loss_fn(model(shard(micro[2][0])), shard(micro[2][1])).backward()
reference.zero_grad()
(3 * loss_fn(reference(chainrule.cat([m[0] for m in micro])),
             chainrule.cat([m[1] for m in micro]))).backward()
close("no_sync accumulated gradients",
      np.concatenate([p.grad._data.ravel() for p in model.parameters()]),
      np.concatenate([p.grad._data.ravel() for p in reference.parameters()]))


# 3. find_unused_parameters: head "b" is used on rank 0 only, head "c" on no rank.
class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 4).to(f64)
        self.a, self.b, self.c = (nn.Linear(4, 4).to(f64) for _ in range(3))

    def forward(self, x, use_b):
        h = self.body(x).tanh()
        return self.a(h) + self.b(h) if use_b else self.a(h)


chainrule.manual_seed(5)
heads = Heads()
model = DDP(heads, find_unused_parameters=True)
for step in range(2):
    xs = [batch(200 + step, 4)[0] for _ in range(size)]
    model.zero_grad()
    model(xs[rank], use_b=rank == 0).sum().backward()
    assert heads.c.weight.grad is None, "a parameter unused everywhere got a gradient"
    # expected: the mean over ranks of each rank's own gradients (zero where unused)
    grads = []
    for r in range(size):
        twin = Heads()
        twin.load_state_dict(heads.state_dict())
        twin(xs[r], use_b=r == 0).sum().backward()
        grads.append({n: (p.grad._data if p.grad is not None else np.zeros_like(p._data))
                      for n, p in twin.named_parameters()})
    for name, p in heads.named_parameters():
        if not name.startswith("c."):
            close(f"find_unused gradient of {name}", p.grad._data,
                  sum(g[name] for g in grads) / size)

# ... and without it, a parameter missing from the loss is named at the next forward
model = DDP(Heads(), bucket_cap_mb=0.0001)
model(xs[rank], use_b=False).sum().backward()
try:
    model(xs[rank], use_b=False)
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "b.weight" in str(e), str(e)
else:
    raise AssertionError("an unused parameter went unnoticed")
model.reducer._drain()

# 4. resume a single-process checkpoint here; the result equals single-process training
model = mlp(seed=rank + 10)
opt = optim.Adam(model.parameters(), lr=0.01)
epoch = load_checkpoint(os.path.join(folder, "pre.ckpt"), model, opt)["epoch"]
model = DDP(model)
for step in range(epoch, epoch + 3):
    x, y = batch(step, 8 * size)
    opt.zero_grad()
    loss_fn(model(shard(x)), shard(y)).backward()
    opt.step()
expected = chainrule.load(os.path.join(folder, "after_resume.safetensors"))
close("resumed from a single-process checkpoint", flat(model.module),
      np.concatenate([expected[k]._data.ravel() for k in model.module.state_dict()]))


# 5. fit: rank-0 checkpoints, logs averaged over ranks, the same stop everywhere
class StopOnRank1(Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.stop_training = rank == 1 and epoch == 1


x, y = batch(300, 48)
val_x, val_y = batch(301, 20)
train_ds, val_ds = TensorDataset(x, y), TensorDataset(val_x, val_y)
loader = DataLoader(train_ds, batch_size=6, sampler=DistributedSampler(train_ds, seed=1))
val_loader = DataLoader(val_ds, batch_size=4,
                        sampler=DistributedSampler(val_ds, shuffle=False))
model = DDP(mlp(seed=7))
opt = optim.Adam(model.parameters(), lr=0.01)
ckpt = ModelCheckpoint(os.path.join(folder, "fit-{epoch}.ckpt"), monitor="val_loss")
history = fit(model, loader, loss_fn=loss_fn, optimizer=opt, epochs=5, val_data=val_loader,
              metrics=["accuracy"], callbacks=[ckpt, StopOnRank1(), EarlyStopping(patience=9)])
assert history.epoch == [0, 1], history.epoch   # rank 1 stopped, so every rank did
everyone = [None] * size
dist.all_gather_object(everyone, history.history)
assert all(h == everyone[0] for h in everyone), everyone
assert (ckpt.last_path is not None) == (rank == 0), ckpt.last_path
assert loader.sampler.epoch == 1
# the averaged validation logs are those of the whole validation set
from chainrule.train import evaluate  # noqa: E402
whole = evaluate(model.module, (val_x, val_y), loss_fn, metrics=["accuracy"])
close("averaged val_loss", np.array(history.history["val_loss"][-1]), np.array(whole["loss"]))
close("averaged val_accuracy", np.array(history.history["val_accuracy"][-1]),
      np.array(whole["accuracy"]))
if rank == 0:
    chainrule.save(model.module.state_dict(), os.path.join(folder, "fit_final.safetensors"))
dist.barrier()
print(f"rank {rank}: ddp checks passed", flush=True)
