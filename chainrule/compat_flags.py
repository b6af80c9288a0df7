"""torch's process-wide switches that have nothing to switch on chainrule's CPU, and
``compile``: accepted so that PyTorch scripts run, each documented as what it does here.

- ``use_deterministic_algorithms``: chainrule's ops are already deterministic (NumPy on the CPU,
  no atomics), so the flag is only stored and reported back.
- ``set_float32_matmul_precision``: float32 products are always full float32 here ("highest").
  The setting is stored and reported back, as torch does on CPUs without reduced-precision paths.
- ``compile``: there is no compiler; the model or function comes back unchanged and runs eagerly.
- ``Size``: shapes are plain tuples; ``Size`` is a tuple subclass with ``numel()``.
"""
import math

__all__ = ["Size", "compile", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_float32_matmul_precision", "get_float32_matmul_precision"]

_flags = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}


class Size(tuple):
    """A shape: a tuple of ints, as torch.Size."""

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"Size: expected a sequence of ints, got {sizes!r}")
        return super().__new__(cls, sizes)

    def numel(self):
        return math.prod(self)

    def __repr__(self):
        return f"chainrule.Size({list(self)})"


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got "
                        f"{type(mode).__name__}")
    _flags["deterministic"], _flags["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _flags["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _flags["warn_only"]


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                           f"'medium', got {precision!r}")
    _flags["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _flags["matmul_precision"]


def compile(model=None, **options):
    """torch.compile's signature; returns ``model`` unchanged (usable as a decorator, with or
    without options)."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a Module or function, got {type(model).__name__}")
    return model
