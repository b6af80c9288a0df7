"""Run under mpiexec: rank 1 raises in the middle of training while rank 0 waits in a
collective; the job must end (MPI abort) with rank 1's error, not hang."""
import chainrule
import chainrule.distributed as dist
from chainrule import nn
from chainrule.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
model = DDP(nn.Linear(3, 1))
model(chainrule.ones(2, 3)).sum().backward()
if dist.get_rank() == 1:
    raise ValueError("bad batch 7 on purpose")
model(chainrule.ones(2, 3)).sum().backward()   # rank 0 waits here for rank 1's gradients
dist.all_reduce(chainrule.ones(1))
print("rank 0 finished without rank 1", flush=True)
