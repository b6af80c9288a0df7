"""The array module behind tensors and the few helpers NumPy spells differently from CuPy.

Ops import ``xp`` from here instead of importing numpy for math, so a GPU array module can be
slotted in later by changing this one file.
"""
import numpy as xp

ndarray = xp.ndarray


def scatter_add(target, index, values):
    """Add ``values`` into ``target[index]`` in place, accumulating repeated indices.

    Plain ``target[index] += values`` keeps only the last write for a repeated index; the chain
    rule needs every contribution, hence ``ufunc.at``.
    """
    xp.add.at(target, index, values)
    return target


def stable_sigmoid(x, out=None):
    """1 / (1 + exp(-x)) without overflow: exp is only ever taken of a non-positive number."""
    e = xp.exp(-xp.abs(x))
    num = xp.where(x >= 0, 1.0, e).astype(e.dtype, copy=False)
    return xp.divide(num, 1.0 + e, out=out)


def is_floating(dtype):
    return xp.issubdtype(dtype, xp.floating)
