"""torch.accelerator: the device-agnostic queries. chainrule has no accelerator.

The answers are chainrule.cuda's (no device, seeding and synchronising are no-ops), shared
rather than written twice.
"""
from .cuda import (device_count, empty_cache, is_available, manual_seed, manual_seed_all,
                   synchronize)

__all__ = ["is_available", "device_count", "current_accelerator", "manual_seed",
           "manual_seed_all", "synchronize", "empty_cache"]


def current_accelerator(check_available=False):
    return None
