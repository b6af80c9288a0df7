"""Converters: reshape, transpose, expand, indexing, cat/stack/split, flip, repeat, gathers,
triangles. Sizes may be SymInts (read from traced shapes): ``g.ints`` writes those as run-time
shape arithmetic, so dynamic axes survive ``view(B, T, heads, -1)`` and ``x[:, :T]``."""
import numpy as np

from ..ops import einsum, indexing, misc, reduce as red, shape as sh
from .graph import INT64_MAX
from .registry import ExportError, converts, option as _opt
from .symint import SymInt

INT64_MIN = np.iinfo(np.int64).min


@converts(sh.Reshape)
def _reshape(g, args, options, outs):
    return g.node("Reshape", [g.name_of(args[0]), g.ints(_opt(args, options, "shape", 1))])


@converts(sh.Permute)
def _permute(g, args, options, outs):
    return g.node("Transpose", [g.name_of(args[0])],
                  perm=[int(d) for d in _opt(args, options, "dims", 1)])


@converts(sh.Expand)
def _expand(g, args, options, outs):
    x = args[0]
    shape = list(_opt(args, options, "shape", 1))
    # Expand broadcasts both ways: a 1 keeps whatever size the input has at run time.
    lead = len(shape) - x._data.ndim
    for i, n in enumerate(x._data.shape):
        if n != 1 and not isinstance(shape[lead + i], SymInt):
            shape[lead + i] = 1
    return g.node("Expand", [g.name_of(x), g.ints(shape)])


@converts(sh.Cat)
def _cat(g, args, options, outs):
    dtype = outs[0]._data.dtype
    return g.node("Concat", [g.name_of(a, dtype=dtype) for a in args],
                  axis=int(options.get("axis", 0)))


@converts(sh.Stack)
def _stack(g, args, options, outs):
    axis = int(options.get("axis", 0))
    dtype = outs[0]._data.dtype
    parts = [g.unsqueeze(g.name_of(a, dtype=dtype), [axis]) for a in args]
    return g.node("Concat", parts, axis=axis)


@converts(sh.Split)
def _split(g, args, options, outs):
    sections = [int(s) for s in _opt(args, options, "sections", 1)]
    axis = int(_opt(args, options, "axis", 2))
    names = g.node("Split", [g.name_of(args[0]), g.const(np.asarray(sections, np.int64))],
                   n_out=len(sections), axis=axis)
    return [names] if isinstance(names, str) else names


@converts(sh.Flip)
def _flip(g, args, options, outs):
    axes = [int(a) for a in _opt(args, options, "axes", 1)]
    n = len(axes)
    return g.node("Slice", [g.name_of(args[0]), g.ints([-1] * n), g.ints([INT64_MIN] * n),
                            g.ints(axes), g.ints([-1] * n)])


@converts(sh.Repeat)
def _repeat(g, args, options, outs):
    x, reps = args[0], list(_opt(args, options, "reps", 1))
    name = g.name_of(x)
    extra = len(reps) - x._data.ndim
    if extra > 0:
        name = g.unsqueeze(name, list(range(extra)))
    return g.node("Tile", [name, g.ints(reps)])


@converts(misc.Gather)
def _gather(g, args, options, outs):
    index = g.name_of(args[1], dtype=np.int64)
    return g.node("GatherElements", [g.name_of(args[0]), index],
                  axis=int(_opt(args, options, "axis", 2)))


@converts(indexing.IndexSelect)
def _index_select(g, args, options, outs):
    return g.node("Gather", [g.name_of(args[0]), g.name_of(args[1], dtype=np.int64)],
                  axis=int(_opt(args, options, "axis", 2)))


def _triangle(upper):
    def convert(g, args, options, outs):
        k = int(_opt(args, options, "k", 1, 0))
        return g.node("Trilu", [g.name_of(args[0]), g.const(np.asarray(k, np.int64))],
                      upper=upper)
    return convert


converts(indexing.Tril)(_triangle(0))
converts(indexing.Triu)(_triangle(1))


