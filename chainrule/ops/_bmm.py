"""Batched matrix products split between the calling thread and one helper, each running
OpenBLAS on a single thread.

np.matmul over a stack of small matrices (attention's heads: 128 x 64 x 128 each) calls the BLAS
once per matrix, and OpenBLAS splits every one of those small products over its threads, which
then meet at a barrier per matrix: when the machine is busy and one thread loses its core, all
wait. PyTorch parallelises over the stack instead, each thread doing whole products alone. This
module does the same: the stack is cut in two halves, each computed by np.matmul (which releases
the GIL) with OpenBLAS set to one thread. Where OpenBLAS's thread control is not found, or the
product is small, it is plain np.matmul.
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
        a3 = xp.broadcast_to(a, batch + (m, k)).reshape(count, m, k)
        b3 = xp.broadcast_to(b, batch + (k, n)).reshape(count, k, n)
        out = xp.empty((count, m, n), xp.result_type(a, b))
        half = count // 2
        with _threads.blas_threads(1):
            job = _helper().submit(xp.matmul, a3[:half], b3[:half], out=out[:half])
            xp.matmul(a3[half:], b3[half:], out=out[half:])
            job.result()
        return out.reshape(batch + (m, n))
    finally:
        _lock.release()
