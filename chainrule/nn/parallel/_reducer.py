"""The gradient reducer behind DistributedDataParallel: buckets, hooks, non-blocking allreduces.

Parameters are grouped, in reverse registration order (roughly the order backward produces
their gradients), into flat per-dtype buckets: the first up to 1 MiB so that communication
starts early (or ``bucket_cap_mb`` if smaller), the rest up to ``bucket_cap_mb`` (25 MB,
as torch). A post-accumulate-grad hook
on each parameter counts down its bucket; a bucket whose gradients are all in is copied into
its flat buffer and handed to MPI_Iallreduce at once, so the sums travel while backward
computes the remaining gradients. Buckets start strictly in index order, so every rank issues
the same collectives in the same order even when gradients arrive in a different order. When
the last bucket has started (the last gradient of backward is in), the reducer waits for all,
divides by the world size and writes the averages back into each ``.grad``.
"""
import time

from ..._backend import xp

FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    __slots__ = ("params", "offsets", "flat", "left", "request")

    def __init__(self, params, dtype):
        self.params = params
        sizes = [p._data.size for p in params]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        self.flat = xp.empty(self.offsets[-1], dtype)
        self.left, self.request = len(params), None


def assign_buckets(params, cap_bytes, first_cap_bytes=FIRST_BUCKET_BYTES):
    """Lists of parameters (reverse order, one dtype per list, each list up to its cap)."""
    buckets, open_by_dtype = [], {}
    for p in reversed(params):
        dtype = p._data.dtype
        entry = open_by_dtype.get(dtype)
        if entry is None:
            entry = open_by_dtype[dtype] = [[], 0, min(first_cap_bytes, cap_bytes)]
            buckets.append(entry[0])
        entry[0].append(p)
        entry[1] += p._data.nbytes
        if entry[1] >= entry[2]:
            open_by_dtype[dtype] = [[], 0, cap_bytes]
            buckets.append(open_by_dtype[dtype][0])
    return [b for b in buckets if b]


class Reducer:
    """Averages the gradients of ``params`` over the ranks of ``comm`` during backward."""

    def __init__(self, params, names, comm, cap_bytes):
        self.comm, self.size = comm, comm.Get_size()
        self.names = names   # id(param) -> name, for error messages
        self.buckets = [_Bucket(b, b[0]._data.dtype) for b in assign_buckets(params, cap_bytes)]
        self.where = {}
        for bi, b in enumerate(self.buckets):
            for p in b.params:
                self.where[id(p)] = bi
        self.armed = False        # this backward's gradients are to be reduced
        self.marked = set()       # ids of parameters whose gradient is in, this iteration
        self.in_backward = False  # a gradient hook fired since prepare()
        self.next_launch = 0
        self.first_pending = 0
        self.used = None          # per parameter, used on some rank (find_unused_parameters)
        self.used_request = None
        self.last_wait_seconds = 0.0   # time backward's end waited for communication
        self.handles = [p.register_post_accumulate_grad_hook(self._hook)
                        for b in self.buckets for p in b.params]

    # ---- per iteration ----------------------------------------------------------------------
    def check_finished(self):
        """Before a forward that will be reduced: the previous reduction must be complete."""
        if self.armed and self.in_backward:
            missing = [self.names.get(id(p), "?") for b in self.buckets for p in b.params
                       if id(p) not in self.marked]
            raise RuntimeError(
                "DistributedDataParallel: expected to have finished reduction in the prior "
                "iteration before starting a new one. This error indicates that your module has "
                "parameters that were not used in producing loss: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. Pass "
                "find_unused_parameters=True to DistributedDataParallel, or make sure every "
                "output of forward takes part in the loss.")
        self._drain()

    def prepare(self, unused_ids=None):
        """After forward: expect one gradient per parameter in the coming backward. Parameters
        the forward did not reach (``unused_ids``) count as ready now, with zero gradient."""
        self.armed, self.marked, self.in_backward = True, set(), False
        self.next_launch = self.first_pending = 0
        for b in self.buckets:
            b.left = len(b.params)
        if unused_ids is None:
            self.used = self.used_request = None
            return
        from mpi4py import MPI
        self.used = xp.array([id(p) not in unused_ids for b in self.buckets for p in b.params],
                             xp.uint8)
        self.used_request = self.comm.Iallreduce(MPI.IN_PLACE, self.used, MPI.MAX)
        for b in self.buckets:
            for p in b.params:
                if id(p) in unused_ids:
                    self._ready(p)

    def disarm(self):
        self.armed = False

    def _hook(self, p):
        if self.armed:
            self.in_backward = True
            self._ready(p)

    def _ready(self, p):
        if id(p) in self.marked:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {self.names.get(id(p), '?')} got its "
                "gradient twice in one iteration (a second backward through the same forward, "
                "or a parameter used by two wrapped modules); run each forward's backward once, "
                "or use no_sync() for the extra passes")
        self.marked.add(id(p))
        bucket = self.buckets[self.where[id(p)]]
        bucket.left -= 1
        if bucket.left == 0:
            self._launch_ready()
        self._poke()

    def _launch_ready(self):
        from mpi4py import MPI
        while self.next_launch < len(self.buckets) and self.buckets[self.next_launch].left == 0:
            b = self.buckets[self.next_launch]
            for p, start, stop in zip(b.params, b.offsets, b.offsets[1:]):
                g = p._grad
                if g is None:
                    b.flat[start:stop] = 0
                else:
                    b.flat[start:stop] = g._data.reshape(-1)
            b.request = self.comm.Iallreduce(MPI.IN_PLACE, b.flat, MPI.SUM)
            self.next_launch += 1
        if self.next_launch == len(self.buckets):
            self._finish()

    def _poke(self):
        """Let MPI progress the oldest allreduce in flight (MPICH moves non-blocking
        collectives forward only inside MPI calls)."""
        while self.first_pending < self.next_launch:
            request = self.buckets[self.first_pending].request
            if request is None or not request.Test():
                return
            self.first_pending += 1

    def _finish(self):
        from mpi4py import MPI
        start = time.perf_counter()
        MPI.Request.Waitall([b.request for b in self.buckets if b.request is not None])
        if self.used_request is not None:
            self.used_request.Wait()
        self.last_wait_seconds = time.perf_counter() - start
        i = 0
        for b in self.buckets:
            b.request = None
            xp.divide(b.flat, self.size, out=b.flat)
            for p, start, stop in zip(b.params, b.offsets, b.offsets[1:]):
                if self.used is None or self.used[i]:
                    _store_grad(p, b.flat[start:stop].reshape(p._data.shape))
                i += 1
        self.used_request, self.armed = None, False

    def _drain(self):
        """Complete communication a forward-only iteration left in flight (all ranks did the
        same, so it finishes) before a new one starts."""
        requests = [b.request for b in self.buckets if b.request is not None]
        if self.used_request is not None:
            requests.append(self.used_request)
        if requests:
            from mpi4py import MPI
            MPI.Request.Waitall(requests)
        for b in self.buckets:
            b.request = None
        self.used_request, self.armed = None, False

    def remove_hooks(self):
        for h in self.handles:
            h.remove()


def _store_grad(p, averaged):
    g = p._grad
    if g is not None and g._data.flags.writeable and g._data.shape == averaged.shape:
        g._data[...] = averaged
    else:
        from ...tensor import Tensor
        p._grad = Tensor._from_array(averaged.copy())
