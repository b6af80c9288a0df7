"""torch.nn.parallel's names: DataParallel (one CPU: just the module) and, later,
DistributedDataParallel."""
from .data_parallel import DataParallel, DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
