"""Run in-place kernels over disjoint slices of arrays on several threads: the optimizers'
elementwise updates and the normalisation layers' row kernels.

NumPy releases the GIL inside its loops, so threads working on disjoint slices of the same
arrays run at the same time. Every optimizer update is elementwise, so a large parameter can be
cut into contiguous pieces, each updated by the same kernel; a layer norm treats each row on
its own, so its arrays are cut into blocks of whole rows (``run_rows``). The calling thread and
the helper threads take pieces from one list until it is empty: when the machine is busy and a
helper starts late, the calling thread simply does more of the work, so a step is never slower
than on one thread by more than the cost of cutting. ``run_two`` runs two whole computations
side by side (the recurrent layers' two halves of a batch).

Measured (Adam on the 670k weights of an MLP 784-512-512-10, idle 2-core AMD EPYC, before the
one-pass axpby of chainrule/_blas.py cut one thread's time to 0.70 ms): 0.86 ms per step on one
thread, 0.58 ms on two; PyTorch 0.88 ms and 0.56-0.60 ms. On a busy machine a
second thread hurts (0.95 ms against 0.86 ms): a helper that loses its core while holding the
GIL stalls the caller. Inside a training step the optimizer runs right after the backward
pass, while OpenBLAS's threads may still spin on the other cores, and there one thread measured
faster on that machine (MLP step 1.06-1.07x PyTorch's time with one, 1.11-1.14x with two),
while on a 2-core Xeon the Adam update was a third of the step's main-thread time.

Which wins thus depends on the CPU, on the BLAS's idle spin and on the load, so by default each
optimizer's update is timed on its first steps both ways, inside the real training loop, and
the faster is kept (chainrule/_autotune.py). CHAINRULE_NUM_THREADS (a count, or "auto": the
CPUs this process may use, at most 8) or chainrule.set_num_threads fixes the count instead;
OMP_NUM_THREADS, which sizes the BLAS pools, is not read here.

Laying a whole group out in one flat array (parameters as views) to make a single call per
step was tried and measured slower: the extra copy of the gradients costs more than the calls
it saves (0.64 ms against 0.60 ms with two threads).
"""
import functools
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import _autotune

# Pieces smaller than this cost more in per-call overhead than a second core saves.
MIN_PIECE = 1 << 16

_pool = None
_pool_size = 0
_pool_pid = None
_set_count = None  # from chainrule.set_num_threads


def num_threads():
    """The requested number of update threads, or None: measure (see the module docstring)."""
    if _set_count is not None:
        return _set_count
    setting = os.environ.get("CHAINRULE_NUM_THREADS", "")
    return _threads_for(setting) if setting not in ("", "measure") else None


def set_threads(n):
    """Update on ``n`` threads from now on (None: back to CHAINRULE_NUM_THREADS)."""
    global _set_count
    _set_count = None if n is None else max(1, int(n))


@functools.lru_cache(maxsize=8)  # sched_getaffinity costs ~45 us: once, not every step
def _threads_for(setting):
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # no sched_getaffinity on macOS and Windows
        return max(1, min(8, os.cpu_count() or 1))


def _helpers(n):
    global _pool, _pool_size, _pool_pid
    # A forked child inherits the pool object but not its threads: make a new one there.
    if _pool is None or _pool_size < n or _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="chainrule-worker")
        _pool_size, _pool_pid = n, os.getpid()
    return _pool


def _pieces(jobs, n_threads):
    """Cut each large job into up to ``n_threads`` pieces along the first axis of its arrays
    (C-contiguous, so every piece is too; more pieces balance a busy machine better but cost
    more calls; fewer measured faster)."""
    pieces = []
    for arrays, args in jobs:
        rows = arrays[0].shape[0]
        k = min(n_threads, arrays[0].size // MIN_PIECE, rows)
        if k < 2 or not all(a is None or a.flags.c_contiguous for a in arrays):
            pieces.append((arrays, args))
            continue
        bounds = [rows * i // k for i in range(k + 1)]
        pieces += [([None if a is None else a[lo:hi] for a in arrays], args)
                   for lo, hi in zip(bounds, bounds[1:])]
    # largest first, so the last pieces taken are small and the threads finish together
    pieces.sort(key=lambda piece: -piece[0][0].size)
    return pieces


def _flat(a):
    """A C-contiguous array as 1-D (a view), anything else as it is (it will not be cut)."""
    return a.reshape(-1) if a is not None and a.flags.c_contiguous else a


def _run_all(kernel, jobs):
    for arrays, args in jobs:
        kernel(*arrays, *args)


class _Batch:
    """Pieces taken one at a time by whichever thread is free; ``wait`` returns once all ran."""

    def __init__(self, kernel, pieces):
        self.kernel = kernel
        self.pieces = pieces
        self.take = itertools.count().__next__  # atomic under the GIL
        self.left = len(pieces)
        self.done = threading.Condition()
        self.error = None

    def drain(self):
        while True:
            i = self.take()
            if i >= len(self.pieces):
                return
            arrays, args = self.pieces[i]
            try:
                self.kernel(*arrays, *args)
            except BaseException as e:  # re-raised on the calling thread
                self.error = e
            with self.done:
                self.left -= 1
                if self.left == 0:
                    self.done.notify_all()

    def wait(self):
        with self.done:
            while self.left:
                self.done.wait()
        if self.error is not None:
            raise self.error


def run(kernel, jobs):
    """Call ``kernel(*arrays, *args)`` for every ``(arrays, args)`` in ``jobs``, in place.

    ``arrays`` are same-shaped arrays (or None) that ``kernel`` reads and writes elementwise.
    """
    _run_measured(kernel, [([_flat(a) for a in arrays], args) for arrays, args in jobs])


def run_rows(kernel, arrays, *args):
    """Call ``kernel(*arrays, *args)`` in place, ``arrays`` (or None) cut into blocks of whole
    rows (their first axis): ``kernel`` must treat each row on its own."""
    _run_measured(kernel, [(arrays, args)])


def _run_measured(kernel, jobs):
    total = sum(arrays[0].size for arrays, _ in jobs)
    if total < 2 * MIN_PIECE:
        _run_all(kernel, jobs)
        return
    n = num_threads()
    if n is not None:
        _run_split(kernel, jobs, n)
        return
    choice = _autotune.tuner(("threads", kernel, total, len(jobs)))
    option = choice.option()
    start = time.perf_counter()
    _run_split(kernel, jobs, 1 if option == 0 else _threads_for("auto"))
    choice.record(option, time.perf_counter() - start)


def _run_split(kernel, jobs, n):
    pieces = _pieces(jobs, n) if n > 1 else ()
    if len(pieces) < 2:
        _run_all(kernel, jobs)
        return
    batch = _Batch(kernel, pieces)
    helpers = min(n, len(pieces)) - 1
    pool = _helpers(helpers)
    for _ in range(helpers):
        pool.submit(batch.drain)
    batch.drain()
    batch.wait()


def run_two(first, second):
    """``(first(), second())``, ``first`` on a helper thread while ``second`` runs on this one,
    OpenBLAS on one thread for both (two halves of a batch each doing whole small products)."""
    from . import _threads
    with _threads.blas_threads(1):
        job = _helpers(1).submit(first)
        result = second()
        return job.result(), result
