"""The default process group: MPI's world communicator, as torch.distributed's names see it.

chainrule does not carry its own transport: ``init_process_group(backend="mpi")`` takes the
rank and size from MPI (through mpi4py), so a script launched as ``mpiexec -n 4 python
train.py`` finds its place without any environment variables. mpi4py is imported only here,
when a group is set up (``pip install "chainrule[mpi]"`` brings it and MPICH).

Once a group exists, an exception that escapes the script on any rank aborts the whole job
(MPI_Abort) after printing which rank failed and why; otherwise the other ranks would wait in
their next collective forever.
"""
import sys

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "is_mpi_available", "is_gloo_available", "is_nccl_available", "get_rank",
           "get_world_size", "get_backend", "barrier", "group", "GroupMember", "Backend"]

# Backends that mean "the CPU collectives": torch scripts written for gloo run unchanged.
_CPU_BACKENDS = ("mpi", "gloo", "cpu:gloo", "cpu:mpi")


class Backend(str):
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"


class _World:
    """The handle torch calls ``group.WORLD``: collectives accept it or None."""

    def __repr__(self):
        return "<chainrule.distributed world group>"


class group:   # noqa: N801  (torch's lower-case namespace class)
    WORLD = _World()


GroupMember = group


class _State:
    __slots__ = ("comm", "rank", "size", "backend", "previous_excepthook")

    def __init__(self):
        self.comm = None


_state = _State()


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError('chainrule.distributed needs mpi4py and an MPI: pip install '
                          '"chainrule[mpi]" (mpi4py and MPICH), or build mpi4py against your '
                          'site MPI (see docs/distributed.md)') from None
    return MPI


def is_available():
    return True


def is_mpi_available():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_gloo_available():
    return False


def is_nccl_available():
    return False


def is_initialized():
    return _state.comm is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job's process group: every process launched by ``mpiexec`` calls this once.

    Args:
        backend: "mpi" (or None); "gloo" is accepted and also runs over MPI, so scripts
            written for torch's CPU backend work; "nccl" is refused (no GPUs here).
        world_size, rank: optional checks; rank and size always come from MPI, and values that
            disagree with it raise instead of silently training on the wrong shard.
        init_method, timeout, store, group_name, pg_options, device_id: accepted for torch's
            signature; MPI's launcher already connected the processes.
    """
    if is_initialized():
        raise RuntimeError("init_process_group: trying to initialize the default process group "
                           "twice")
    name = "mpi" if backend is None else str(backend).lower()
    if name not in _CPU_BACKENDS:
        raise ValueError(f"init_process_group: backend {backend!r} is not available; chainrule "
                         "runs its collectives on MPI: use backend='mpi' (or 'gloo')")
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()   # our own context: user MPI traffic on COMM_WORLD cannot mix in
    size, me = comm.Get_size(), comm.Get_rank()
    for what, given, actual in (("world_size", world_size, size), ("rank", rank, me)):
        if given is not None and given != -1 and int(given) != actual:
            comm.Free()
            raise ValueError(f"init_process_group: {what}={given} but MPI says {actual} (launch "
                             f"with mpiexec -n N; chainrule takes rank and size from MPI)")
    _state.comm, _state.rank, _state.size, _state.backend = comm, me, size, name
    _state.previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_exception


def destroy_process_group(group=None):
    """Leave the process group (MPI itself is finalized when the interpreter exits)."""
    _check_group(group, "destroy_process_group")
    comm = _require("destroy_process_group")
    _state.comm = None
    if sys.excepthook is _abort_on_exception:
        sys.excepthook = _state.previous_excepthook
    comm.Free()


def _abort_on_exception(exc_type, exc, tb):
    """An uncaught exception on one rank: print it with the rank, then abort every rank."""
    me, size = _state.rank, _state.size
    sys.stderr.write(f"\nchainrule.distributed: rank {me} of {size} raised "
                     f"{exc_type.__name__}: {exc}; aborting the MPI job so that the other ranks "
                     "do not wait for it forever\n")
    (_state.previous_excepthook or sys.__excepthook__)(exc_type, exc, tb)
    sys.stderr.flush()
    sys.stdout.flush()
    comm = _state.comm
    if comm is not None and size > 1:
        comm.Abort(1)


def _require(op):
    comm = _state.comm
    if comm is None:
        raise ValueError(f"{op}: Default process group has not been initialized, please make "
                         "sure to call init_process_group.")
    return comm


def _check_group(g, op):
    if g is not None and g is not group.WORLD:
        raise NotImplementedError(f"{op}: only the default group (group=None) is supported; "
                                  "new_group and subgroups are not")


def _comm(op, g=None):
    """The communicator a collective runs on (after checking the group argument)."""
    _check_group(g, op)
    return _require(op)


def get_rank(group=None):
    _comm("get_rank", group)
    return _state.rank


def get_world_size(group=None):
    _comm("get_world_size", group)
    return _state.size


def get_backend(group=None):
    _comm("get_backend", group)
    return Backend(_state.backend)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank has called barrier."""
    from .work import Work
    comm = _comm("barrier", group)
    if async_op:
        return Work(comm.Ibarrier())
    comm.Barrier()
    return None
