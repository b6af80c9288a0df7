"""The array module behind tensors and the few helpers NumPy spells differently from CuPy.

Ops import ``xp`` from here instead of importing numpy for math, so a GPU array module can be
slotted in later by changing this one file.
"""
import os
import sys

# OpenBLAS's idle worker threads spin for 2^28 cycles (about 0.1 s) after each product before
# they sleep, holding the other core while the optimizer or the next pointwise ops want it; a
# 2^22-cycle spin (about 1.5 ms, still enough to stay awake between two per-step products)
# measured the MLP training step 10% faster. OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when
# NumPy loads it, and offers no call to change it later: so it is set only when chainrule is
# imported before NumPy (an explicit value is respected), and when NumPy came first it is left
# alone rather than set to no effect. chainrule._threads.blas_info()["thread_timeout"] says
# which spin is in effect. Thread counts, unlike the spin, are set at run time through OpenBLAS's
# own calls (chainrule.set_num_threads, chainrule/_threads.py).
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")

import numpy as xp  # noqa: E402

ndarray = xp.ndarray


def _keep_freed_memory_for_reuse():
    """Stop glibc from handing every large freed block back to the OS.

    By default glibc serves blocks over 128 KiB with mmap and returns them with munmap on free
    (and trims the heap top likewise), so each large NumPy temporary is page-faulted in afresh:
    measured here, ``a * b + 1`` on 128k float32 took 470 us instead of 32 us. Raising the mmap
    and trim thresholds lets freed blocks be reused by the next step of a training loop, as
    PyTorch's caching allocator does. Peak memory is unchanged; memory freed by the process is
    returned to the OS later. Set CHAINRULE_MALLOC_TUNING=0 to leave malloc alone.
    """
    if not sys.platform.startswith("linux") or os.environ.get("CHAINRULE_MALLOC_TUNING") == "0":
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): nothing to tune
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 32 << 20)  # glibc's largest allowed threshold
    ok &= libc.mallopt(m_trim_threshold, 1 << 30)
    return bool(ok)


malloc_tuned = _keep_freed_memory_for_reuse()


try:  # the ufunc behind np.clip, without its Python wrapper (2-3 us a call on small arrays)
    from numpy._core.umath import clip
except ImportError:  # NumPy < 2
    clip = xp.clip


def scatter_add(target, index, values):
    """Add ``values`` into ``target[index]`` in place, accumulating repeated indices.

    Plain ``target[index] += values`` keeps only the last write for a repeated index; the chain
    rule needs every contribution, hence ``ufunc.at``.
    """
    xp.add.at(target, index, values)
    return target


def is_floating(dtype):
    return xp.issubdtype(dtype, xp.floating)
