"""What fit() and its callbacks do differently when they run on several MPI ranks.

Under ``chainrule.distributed`` (a process group of more than one rank) every rank trains its
own share, but only rank 0 prints progress and writes files (checkpoints, plots, TensorBoard),
the epoch's losses and metrics are averaged over ranks weighted by each rank's sample count,
and training stops on every rank as soon as any rank's callbacks ask for it. Without a process
group all of this is a no-op, and chainrule.distributed (hence mpi4py) is never imported.
"""
import sys

from .._backend import xp

__all__ = ["group", "is_main_process", "average_logs", "agree_to_stop", "unwrap"]


def group():
    """The process group's state when one with several ranks is set up, else None."""
    pg = sys.modules.get("chainrule.distributed.process_group")
    if pg is None or not pg.is_initialized() or pg._state.size == 1:
        return None
    return pg._state


def is_main_process():
    g = group()
    return g is None or g.rank == 0


def average_logs(logs, count, prefix=""):
    """Scalars of ``logs`` averaged over ranks, each rank weighted by its ``count`` of samples
    (exact for the loss and accuracy; for precision/recall/F1, the sample-weighted mean of the
    per-rank values). Keys are visited in sorted order, which is the same on every rank."""
    g = group()
    if g is None:
        return logs
    from mpi4py import MPI
    keys = sorted(k for k, v in logs.items() if k.startswith(prefix) and
                  isinstance(v, (int, float)) and not isinstance(v, bool))
    sums = xp.array([float(count)] + [float(logs[k]) * count for k in keys], xp.float64)
    g.comm.Allreduce(MPI.IN_PLACE, sums, MPI.SUM)
    out = dict(logs)
    n, totals = sums.tolist()[0], sums.tolist()[1:]
    if n > 0:
        for k, total in zip(keys, totals):
            out[k] = total / n
    return out


def agree_to_stop(stop):
    """True on every rank when ``stop`` is True on any rank."""
    g = group()
    if g is None:
        return stop
    from mpi4py import MPI
    return bool(g.comm.allreduce(int(bool(stop)), op=MPI.MAX))


def unwrap(model):
    """The module inside DistributedDataParallel/DataParallel (checkpoints store it, so they
    load into the plain model in a single process as well as into a wrapped one's module)."""
    from ..nn.parallel import DataParallel, DistributedDataParallel
    return model.module if isinstance(model, (DataParallel, DistributedDataParallel)) else model
