"""torch.utils's layout: ``chainrule.utils.data`` and ``chainrule.utils.tensorboard``.

Both load on first use so ``import chainrule.utils`` stays cheap.
"""
__all__ = ["data", "tensorboard", "hooks"]


def __getattr__(name):
    import importlib
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'chainrule.utils' has no attribute {name!r}")
