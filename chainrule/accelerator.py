"""torch.accelerator: the device-agnostic queries. chainrule has no accelerator."""
__all__ = ["is_available", "device_count", "current_accelerator", "manual_seed",
           "manual_seed_all", "synchronize", "empty_cache"]


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    return None


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def synchronize(device=None):
    pass


def empty_cache():
    pass
