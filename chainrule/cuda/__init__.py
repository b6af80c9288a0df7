"""torch.cuda's queries and no-ops, so CPU-fallback code runs: no CUDA device is available.

Seeding and synchronising are harmless no-ops here (torch's are too without a GPU); asking for
a device fails through chainrule.device's one CPU-only error.
"""
__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize",
           "empty_cache", "is_initialized", "current_device", "amp"]


def __getattr__(name):
    if name == "amp":   # loaded on use, like torch.cuda.amp
        import importlib
        return importlib.import_module(".amp", __name__)
    raise AttributeError(f"module 'chainrule.cuda' has no attribute {name!r}")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def synchronize(device=None):
    pass


def empty_cache():
    pass


def current_device():
    from .._device import check_device
    check_device("cuda.current_device", "cuda")
