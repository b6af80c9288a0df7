"""Data-parallel training of the digits MLP on MPI ranks, with PyTorch's distributed API.

Run:  mpiexec -n 2 python examples/distributed_training.py      (a few seconds)
      python examples/distributed_training.py                    (the same, on one process)
Needs ``pip install "chainrule[mpi,datasets]"``. Rank 0 prints and writes dist_out/.

Each rank reads its own half of every epoch (DistributedSampler), computes gradients on it, and
DistributedDataParallel averages them over ranks during backward, so all ranks take the same
optimizer steps on the global batch (2 x 32 samples here).
"""
import os

import chainrule
import chainrule.distributed as dist
from chainrule import nn, optim
from chainrule.datasets import load_digits
from chainrule.nn.parallel import DistributedDataParallel
from chainrule.train import EarlyStopping, ModelCheckpoint, evaluate, fit
from chainrule.utils.data import DataLoader, DistributedSampler


def main(out="dist_out"):
    dist.init_process_group(backend="mpi")   # rank and world size come from mpiexec
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank == 0:
        os.makedirs(out, exist_ok=True)
    chainrule.manual_seed(rank)   # different on purpose: DDP broadcasts rank 0's weights

    train_set, test_set = load_digits()
    train = DataLoader(train_set, batch_size=32,
                       sampler=DistributedSampler(train_set, shuffle=True, seed=0))
    # every rank evaluates its share; fit averages the numbers over ranks
    val = DataLoader(test_set, batch_size=256, sampler=DistributedSampler(test_set,
                                                                           shuffle=False))

    model = DistributedDataParallel(nn.Sequential(nn.Linear(64, 128), nn.ReLU(),
                                                  nn.Linear(128, 10)))
    optimizer = optim.Adam(model.parameters(), lr=1e-3 * world)   # scale with the batch
    history = fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer,
                  epochs=15, val_data=val, metrics=["accuracy"],
                  callbacks=[EarlyStopping(patience=3, restore_best_weights=True),
                             ModelCheckpoint(os.path.join(out, "digits.ckpt"))])
    if rank == 0:   # the checkpoint holds model.module: it loads in a single process too
        print(f"{world} rank(s), {len(history.epoch)} epochs:",
              {k: round(v[-1], 4) for k, v in history.history.items()})
        print("test (rank 0, whole set):",
              evaluate(model.module, (test_set.tensors[0], test_set.tensors[1]),
                       nn.CrossEntropyLoss(), metrics=["accuracy"]))
        history.plot(os.path.join(out, "curves.png"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
