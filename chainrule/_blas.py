"""y <- alpha x + beta y in one pass, from the BLAS that NumPy already loaded.

Optimizer updates are chains of such scaled additions. NumPy spells each one as two or three
passes over memory (``tmp = alpha * x; y *= beta; y += tmp``); OpenBLAS's ``?axpby`` does it in
one. Measured on the 670k parameters of the MLP benchmark, Adam's step went from 0.89 ms to
0.72 ms (PyTorch: 0.6 ms on two threads).

NumPy does not expose ``axpby``, so this module looks it up with ctypes in the OpenBLAS library
bundled with NumPy's wheels, trying the symbol names those builds use. Where it is not found
(another BLAS, another platform) or an array does not suit it (not contiguous, mixed dtypes),
``axpby`` falls back to NumPy, with the same results up to rounding. Set
``CHAINRULE_BLAS_AXPBY=0`` to always use NumPy.
"""
import ctypes
import glob
import os

from ._backend import xp

# Below this size the ctypes call costs more than the passes it saves.
MIN_SIZE = 4096


def _find_library():
    """NumPy's bundled OpenBLAS as a ctypes library, or None (another BLAS, another platform).

    Loading it again by path gives the copy NumPy already has in memory, so calls through it
    act on the BLAS NumPy uses."""
    root = os.path.dirname(xp.__file__)
    patterns = [os.path.join(root, os.pardir, "numpy.libs", "*openblas*"),  # Linux, Windows
                os.path.join(root, ".dylibs", "*openblas*")]                  # macOS
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


LIBRARY = _find_library()


def _find_axpby():
    """{float32: saxpby, float64: daxpby} as ctypes functions, or {} when not found."""
    if os.environ.get("CHAINRULE_BLAS_AXPBY") == "0" or LIBRARY is None:
        return {}
    lib = LIBRARY
    for template in ("scipy_cblas_{}axpby64_", "cblas_{}axpby64_", "cblas_{}axpby"):
        # A "64_" suffix marks the ILP64 interface, whose sizes are 64-bit integers.
        int_type = ctypes.c_int64 if template.endswith("64_") else ctypes.c_int32
        found = {}
        for prefix, dtype, real in (("s", xp.float32, ctypes.c_float),
                                    ("d", xp.float64, ctypes.c_double)):
            fn = getattr(lib, template.format(prefix), None)
            if fn is None:
                break
            fn.argtypes = [int_type, real, ctypes.c_void_p, int_type, real, ctypes.c_void_p,
                           int_type]
            fn.restype = None
            found[xp.dtype(dtype)] = fn
        if len(found) == 2:
            return found
    return {}


_AXPBY = _find_axpby()
available = bool(_AXPBY)


def _address(a):
    return a.__array_interface__["data"][0]


def axpby(alpha, x, beta, y, scratch):
    """In place, ``y <- alpha * x + beta * y``; returns ``y``.

    ``scratch`` is an array like ``y`` for the NumPy fallback (it may be ``x`` itself, which is
    then overwritten).
    """
    fn = _AXPBY.get(y.dtype)
    if (fn is not None and y.size >= MIN_SIZE and x.dtype == y.dtype and x.size == y.size
            and x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable):
        fn(y.size, alpha, _address(x), 1, beta, _address(y), 1)
        return y
    if alpha != 1:
        x = xp.multiply(x, alpha, out=scratch)
    if beta != 1:
        y *= beta
    y += x
    return y
