"""LRScheduler: the base of the learning-rate schedules (bookkeeping, state dicts)."""
import functools
import types
import warnings

from ._state_check import check_scheduler_state
from .optimizer import Optimizer

_EPOCH_WARNING = ("passing an epoch to scheduler.step() is deprecated (as in PyTorch); the "
                  "closed form is used where there is one. Call scheduler.step() instead.")


_ORDER_WARNING = ("Detected call of `lr_scheduler.step()` before `optimizer.step()`: call "
                  "`optimizer.step()` first, else the first value of the schedule is skipped "
                  "(as in PyTorch).")


def _track_optimizer_steps(optimizer):
    """Make ``optimizer.step`` record that it ran, so the scheduler's first step can warn when
    it comes first, as torch's does. A bound method on the instance (not a closure), so
    copy.deepcopy of the optimizer records on the copy."""
    if getattr(optimizer.step, "_records_call", False):
        return
    func = getattr(type(optimizer), "step", None)
    if func is None or getattr(optimizer.step, "__func__", None) is not func:
        return          # a step replaced by the user: leave it alone

    @functools.wraps(func)
    def step(self, *args, **kwargs):
        self._opt_called = True
        return func(self, *args, **kwargs)
    step._records_call = True
    optimizer._opt_called = False
    optimizer.step = types.MethodType(step, optimizer)


def _check_optimizer(name, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected a chainrule.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")


def _per_group(name, optimizer, value):
    """``value`` repeated for every group, or a list/tuple checked to have one per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per parameter group: got "
                             f"{len(value)} values for {len(optimizer.param_groups)} groups")
        return list(value)
    return [value] * len(optimizer.param_groups)


class LRScheduler:
    """Base of the schedules: subclasses define ``get_lr()``, the rates for ``last_epoch``.

    Args:
        optimizer: the optimizer whose ``group["lr"]`` values it sets.
        last_epoch: index of the last step taken; -1 (default) starts the schedule, and
            construction then records each group's ``initial_lr`` and applies step 0.
    Attributes:
        base_lrs: each group's ``initial_lr``. last_epoch: steps taken so far.
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(type(self).__name__, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no "
                                   "'initial_lr', needed to resume with last_epoch >= 0; load "
                                   "the optimizer's state dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        _track_optimizer_steps(optimizer)
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        """The rates for step ``last_epoch``, one per group."""
        raise NotImplementedError

    def get_last_lr(self):
        """The rates the last ``step()`` set, one per group."""
        return self._last_lr

    def step(self, epoch=None):
        """Advance the schedule one step (call after ``optimizer.step()``)."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", True):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore ``state_dict()``'s entries (each checked to be of its attribute's kind)."""
        check_scheduler_state(self, state_dict)
        self.__dict__.update(state_dict)