# ---- indexing ------------------------------------------------------------------------------
@converts(sh.GetItem)
def _getitem(g, args, options, outs):
    x = args[0]
    index = _opt(args, options, "index", 1)
    parts = list(index) if type(index) is tuple else [index]
    if any(isinstance(p, np.ndarray) and p.dtype == np.bool_ for p in parts):
        raise ExportError("onnx.export: indexing with a boolean mask (a data-dependent shape) "
                          "has no ONNX conversion")
    ndim = x._data.ndim
    used = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if Ellipsis in [p for p in parts if not isinstance(p, np.ndarray)]:
        at = next(i for i, p in enumerate(parts) if p is Ellipsis and not isinstance(p, np.ndarray))
        parts[at:at + 1] = [slice(None)] * (ndim - used)
    parts += [slice(None)] * (ndim - sum(1 for p in parts if p is not None))

    name = g.name_of(x)
    # 1. slices (rank unchanged)
    starts, ends, axes, steps = [], [], [], []
    axis = 0
    for p in parts:
        if p is None:
            continue
        if isinstance(p, slice) and p != slice(None):
            step = 1 if p.step is None else p.step
            start = p.start if p.start is not None else (0 if step > 0 else INT64_MAX)
            stop = p.stop if p.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
            starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
        axis += 1
    if axes:
        name = g.node("Slice", [name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    # 2. integers and integer arrays, last axis first so earlier axes keep their positions
    picks = []
    axis = 0
    for p in parts:
        if p is None:
            continue
        if not isinstance(p, slice):
            picks.append((axis, p))
        axis += 1
    arrays = [a for a, p in picks if isinstance(p, np.ndarray)]
    if len(arrays) > 1 or (arrays and len(picks) > 1 and
                           max(a for a, _ in picks) - min(a for a, _ in picks) >= len(picks)):
        raise ExportError("onnx.export: indexing with several index arrays (or with an array "
                          "and integers apart) has no ONNX conversion here")
    for axis, p in reversed(picks):
        if isinstance(p, SymInt):
            name = g.squeeze(g.node("Gather", [name, g.ints([p])], axis=axis), [axis])
        else:
            index = g.name_of(p, dtype=np.int64) if isinstance(p, np.ndarray) else \
                g.const(np.asarray(int(p), np.int64), "index")
            name = g.node("Gather", [name, index], axis=axis)
    # 3. None inserts a new axis: positions counted in the output
    new_axes, out_axis = [], 0
    for p in parts:
        if p is None:
            new_axes.append(out_axis)
            out_axis += 1
        elif isinstance(p, slice):
            out_axis += 1
        elif isinstance(p, np.ndarray):
            out_axis += p.ndim
    if new_axes:
        name = g.unsqueeze(name, new_axes)
    return name


@converts(indexing.Roll)
def _roll(g, args, options, outs):
    x = args[0]
    shifts, axes = _opt(args, options, "shifts", 1), _opt(args, options, "axes", 2)
    name = g.name_of(x)
    shape = x._data.shape
    if axes is None:                  # roll of the flattened tensor, then the shape back
        flat = g.node("Reshape", [name, g.ints([-1])])
        return g.node("Reshape", [_roll_axis(g, flat, int(shifts) % x._data.size, 0),
                                  g.node("Shape", [name])])
    shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    axes = axes if isinstance(axes, (tuple, list)) else (axes,)
    for s, a in zip(shifts, axes):
        name = _roll_axis(g, name, int(s) % shape[a], int(a))
    return name


def _roll_axis(g, name, s, axis):
    if s == 0:
        return name
    tail = g.node("Slice", [name, g.ints([-s]), g.ints([INT64_MAX]), g.ints([axis])])
    head = g.node("Slice", [name, g.ints([0]), g.ints([-s]), g.ints([axis])])
    return g.node("Concat", [tail, head], axis=axis)


@converts(red.TakeAlongDim)
def _take_along(g, args, options, outs):
    axis = int(_opt(args, options, "axis", 2))
    y = g.node("GatherElements", [g.name_of(args[0]), g.name_of(args[1], dtype=np.int64)],
               axis=axis)
    return y if options.get("keepdim", False) else g.squeeze(y, [axis])


@converts(einsum.Einsum)
def _einsum(g, args, options, outs):
    dtype = outs[0]._data.dtype
    equation = einsum._spec(options["letters"], options["out"])
    return g.node("Einsum", [g.name_of(a, dtype=dtype) for a in args], equation=equation)
