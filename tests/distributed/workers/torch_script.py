"""A PyTorch data-parallel program, run unchanged by ``mpiexec -n 2 chainrule run``: the torch
names resolve to chainrule's; then rank 1 fails, and the job must end with its error."""
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

local_rank = int(os.environ["LOCAL_RANK"])   # torchrun's variables, from mpiexec's
dist.init_process_group(backend="gloo", rank=int(os.environ["RANK"]),
                        world_size=int(os.environ["WORLD_SIZE"]))
rank, world = dist.get_rank(), dist.get_world_size()
assert local_rank == rank
torch.manual_seed(rank)
model = DDP(torch.nn.Linear(3, 1))
data = TensorDataset(torch.arange(12.0).reshape(4, 3), torch.ones(4, 1))
loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, shuffle=False))
for x, y in loader:
    torch.nn.functional.mse_loss(model(x), y).backward()
grads = [None] * world
dist.all_gather_object(grads, model.module.weight.grad.tolist())
assert grads[0] == grads[1], grads
total = torch.tensor([float(rank + 1)])
dist.all_reduce(total, op=dist.ReduceOp.SUM)
assert total.item() == 3.0
print(f"rank {rank}: torch program ok", flush=True)
if rank == 1:
    raise RuntimeError("rank 1 fails on purpose")
dist.barrier()   # rank 0 would wait here forever without the abort
print("rank 0 passed the barrier alone", flush=True)
