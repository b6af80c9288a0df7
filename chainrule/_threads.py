"""How many threads chainrule's work runs on: NumPy's OpenBLAS, driven through its own runtime
calls, and chainrule's optimizer threads.

Environment variables such as OPENBLAS_NUM_THREADS are read once, when NumPy loads OpenBLAS,
and nearly every program imports NumPy before chainrule: setting them from chainrule does
nothing. OpenBLAS's runtime calls (``openblas_set_num_threads`` and friends, found with ctypes
in the library NumPy bundles, under the ``scipy_openblas_*64_`` names of NumPy 2's wheels) act
at any time, so thread counts are set through them. Where they are missing (another BLAS, an
unusual build) ``blas_available`` is False, the requested count is only remembered, and the
BLAS keeps its own setting (threadpoolctl or the BLAS's own environment variables control it
there).

``blas_threads(n)`` caps OpenBLAS at ``n`` threads for a block of code; chainrule/_autotune.py
uses the same calls to run the recurrent layers' per-step products and batch-1 ``Linear`` on
one thread or all, whichever measured faster where the code runs.
"""
import contextlib
import ctypes

from ._blas import LIBRARY


def _lookup(names, restype, argtypes):
    """The first of ``names`` found in NumPy's OpenBLAS as a ctypes function, or None."""
    if LIBRARY is None:
        return None
    for name in names:
        fn = getattr(LIBRARY, name, None)
        if fn is not None:
            fn.restype, fn.argtypes = restype, argtypes
            return fn
    return None


def _names(base):
    # NumPy >= 2 (scipy-openblas wheels), NumPy 1.2x (openblas64_), a plain OpenBLAS.
    return (f"scipy_{base}64_", f"{base}64_", base)


# openblas_set_num_threads takes a C int in every interface (ILP64 widens only BLAS sizes).
_set = _lookup(_names("openblas_set_num_threads"), None, [ctypes.c_int])
_get = _lookup(_names("openblas_get_num_threads"), ctypes.c_int, [])
_corename = _lookup(_names("openblas_get_corename"), ctypes.c_char_p, [])
_config = _lookup(_names("openblas_get_config"), ctypes.c_char_p, [])
# OPENBLAS_THREAD_TIMEOUT as OpenBLAS read it at load (0: unset, the default 2^28-cycle spin)
_timeout = _lookup(("openblas_thread_timeout",), ctypes.c_int, [])

blas_available = _set is not None and _get is not None
_requested = {"blas": None, "interop": 1}


def get_blas_threads():
    """The number of threads OpenBLAS runs a large product on (the requested count when
    OpenBLAS's runtime calls are not available; 1 when nothing was requested there)."""
    if blas_available:
        return int(_get())
    return _requested["blas"] or 1


def set_blas_threads(n):
    """Run OpenBLAS's products on ``n`` threads from now on (n >= 1)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _requested["blas"] = n
    if blas_available:
        _set(n)


@contextlib.contextmanager
def blas_threads(n):
    """Cap OpenBLAS at ``n`` threads inside the block, then restore the previous count.

    The count is process-wide in OpenBLAS: products that other Python threads run meanwhile
    are capped too (they stay correct, only less parallel)."""
    if not blas_available:
        yield
        return
    before = int(_get())
    if before <= n:
        yield
        return
    _set(n)
    try:
        yield
    finally:
        _set(before)


def blas_info():
    """{"corename", "config", "threads", "thread_timeout"} of NumPy's OpenBLAS (None where
    unknown): the kernel set chosen for this CPU (e.g. "Haswell" on AMD Zen, "SkylakeX" on
    AVX-512 Xeons) decides which operand layouts and sizes are fast, and thread_timeout is the
    log2 of the cycles an idle worker spins (28 by default; see chainrule/_backend.py)."""
    def text(fn):
        if fn is None:
            return None
        value = fn()
        return value.decode(errors="replace").strip() if value else None
    return {"corename": text(_corename), "config": text(_config),
            "threads": get_blas_threads() if blas_available else None,
            "thread_timeout": (int(_timeout()) or 28) if _timeout is not None else None}


def set_num_threads(n):
    """torch.set_num_threads: the threads used for intra-op parallelism, here OpenBLAS's
    products and the optimizers' elementwise updates (chainrule/_parallel.py)."""
    set_blas_threads(n)
    from . import _parallel
    _parallel.set_threads(int(n))


def get_num_threads():
    """torch.get_num_threads: the threads OpenBLAS runs its products on."""
    return get_blas_threads()


def set_num_interop_threads(n):
    """torch.set_num_interop_threads: accepted and remembered. chainrule runs independent ops
    one after another on the calling thread, so there is no inter-op pool to size."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_interop_threads: expected a positive number of threads, "
                         f"got {n}")
    _requested["interop"] = n


def get_num_interop_threads():
    """torch.get_num_interop_threads: the value last given to set_num_interop_threads (1)."""
    return _requested["interop"]
