"""torch.distributed's collectives on MPI, through mpi4py's buffer interface.

A contiguous tensor's array goes to MPI as it is (no copy; all_reduce works in place with
MPI_IN_PLACE); a non-contiguous one is copied to a contiguous buffer and copied back. Every
collective takes ``async_op=True`` and then returns a ``Work`` whose ``wait()`` finishes it,
on MPI's non-blocking collectives (MPI_Iallreduce, MPI_Ibcast, ...).

As with any MPI program, every rank must call the same collectives in the same order with
tensors of the same shape and dtype.

The ``*_object*`` functions move arbitrary Python objects, which mpi4py pickles; the pickles
travel only between the job's own processes (checkpoint files are never pickled).
"""
from .._backend import xp
from ..tensor import Tensor
from .process_group import _comm, _state
from .work import Work

__all__ = ["ReduceOp", "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "reduce_scatter", "reduce_scatter_tensor",
           "broadcast_object_list", "gather", "scatter", "reduce"]


class _Op:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<ReduceOp.{self.name}>"


class ReduceOp:
    """The reductions of all_reduce, reduce and reduce_scatter."""
    SUM, AVG, PRODUCT, MIN, MAX = _Op("SUM"), _Op("AVG"), _Op("PRODUCT"), _Op("MIN"), _Op("MAX")
    BAND, BOR, BXOR = _Op("BAND"), _Op("BOR"), _Op("BXOR")
    RedOpType = _Op


def _mpi_op(op, dtype, where):
    """(the MPI op, whether to divide by the world size after, how MPI should see the array).

    MPI reduces bool only with logical ops, so bool arrays go as uint8 (0/1) with MAX for
    SUM/MAX/BOR (any) and MIN for PRODUCT/MIN/BAND (all)."""
    from mpi4py import MPI
    if not isinstance(op, _Op):
        raise TypeError(f"{where}: op must be a chainrule.distributed.ReduceOp member (SUM, AVG, "
                        f"PRODUCT, MIN, MAX, BAND, BOR, BXOR); got {op!r}")
    kind, name = dtype.kind, op.name
    if kind == "b":
        if name in ("SUM", "MAX", "BOR"):
            return MPI.MAX, False, xp.uint8
        if name in ("PRODUCT", "MIN", "BAND"):
            return MPI.MIN, False, xp.uint8
        if name == "BXOR":
            return MPI.BXOR, False, xp.uint8
    if name == "AVG":
        if kind not in "fc":
            raise TypeError(f"{where}: ReduceOp.AVG needs a floating point tensor, got {dtype} "
                            "(sum with ReduceOp.SUM and divide yourself)")
        return MPI.SUM, True, None
    if name in ("BAND", "BOR", "BXOR") and kind not in "iu":
        raise TypeError(f"{where}: ReduceOp.{name} needs an integer or bool tensor, got {dtype}")
    if name in ("MIN", "MAX") and kind == "c":
        raise TypeError(f"{where}: ReduceOp.{name} is not defined for complex tensors ({dtype})")
    return {"SUM": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN, "MAX": MPI.MAX,
            "BAND": MPI.BAND, "BOR": MPI.BOR, "BXOR": MPI.BXOR}[name], False, None


def _array(t, where, what="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: {what} must be a chainrule Tensor, got {type(t).__name__}")
    return t._data


def _inplace_buffer(t, where):
    """(a contiguous array MPI may write, a function that stores it back into ``t``)."""
    a = _array(t, where)
    if a.flags.c_contiguous and a.flags.writeable:
        return a, lambda: _bump(t)
    buf = xp.ascontiguousarray(a)

    def store():
        t._data[...] = buf
        _bump(t)
    return buf, store


def _bump(t):
    t._version += 1   # an in-place change: autograd's saved-tensor check must see it


