"""The dtypes chainrule exposes (NumPy's own scalar types) and torch.tensor's inference rules."""
from ._backend import xp

default_float = xp.dtype(xp.float32)


def as_array(data, dtype=None):
    """Turn ``data`` into an array the way ``torch.tensor`` infers dtypes.

    A NumPy array (or NumPy scalar) keeps its dtype; Python floats and nested lists of floats
    become float32; Python ints become int64; bools stay bool. ``dtype`` overrides all of that.
    """
    arr = xp.asarray(data)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                        f"(got NumPy dtype {arr.dtype})")
    if dtype is not None:
        # Convert once, straight to the requested dtype (0.8 as float64 stays exactly 0.8).
        return arr.astype(dtype, copy=False)
    if not isinstance(data, (xp.ndarray, xp.generic)):
        if arr.dtype == xp.float64:
            arr = arr.astype(default_float)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(xp.int64)
    return arr


# Public names last: they shadow Python builtins (float, int, bool) inside this module.
float16 = half = xp.float16
float32 = float = xp.float32
float64 = double = xp.float64
int8 = xp.int8
int16 = short = xp.int16
int32 = int = xp.int32
int64 = long = xp.int64
uint8 = xp.uint8
bool = xp.bool_
