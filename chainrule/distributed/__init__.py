"""torch.distributed's names on MPI (through mpi4py): process group, collectives, work handles.

Launch with ``mpiexec -n N python train.py``; the script calls ``init_process_group("mpi")``
and wraps its model in ``chainrule.nn.parallel.DistributedDataParallel``. See
docs/distributed.md. mpi4py is imported only when a process group is set up.
"""
from .collectives import (ReduceOp, all_gather, all_gather_into_tensor, all_gather_object,
                          all_reduce, broadcast, broadcast_object_list, gather, reduce,
                          reduce_scatter, reduce_scatter_tensor, scatter)
from .process_group import (Backend, GroupMember, barrier, destroy_process_group, get_backend,
                            get_rank, get_world_size, group, init_process_group, is_available,
                            is_gloo_available, is_initialized, is_mpi_available,
                            is_nccl_available)
from .work import Work

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "is_mpi_available", "is_gloo_available", "is_nccl_available", "get_rank",
           "get_world_size", "get_backend", "barrier", "group", "GroupMember", "Backend",
           "ReduceOp", "Work", "all_reduce", "reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "all_gather_object", "reduce_scatter",
           "reduce_scatter_tensor", "broadcast_object_list", "gather", "scatter"]