def _run(comm, name, async_op, args, finish, outputs=()):
    """Call MPI's ``name`` (blocking) or its non-blocking ``I`` twin and finish."""
    if async_op:
        return Work(getattr(comm, "I" + name.lower())(*args), finish, outputs)
    getattr(comm, name)(*args)
    finish()
    return None


def _then(*steps):
    def finish():
        for step in steps:
            if step is not None:
                step()
    return finish


def _divide(buf):
    return lambda: xp.divide(buf, _state.size, out=buf)


def _check_list(where, name, items, size, like):
    if not isinstance(items, (list, tuple)) or len(items) != size:
        n = len(items) if isinstance(items, (list, tuple)) else type(items).__name__
        raise ValueError(f"{where}: {name} must be a list of world_size={size} tensors, got {n}")
    for i, t in enumerate(items):
        a = _array(t, where, f"{name}[{i}]")
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"{where}: {name}[{i}] has shape {a.shape} and dtype {a.dtype}; "
                             f"expected {like.shape} and {like.dtype}")


def _copy_rows(rows, tensors):
    def copy():
        for row, t in zip(rows, tensors):
            t._data[...] = row
            _bump(t)
    return copy


def _root(value, alias, where, name):
    root = value if value is not None else alias
    if root is None:
        root = 0
    root = int(root)
    if not 0 <= root < _state.size:
        raise ValueError(f"{where}: {name}={root} is not a rank of this group "
                         f"(0..{_state.size - 1})")
    return root


