"""torchrun's environment variables, from the MPI launcher's, for PyTorch scripts.

PyTorch data-parallel scripts read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (set by
torchrun); under ``mpiexec ... chainrule run train.py`` they are filled in from what the MPI
launcher sets, so such scripts run unchanged. Nothing is overwritten.
"""
import os

__all__ = ["set_torchrun_env"]

# (rank, size, local rank, local size) as each launcher names them
_LAUNCHERS = (
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),        # MPICH, Intel MPI
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"),                                         # Open MPI
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),  # srun
)


def set_torchrun_env(environ=None):
    """Set RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE (and MASTER_ADDR/PORT, which
    chainrule does not need but scripts may read) from the launcher's variables, unless RANK
    is already set. Returns whether it set them."""
    env = os.environ if environ is None else environ
    if "RANK" in env:
        return False
    for rank, size, local, local_size in _LAUNCHERS:
        if rank in env and size in env:
            env["RANK"], env["WORLD_SIZE"] = env[rank], env[size]
            env.setdefault("LOCAL_RANK", env.get(local, "0"))
            env.setdefault("LOCAL_WORLD_SIZE", env.get(local_size, env[size]).split("(")[0])
            env.setdefault("MASTER_ADDR", "127.0.0.1")
            env.setdefault("MASTER_PORT", "29500")
            return True
    return False
