"""Process-wide settings and dtype facts: set_default_dtype / get_default_dtype, finfo / iinfo,
set_printoptions, is_floating_point / is_complex, initial_seed / seed, set_num_threads /
get_num_threads / set_num_interop_threads / get_num_interop_threads (chainrule/_threads.py)."""
import sys

from ._backend import xp
from . import dtypes, random
from ._threads import (get_num_interop_threads, get_num_threads,  # noqa: F401 (re-exported)
                       set_num_interop_threads, set_num_threads)


def get_default_dtype():
    """The dtype Python floats and float factories (zeros, randn, ...) give."""
    return dtypes.default_float


def set_default_dtype(d):
    """Make ``d`` (float32 or float64) the default floating point dtype.

    Modules read the default as a name bound at import (``from .dtypes import default_float``)
    on their hot paths, so changing it rebinds that name in every loaded chainrule module;
    modules loaded later import the new value."""
    new = xp.dtype(d)
    if new not in (xp.dtype("float32"), xp.dtype("float64")):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {new}")
    old = dtypes.default_float
    for name, module in list(sys.modules.items()):
        if (name == "chainrule" or name.startswith("chainrule.")) and \
                getattr(module, "default_float", None) is old:
            module.default_float = new


class finfo:
    """Limits of a floating point dtype, as Python floats (torch.finfo's fields)."""

    def __init__(self, type=None):
        dtype = xp.dtype(type) if type is not None else get_default_dtype()
        if dtype.kind != "f":
            raise TypeError(f"finfo: expected a floating point dtype, got {dtype}")
        info = xp.finfo(dtype)
        self.dtype, self.bits = str(dtype), info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, smallest_normal={self.smallest_normal}, "
                f"tiny={self.tiny}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool-free integer) dtype, as Python ints."""

    def __init__(self, type):
        dtype = xp.dtype(type)
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo: expected an integer dtype, got {dtype}")
        info = xp.iinfo(dtype)
        self.dtype, self.bits, self.max, self.min = str(dtype), info.bits, int(info.max), \
            int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


_PRINT_KEYS = ("precision", "threshold", "edgeitems", "linewidth", "profile", "sci_mode")
printoptions = {}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Accepted for compatibility (scripts call it at the top); the values are kept in
    ``chainrule.settings.printoptions`` but repr keeps torch's default layout."""
    given = dict(zip(_PRINT_KEYS, (precision, threshold, edgeitems, linewidth, profile,
                                   sci_mode)))
    if profile not in (None, "default", "short", "full"):
        raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', "
                         f"got {profile!r}")
    printoptions.update({k: v for k, v in given.items() if v is not None})


def is_floating_point(x):
    return x.dtype.kind == "f"


def is_complex(x):
    return x.dtype.kind == "c"


def initial_seed():
    """The seed the default generator was last seeded with."""
    return random.default_generator.initial_seed


def seed():
    """Seed the default generator non-deterministically; returns the seed used."""
    s = int(xp.random.SeedSequence().entropy % (2 ** 63))
    random.manual_seed(s)
    return s
