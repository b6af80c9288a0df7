"""torch.nn.parallel's names: DataParallel (one CPU: just the module) and
DistributedDataParallel (data parallelism over MPI ranks, see chainrule.distributed)."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
