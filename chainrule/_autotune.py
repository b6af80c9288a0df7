"""Pick between interchangeable ways of doing the same work by timing them where they run.

Which way is fastest depends on the CPU more than on anything chainrule can see: OpenBLAS's
kernels and its thread dispatch differ between AMD Zen ("Haswell" kernels) and AVX-512 Xeons
("SkylakeX"), and NumPy's float32 exp2 has a vector loop on AVX-512 only. Rather than a table
per CPU, the first calls of each kind and size try every option in turn, and the fastest of
each option's best time is kept from then on. Every option gives the same results (up to
rounding); only the time differs.

``FORCE`` (an option index, or None) makes every choice that option, for A/B measurements.
"""
import time

from . import _threads

FORCE = None
TRIALS = 3  # per option; the best of them counts, so one interrupted trial does not decide


class Fastest:
    """The choice among ``n`` options for one kind of call."""

    __slots__ = ("n", "best", "times", "count")

    def __init__(self, n=2):
        self.n, self.best, self.times, self.count = n, None, [float("inf")] * n, 0

    def option(self):
        if FORCE is not None:
            return FORCE
        return self.best if self.best is not None else self.count % self.n

    def record(self, option, seconds):
        if self.best is not None or FORCE is not None:
            return
        self.times[option] = min(self.times[option], seconds)
        self.count += 1
        if self.count >= self.n * TRIALS:
            self.best = min(range(self.n), key=self.times.__getitem__)


_TUNERS = {}


def tuner(key, n=2):
    found = _TUNERS.get(key)
    if found is None:
        found = _TUNERS[key] = Fastest(n)
    return found


def fastest(key, *ways):
    """``ways[k]()`` for the way ``k`` that measured fastest for ``key`` (the first calls try
    each in turn); every way must compute the same thing."""
    choice = tuner(key, len(ways))
    k = choice.option()
    if choice.best is not None:
        return ways[k]()
    start = time.perf_counter()
    out = ways[k]()
    choice.record(k, time.perf_counter() - start)
    return out


class step_threads:
    """``with step_threads(key):`` around a loop of small matrix products runs it with OpenBLAS
    on one thread or on all of its threads, whichever measured faster for ``key``.

    OpenBLAS splits even a 32x256 @ 256x1024 product across every thread; waking the second
    thread, synchronising and packing for it can cost more than it saves (on a 2-core Xeon about
    a third of the LSTM step went there), or less (on AMD EPYC a second core's cache halves a
    batch-1 matrix-vector product's memory traffic): measured, not assumed."""

    __slots__ = ("tuner", "option", "before", "start")

    def __init__(self, key):
        self.tuner = tuner(key)

    def __enter__(self):
        self.option = option = self.tuner.option()
        self.before = None
        if option == 0 and _threads.blas_available:
            before = _threads.get_blas_threads()
            if before > 1:
                _threads._set(1)
                self.before = before
            elif self.tuner.best is None and FORCE is None:
                self.tuner.best = 1  # one thread is all there is: nothing to choose
        self.start = time.perf_counter()
        return self

    def __exit__(self, kind, value, traceback):
        seconds = time.perf_counter() - self.start
        if self.before is not None:
            _threads._set(self.before)
        if kind is None:
            self.tuner.record(self.option, seconds)
        return False
