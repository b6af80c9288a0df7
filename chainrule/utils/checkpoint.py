"""torch.utils.checkpoint: activation checkpointing, accepted and run without the memory saving.

``checkpoint(fn, *args)`` gives exactly ``fn(*args)`` with its full graph kept: the same values
and gradients as torch's, at the memory cost of the plain forward (chainrule does not recompute
forwards in backward).
"""

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check=None,
               debug=None, preserve_rng_state=True, **kwargs):
    if not callable(function):
        raise TypeError(f"checkpoint: expected a callable, got {type(function).__name__}")
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    modules = list(functions.children()) if hasattr(functions, "children") else list(functions)
    for module in modules:
        input = module(input)
    return input
