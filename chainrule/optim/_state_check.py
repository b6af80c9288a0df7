"""Checks of optimizer and scheduler state dicts before they are loaded: a state dict read from
a file is data from outside, so every entry is checked to be of the kind the object itself
would hold, and nothing is assigned unless all of it passes."""
import math
import numbers

from .._backend import xp

_PLAIN = (bool, int, float, str, type(None))
# Scheduler counters: a fraction there is never valid.
_COUNTS = {"last_epoch", "_step_count", "total_steps", "patience", "cooldown",
           "cooldown_counter", "num_bad_epochs", "step_size", "total_iters"}


def check_optimizer_state(opt, state_dict):
    """Raise ValueError (naming the optimizer and the entry) unless ``state_dict`` has the
    layout of ``opt.state_dict()`` and hyper-parameters that pass the constructor's checks."""
    name = f"{type(opt).__name__}.load_state_dict"
    if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
        raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups', as "
                         f"state_dict() returns; got {_kind(state_dict)}")
    groups, state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) for g in groups):
        raise ValueError(f"{name}: 'param_groups' must be a list of dicts, got {_kind(groups)}")
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise ValueError(f"{name}: 'state' must be a dict of dicts, got {_kind(state)}")
    for i, group in enumerate(groups):
        params = group.get("params")
        if not isinstance(params, (list, tuple)) or not all(type(p) is int for p in params):
            raise ValueError(f"{name}: param_groups[{i}]['params'] must be a list of parameter "
                             f"indices, got {_kind(params)}")
        for key, value in group.items():
            if not isinstance(key, str):
                raise ValueError(f"{name}: param_groups[{i}] has a non-string key {key!r}")
            default = opt.defaults.get(key)
            if key in opt.defaults and not _same_kind(default, value):
                raise ValueError(f"{name}: param_groups[{i}][{key!r}] must be like "
                                 f"{default!r}, got {_kind(value)}")
            if key == "initial_lr" and not _real(value):
                raise ValueError(f"{name}: param_groups[{i}]['initial_lr'] must be a number, "
                                 f"got {_kind(value)}")
        merged = {**opt.defaults, **{k: v for k, v in group.items() if k != "params"}}
        try:
            opt._check_group(merged)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name}: param_groups[{i}]: {e}") from None
    for index, values in state.items():
        if type(index) is not int and not (isinstance(index, str) and index.isdigit()):
            raise ValueError(f"{name}: state keys must be parameter indices, got {index!r}")
        for key, value in values.items():
            if key == "step":
                step = _as_number(value)
                if step is None or not math.isfinite(step) or step < 0:
                    raise ValueError(f"{name}: state[{index}]['step'] must be a non-negative "
                                     f"count, got {_kind(value)}")
            elif isinstance(value, (str, dict)):
                raise ValueError(f"{name}: state[{index}][{key!r}] must be a tensor or a "
                                 f"number, got {_kind(value)}")
            elif hasattr(value, "dtype") and getattr(value.dtype, "kind", "f") not in "biuf":
                raise ValueError(f"{name}: state[{index}][{key!r}] has dtype {value.dtype}; "
                                 "expected a real number type")


def check_scheduler_state(sched, state_dict, skip=()):
    """Raise ValueError unless every entry of ``state_dict`` names an attribute that
    ``sched.state_dict()`` holds and has a value of that attribute's kind: a file cannot set
    arbitrary attributes (or replace methods) on the scheduler."""
    name = f"{type(sched).__name__}.load_state_dict"
    if not isinstance(state_dict, dict):
        raise ValueError(f"{name}: expected a dict, as state_dict() returns; got "
                         f"{_kind(state_dict)}")
    own = sched.state_dict()
    for key, value in state_dict.items():
        if key in skip:
            continue
        if key not in own:
            raise ValueError(f"{name}: unexpected entry {str(key)[:60]!r}; a "
                             f"{type(sched).__name__} state dict has "
                             f"{', '.join(sorted(map(str, own)))}")
        if not _same_kind(own[key], value) or (
                key in _COUNTS and not (isinstance(value, int) and not isinstance(value, bool))):
            raise ValueError(f"{name}: entry {key!r} must be like {str(own[key])[:60]}, got "
                             f"{_kind(value)}")


def _as_number(v):
    """A Python number for a number or a one-element real tensor or array, else None."""
    if _real(v):
        return v
    try:
        arr = xp.asarray(getattr(v, "_data", v))
    except Exception:       # whatever a hostile value's __array__ raises
        return None
    return arr.item() if arr.size == 1 and arr.dtype.kind in "iuf" else None


def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _same_kind(old, new):
    """Whether ``new`` may replace ``old``: numbers by numbers, bools by bools, strings by
    strings, sequences by sequences of as many such items, dicts by dicts of plain values."""
    if isinstance(old, bool):
        return isinstance(new, bool)
    if _real(old):
        return _real(new)
    if isinstance(old, str):
        return isinstance(new, str)
    if old is None:
        return isinstance(new, _PLAIN) and not isinstance(new, str) or new is None
    if isinstance(old, (list, tuple)):
        return (isinstance(new, (list, tuple)) and len(new) == len(old)
                and all(_same_kind(a, b) for a, b in zip(old, new)))
    if isinstance(old, dict):
        return isinstance(new, dict) and all(
            isinstance(k, (int, str)) and _real(v) for k, v in new.items())
    return type(new) is type(old)


def _kind(v):
    text = repr(v)
    return f"{type(v).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
