"""DistributedDataParallel: the same model on every rank, gradients averaged during backward.

Each rank runs forward and backward on its own share of the batch; the gradients are summed
over ranks by bucketed, non-blocking MPI allreduces that start as soon as each bucket's
gradients are in (see _reducer.py) and divided by the world size, so after ``backward()`` every
rank holds the gradient of the mean loss over the whole global batch and the optimizers stay
in step without exchanging parameters.
"""
import contextlib

from ...autograd.grad_mode import state as _grad_state
from ...tensor import Tensor
from ..module import Module
from ._reducer import Reducer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of the process group (``init_process_group`` first).

    Args:
        module: the model; its parameters and buffers are broadcast from rank 0 here, so all
            ranks start from the same weights.
        broadcast_buffers: also broadcast the buffers (e.g. BatchNorm's running statistics)
            from rank 0 at the start of every forward, as torch does.
        bucket_cap_mb: the gradient bucket size in MB (default 25, as torch).
        find_unused_parameters: trace each forward's output to find parameters that take no
            part in it; they count as ready (zero gradient) instead of stalling the reduction,
            and a parameter unused on every rank keeps its ``.grad`` untouched.
        init_sync: broadcast the state from rank 0 at construction (default True).
        device_ids, output_device, dim, check_reduction, gradient_as_bucket_view,
        static_graph: accepted for torch's signature (one CPU device; buckets are separate).
    Attributes:
        module: the wrapped module. The wrapper's ``state_dict`` is the module's with each
            key prefixed by ``module.`` (as torch's); save ``ddp.module.state_dict()`` for a
            file that loads into the plain model.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **unsupported):
        super().__init__()
        from ...distributed.process_group import _comm
        if unsupported:
            raise TypeError(f"DistributedDataParallel: unsupported options "
                            f"{sorted(unsupported)}")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a chainrule.nn.Module, got "
                            f"{type(module).__name__}")
        comm = _comm("DistributedDataParallel", process_group)
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view, self.static_graph = gradient_as_bucket_view, static_graph
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 2 ** 20)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self._comm = comm
        if init_sync:
            _broadcast_arrays(comm, [p for _, p in module.named_parameters()] +
                              list(module.buffers()))
        self.reducer = Reducer([p for _, p in named], {id(p): n for n, p in named}, comm,
                               self.bucket_bytes_cap)

    def forward(self, *inputs, **kwargs):
        sync = _grad_state.enabled and self.require_backward_grad_sync
        if sync:
            self.reducer.check_finished()
        if self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_arrays(self._comm, buffers)
        out = self.module(*inputs, **kwargs)
        if sync:
            unused = _unreached(out, self.reducer) if self.find_unused_parameters else None
            self.reducer.prepare(unused)
        else:
            self.reducer.disarm()
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without communicating; the first
        backward of a forward run after the block averages everything accumulated."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _broadcast_arrays(comm, tensors):
    """Rank 0's values into ``tensors`` on every rank, one MPI_Bcast per dtype."""
    from ..._backend import xp
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for dtype, group in by_dtype.items():
        flat = xp.concatenate([t._data.reshape(-1) for t in group]) if len(group) > 1 \
            else xp.ascontiguousarray(group[0]._data).reshape(-1).copy()
        comm.Bcast(flat, root=0)
        start = 0
        for t in group:
            n = t._data.size
            t._data[...] = flat[start:start + n].reshape(t._data.shape)
            start += n


def _tensors(obj):
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


def _unreached(out, reducer):
    """Ids of the reducer's parameters that no output of this forward depends on."""
    reached, seen, stack = set(), set(), []
    for t in _tensors(out):
        if t.grad_fn is None:
            reached.add(id(t))
        else:
            stack.append(t.grad_fn)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in node.inputs:
            if t is None:
                continue
            if t.grad_fn is None:
                reached.add(id(t))
            elif t.grad_fn not in seen:
                stack.append(t.grad_fn)
    return frozenset(pid for pid in reducer.where if pid not in reached)
