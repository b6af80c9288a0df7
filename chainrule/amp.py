"""torch.amp's names for CPU-only chainrule: mixed precision is off.

``autocast`` is accepted and changes nothing (chainrule computes in its inputs' dtype), and
``GradScaler`` behaves as torch's does when it is disabled (as torch disables it without CUDA):
``scale(loss)`` is the loss, ``step(optimizer)`` is ``optimizer.step()``, the scale stays 1.
"""
import contextlib
import functools

__all__ = ["autocast", "GradScaler", "is_autocast_available"]


def is_autocast_available(device_type):
    return False


class autocast(contextlib.ContextDecorator):
    """``with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` runs the
    block as it is: no op is cast to a lower precision."""

    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.fast_dtype, self._enabled = device_type, dtype, enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class GradScaler:
    """Loss scaling for float16 training, here always disabled: a pass-through."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._enabled = False

    def is_enabled(self):
        return False

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer):
        pass

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        pass

    def get_scale(self):
        return 1.0

    def state_dict(self):
        return {}

    def load_state_dict(self, state_dict):
        pass


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    """Decorator of custom Functions' forward under autocast: nothing to do here."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type="cuda"):
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
