"""Run the optimizers' in-place elementwise updates on several threads.

NumPy releases the GIL inside its loops, so threads updating disjoint slices of the same arrays
run at the same time. Every optimizer update is elementwise, so a parameter can be cut into
contiguous slices, each updated by the same kernel. PyTorch does the same inside each op; doing
it here once per step keeps the per-op cost of NumPy's calls low.

The number of threads is ``CHAINRULE_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the number of
CPUs this process may use (at most 8). Set it to 1 to update on the calling thread only.
"""
import os
from concurrent.futures import ThreadPoolExecutor

# Below this many elements a hand-off to another thread costs more than it saves.
MIN_ELEMENTS_PER_THREAD = 1 << 16

_pool = None
_pool_size = 0


def num_threads():
    for var in ("CHAINRULE_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # no sched_getaffinity on macOS and Windows
        return max(1, min(8, os.cpu_count() or 1))


def _executor(workers):
    global _pool, _pool_size
    if _pool is None or _pool_size < workers:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chainrule-optim")
        _pool_size = workers
    return _pool


def _run_all(kernel, jobs):
    for arrays, args in jobs:
        kernel(*arrays, *args)


def run(kernel, jobs):
    """Call ``kernel(*arrays, *args)`` for every ``(arrays, args)`` in ``jobs``, in place.

    ``arrays`` are same-shaped arrays (or None) that ``kernel`` reads and writes elementwise;
    large C-contiguous ones are cut into one contiguous slice a thread.
    """
    total = sum(arrays[0].size for arrays, _ in jobs)
    n = min(num_threads(), total // MIN_ELEMENTS_PER_THREAD)
    if n <= 1:
        _run_all(kernel, jobs)
        return
    shares = [[] for _ in range(n)]
    for arrays, args in jobs:
        size = arrays[0].size
        if size < n * 4096 or not all(a is None or a.flags.c_contiguous for a in arrays):
            shares[0].append((arrays, args))
            continue
        flat = [None if a is None else a.reshape(-1) for a in arrays]
        bounds = [size * i // n for i in range(n + 1)]
        for i in range(n):
            lo, hi = bounds[i], bounds[i + 1]
            shares[i].append(([None if a is None else a[lo:hi] for a in flat], args))
    futures = [_executor(n - 1).submit(_run_all, kernel, share) for share in shares[1:]]
    _run_all(kernel, shares[0])
    for f in futures:
        f.result()
