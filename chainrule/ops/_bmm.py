"""Batched matrix products split between the calling thread and one helper, each running
OpenBLAS on a single thread.

np.matmul over a stack of small matrices (attention's heads: 128 x 64 x 128 each) calls the BLAS
once per matrix, and OpenBLAS splits every one of those small products over its threads, which
then meet at a barrier per matrix: when the machine is busy and one thread loses its core, all
wait. PyTorch parallelises over the stack instead, each thread doing whole products alone. This
module does the same: the stack is cut in two halves, each computed by np.matmul (which releases
the GIL) with OpenBLAS set to one thread. Where OpenBLAS's thread control is not found, or the
product is small, it is plain np.matmul. ``run_halves`` goes one step further for attention:
each half of the heads runs a whole computation (products and softmax) on its own thread.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .. import _threads
from .._backend import xp

# Below this many multiply-adds a product is not worth a thread hand-off (~20 us).
MIN_WORK = 1 << 21
ENABLED = os.environ.get("CHAINRULE_SPLIT_BMM") != "0"

_lock = threading.Lock()
_pool = None
_pool_pid = None


def _helper():
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():   # a forked child needs its own thread
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chainrule-bmm")
        _pool_pid = os.getpid()
    return _pool


def bmm(a, b):
    """np.matmul(a, b) for a (*, m, k) and b (*, k, n), both at least 3-D."""
    if not (ENABLED and _threads.blas_available) or a.ndim < 3 or b.ndim < 3:
        return xp.matmul(a, b)
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    count = 1
    for d in batch:
        count *= d
    if count < 2 or count * m * k * n < MIN_WORK or not _lock.acquire(blocking=False):
        return xp.matmul(a, b)
    try:
        if _threads.get_blas_threads() < 2:
            return xp.matmul(a, b)
        out = xp.empty(batch + (m, n), xp.result_type(a, b))
        halves = _halves(a, b, batch, out)
        with _threads.blas_threads(1):
            job = _helper().submit(xp.matmul, *halves[0])
            xp.matmul(*halves[1])
            job.result()
        return out
    finally:
        _lock.release()


def _halves(a, b, batch, out):
    """Two (a, b, out=) argument triples, each half of the stack. The cut is along the first
    batch axis of even (or large) size, on views: flattening the batch to one axis copies
    operands that are strided views (attention's heads and transposed keys), which measured
    about a third of the products' time in a GPT step."""
    axis = _cut_axis(batch)
    if axis is None:
        count = out.size // (out.shape[-2] * out.shape[-1])
        a3 = xp.broadcast_to(a, batch + a.shape[-2:]).reshape((count,) + a.shape[-2:])
        b3 = xp.broadcast_to(b, batch + b.shape[-2:]).reshape((count,) + b.shape[-2:])
        o3, cut = out.reshape((count,) + out.shape[-2:]), count // 2
        return [(a3[:cut], b3[:cut], o3[:cut]), (a3[cut:], b3[cut:], o3[cut:])]
    return _cut((a, b, out), batch, axis)


def _cut_axis(batch):
    return next((i for i, d in enumerate(batch) if d % 2 == 0 or d >= 8), None)


def _cut(arrays, batch, axis):
    """The two halves of each of ``arrays`` (or None) along batch axis ``axis``; an array that
    broadcasts along it (size 1, or fewer dims) is whole in both."""
    cut = batch[axis] // 2

    def part(x, lo, hi):
        if x is None:
            return None
        i = axis - (len(batch) - (x.ndim - 2))   # the axis in x (batch dims align right)
        if i < 0 or x.shape[i] == 1:
            return x
        return x[(slice(None),) * i + (slice(lo, hi),)]

    return [tuple(part(x, 0, cut) for x in arrays), tuple(part(x, cut, None) for x in arrays)]


def run_halves(fn, batch, arrays, work=0, force=False):
    """[fn(0, *first half), fn(1, *second half)] of ``arrays`` (each (*batch, ., .) or
    broadcasting to it, or None), cut along one batch axis as bmm cuts, run on the calling
    thread and the helper with OpenBLAS on one thread each: a whole computation per half
    rather than a split per product, so that the work between products (attention's softmax)
    runs on both cores too. ``fn`` writes its outputs into the halves it is given.

    Returns None, having run nothing, when a split is not possible or not worth ``work``
    multiply-adds; with ``force`` the halves always run (on one thread if need be), so that
    a backward pass finds the halves its forward made."""
    axis = _cut_axis(batch)
    if axis is None:       # nothing to cut (and so no forward was cut for a backward to follow)
        return None
    halves = _cut(arrays, batch, axis)
    threaded = ENABLED and _threads.blas_available and (force or work >= 4 * MIN_WORK)
    if not threaded or not _lock.acquire(blocking=False):
        return [fn(i, *h) for i, h in enumerate(halves)] if force else None
    try:
        if _threads.get_blas_threads() < 2:
            return [fn(i, *h) for i, h in enumerate(halves)] if force else None
        with _threads.blas_threads(1):
            job = _helper().submit(fn, 0, *halves[0])
            second = fn(1, *halves[1])
            return [job.result(), second]
    finally:
        _lock.release()
