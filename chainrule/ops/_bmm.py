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
import ctypes
import glob
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .._backend import xp

# Below this many multiply-adds a product is not worth a thread hand-off (~20 us).
MIN_WORK = 1 << 21


def _find_thread_control():
    if os.environ.get("CHAINRULE_SPLIT_BMM") == "0":
        return None, None
    root = os.path.dirname(xp.__file__)
    patterns = [os.path.join(root, os.pardir, "numpy.libs", "*openblas*"),
                os.path.join(root, ".dylibs", "*openblas*")]
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            set_fn = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            get_fn = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if set_fn is not None and get_fn is not None:
                set_fn.argtypes, set_fn.restype = [ctypes.c_int], None
                get_fn.argtypes, get_fn.restype = [], ctypes.c_int
                return set_fn, get_fn
    return None, None


_SET_THREADS, _GET_THREADS = _find_thread_control()
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
    if _SET_THREADS is None or a.ndim < 3 or b.ndim < 3:
        return xp.matmul(a, b)
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    count = 1
    for d in batch:
        count *= d
    if count < 2 or count * m * k * n < MIN_WORK or not _lock.acquire(blocking=False):
        return xp.matmul(a, b)
    try:
        threads = _GET_THREADS()
        if threads < 2:
            return xp.matmul(a, b)
        a3 = xp.broadcast_to(a, batch + (m, k)).reshape(count, m, k)
        b3 = xp.broadcast_to(b, batch + (k, n)).reshape(count, k, n)
        out = xp.empty((count, m, n), xp.result_type(a, b))
        half = count // 2
        _SET_THREADS(1)
        try:
            job = _helper().submit(xp.matmul, a3[:half], b3[:half], out=out[:half])
            xp.matmul(a3[half:], b3[half:], out=out[half:])
            job.result()
        finally:
            _SET_THREADS(threads)
        return out.reshape(batch + (m, n))
    finally:
        _lock.release()