# ---- reductions ---------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks, in place: every rank ends with the result."""
    from mpi4py import MPI
    comm = _comm("all_reduce", group)
    buf, store = _inplace_buffer(tensor, "all_reduce")
    mop, average, view = _mpi_op(op, buf.dtype, "all_reduce")
    finish = _then(_divide(buf) if average else None, store)
    data = buf.view(view) if view is not None else buf
    return _run(comm, "Allreduce", async_op, (MPI.IN_PLACE, data, mop), finish, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` over all ranks into ``tensor`` on rank ``dst`` (others unchanged)."""
    from mpi4py import MPI
    comm = _comm("reduce", group)
    root = _root(dst, group_dst, "reduce", "dst")
    buf, store = _inplace_buffer(tensor, "reduce")
    mop, average, view = _mpi_op(op, buf.dtype, "reduce")
    data = buf.view(view) if view is not None else buf
    if _state.rank == root:
        args, finish = (MPI.IN_PLACE, data, mop, root), _then(
            _divide(buf) if average else None, store)
    else:
        args, finish = (data, None, mop, root), _then()
    return _run(comm, "Reduce", async_op, args, finish, [tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` (one tensor per rank) over ranks; rank r gets entry r in
    ``output``."""
    comm = _comm("reduce_scatter", group)
    out = _array(output, "reduce_scatter", "output")
    _check_list("reduce_scatter", "input_list", input_list, _state.size, out)
    send = xp.stack([t._data for t in input_list]) if input_list else out[None]
    return _reduce_scatter(comm, output, send, op, async_op, "reduce_scatter")


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """As reduce_scatter with the inputs concatenated (or stacked) in one tensor."""
    comm = _comm("reduce_scatter_tensor", group)
    out, inp = _array(output, "reduce_scatter_tensor", "output"), \
        _array(input, "reduce_scatter_tensor", "input")
    if inp.size != out.size * _state.size or inp.dtype != out.dtype:
        raise ValueError(f"reduce_scatter_tensor: input ({inp.shape}, {inp.dtype}) must hold "
                         f"world_size={_state.size} times the output ({out.shape}, {out.dtype})")
    return _reduce_scatter(comm, output, xp.ascontiguousarray(inp), op, async_op,
                           "reduce_scatter_tensor")


def _reduce_scatter(comm, output, send, op, async_op, where):
    buf, store = _inplace_buffer(output, where)
    mop, average, view = _mpi_op(op, buf.dtype, where)
    if view is not None:
        send, data = send.view(view), buf.view(view)
    else:
        data = buf
    finish = _then(_divide(buf) if average else None, store)
    return _run(comm, "Reduce_scatter_block", async_op, (send, data, mop), finish, [output])


# ---- moving data --------------------------------------------------------------------------
def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every rank."""
    comm = _comm("broadcast", group)
    root = _root(src, group_src, "broadcast", "src")
    buf, store = _inplace_buffer(tensor, "broadcast")
    return _run(comm, "Bcast", async_op, (buf, root), store, [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's ``tensor`` into ``tensor_list`` (entry r from rank r), on every rank."""
    comm = _comm("all_gather", group)
    a = _array(tensor, "all_gather")
    _check_list("all_gather", "tensor_list", tensor_list, _state.size, a)
    recv = xp.empty((_state.size,) + a.shape, a.dtype)
    return _run(comm, "Allgather", async_op, (xp.ascontiguousarray(a), recv),
                _copy_rows(recv, tensor_list), tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor`` concatenated (or stacked) into ``output_tensor``."""
    comm = _comm("all_gather_into_tensor", group)
    inp = _array(input_tensor, "all_gather_into_tensor", "input_tensor")
    out = _array(output_tensor, "all_gather_into_tensor", "output_tensor")
    if out.size != inp.size * _state.size or out.dtype != inp.dtype:
        raise ValueError(f"all_gather_into_tensor: output ({out.shape}, {out.dtype}) must hold "
                         f"world_size={_state.size} times the input ({inp.shape}, {inp.dtype})")
    buf, store = _inplace_buffer(output_tensor, "all_gather_into_tensor")
    return _run(comm, "Allgather", async_op, (xp.ascontiguousarray(inp), buf), store,
                [output_tensor])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst`` only."""
    comm = _comm("gather", group)
    root = _root(dst, group_dst, "gather", "dst")
    a = xp.ascontiguousarray(_array(tensor, "gather"))
    if _state.rank == root:
        _check_list("gather", "gather_list", gather_list, _state.size, a)
        recv = xp.empty((_state.size,) + a.shape, a.dtype)
        finish, outputs = _copy_rows(recv, gather_list), gather_list
    else:
        if gather_list:
            raise ValueError("gather: Argument ``gather_list`` must NOT be specified on "
                             "non-destination ranks.")
        recv, finish, outputs = None, _then(), []
    return _run(comm, "Gather", async_op, (a, recv, root), finish, outputs)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Entry r of ``scatter_list`` on rank ``src`` into ``tensor`` on rank r."""
    comm = _comm("scatter", group)
    root = _root(src, group_src, "scatter", "src")
    buf, store = _inplace_buffer(tensor, "scatter")
    if _state.rank == root:
        _check_list("scatter", "scatter_list", scatter_list, _state.size, buf)
        send = xp.stack([t._data for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("scatter: Argument ``scatter_list`` must NOT be specified on "
                             "non-source ranks.")
        send = None
    return _run(comm, "Scatter", async_op, (send, buf, root), store, [tensor])


# ---- Python objects (pickled by mpi4py, between the job's own processes only) -------------
def all_gather_object(object_list, obj, group=None):
    """Every rank's ``obj`` into ``object_list`` (a list of world_size entries), in place."""
    comm = _comm("all_gather_object", group)
    if not isinstance(object_list, list) or len(object_list) != _state.size:
        raise ValueError(f"all_gather_object: object_list must be a list of world_size="
                         f"{_state.size} entries (e.g. [None] * world_size)")
    object_list[:] = comm.allgather(obj)


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace the entries of ``object_list`` on every rank by those of rank ``src``."""
    comm = _comm("broadcast_object_list", group)
    root = _root(src, group_src, "broadcast_object_list", "src")
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list: object_list must be a list, got "
                        f"{type(object_list).__name__}")
    got = comm.bcast(object_list if _state.rank == root else len(object_list), root=root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {root} sent {len(got)} objects but this "
                         f"rank's list has {len(object_list)} entries; use the same length")
    object_list[:] = got
