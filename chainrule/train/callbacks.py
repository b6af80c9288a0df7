"""Callbacks: hooks that fit() calls around epochs and batches (Keras-style).

fit() sets ``model``, ``optimizer``, ``scheduler`` and ``train_data`` on every callback before
``on_train_begin``; a callback stops training by setting ``self.stop_training = True``.
"""
import math
import warnings

from .checkpoint import save_checkpoint
from .ranks import is_main_process, unwrap

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint"]

_HIGHER_IS_BETTER = ("acc", "precision", "recall", "f1", "auc", "score")


class Callback:
    """Base class: override any of the hooks; ``logs`` is the dict of the epoch's numbers."""

    model = optimizer = scheduler = train_data = None
    stop_training = False

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class _Monitor:
    """Tracks the best value of one logged quantity ('min' or 'max' mode, with min_delta)."""

    def __init__(self, owner, monitor, mode, min_delta):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max'; got {mode!r}")
        if mode == "auto":
            name = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "max" if any(h in name for h in _HIGHER_IS_BETTER) else "min"
        self.owner, self.monitor, self.mode = owner, monitor, mode
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def value(self, logs):
        if self.monitor not in (logs or {}):
            have = ", ".join(sorted(logs or {})) or "nothing"
            hint = " (pass val_data= to fit, or monitor a training quantity)" \
                if self.monitor.startswith("val_") else ""
            raise ValueError(f"{self.owner}: monitor {self.monitor!r} is not among the logged "
                             f"values ({have}){hint}")
        return float(logs[self.monitor])

    def improved(self, current):
        if math.isnan(current):
            return False
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta


def _copy_state(model):
    return {k: (v._data if hasattr(v, "data") else v).copy() for k, v in
            model.state_dict().items()}


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has gone ``patience`` epochs in a row without improving.

    Args:
        monitor: logged quantity to watch ("val_loss", "val_accuracy", "loss", ...).
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement to wait before stopping.
        mode: "min", "max", or "auto" (max for accuracy/precision/recall/f1, min otherwise).
        restore_best_weights: at the end of training (stopped early or not), load the weights
            of the best epoch back into the model.
    Attributes:
        stopped_epoch: the epoch (0-based) at which training stopped, or None.
        best, best_epoch: the best monitored value and its epoch.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False):
        self.tracker = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.monitor, self.patience = monitor, int(patience)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.tracker.best = math.inf if self.tracker.mode == "min" else -math.inf
        self.wait, self.stopped_epoch, self.best_epoch = 0, None, None
        self.best_weights = None
        self.stop_training = False

    @property
    def best(self):
        return self.tracker.best

    def on_epoch_end(self, epoch, logs=None):
        current = self.tracker.value(logs)
        if self.tracker.improved(current):
            self.tracker.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy_state(self.model)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (or a full training checkpoint) after epochs, atomically.

    Args:
        path: file to write; may hold ``{epoch}`` (1-based) and logged names, e.g.
            ``"ckpt/{epoch:03d}-{val_loss:.3f}.safetensors"``.
        monitor: quantity that decides "best" when ``save_best_only``.
        save_best_only: write only when ``monitor`` improved on its best so far.
        mode: "min", "max" or "auto", as in EarlyStopping.
        save_weights_only: write just ``model.state_dict()`` (a plain state_dict file that
            PyTorch can read) instead of a resumable checkpoint with optimizer, scheduler,
            data order, random state and epoch (see ``load_checkpoint``).
    A DistributedDataParallel model is saved as its ``module`` (keys without ``module.``), by
    rank 0 only, so the file loads into the plain model in a single process.
    Attributes:
        best: best monitored value so far; last_path: the file written last.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto",
                 save_weights_only=False):
        self.path = str(path)
        self.tracker = _Monitor("ModelCheckpoint", monitor, mode, 0.0)
        self.monitor, self.save_best_only = monitor, save_best_only
        self.save_weights_only = save_weights_only
        self.last_path = None

    @property
    def best(self):
        return self.tracker.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = self.tracker.value(logs)
            if not self.tracker.improved(current):
                return
            self.tracker.best = current
        try:
            path = self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"ModelCheckpoint: cannot fill in path {self.path!r} from epoch and "
                             f"logs {sorted(logs)}: {e!r}") from None
        if not is_main_process():   # under chainrule.distributed rank 0 writes for everyone
            return
        if self.save_weights_only:
            from .. import io
            io.save(unwrap(self.model).state_dict(), path)
        else:
            save_checkpoint(path, self.model, self.optimizer, self.scheduler,
                            self.train_data, epoch=epoch + 1)
        self.last_path = path


class CallbackList:
    """Calls every callback's hook in order; ``stop_training`` if any callback asks for it."""

    def __init__(self, callbacks, **context):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                warnings.warn(f"fit: callback {cb!r} does not derive from chainrule.train."
                              "Callback; calling the hooks it has", stacklevel=3)
            for name, value in context.items():
                setattr(cb, name, value)

    def call(self, hook, *args):
        for cb in self.callbacks:
            fn = getattr(cb, hook, None)
            if fn is not None:
                fn(*args)

    @property
    def stop_training(self):
        return any(getattr(cb, "stop_training", False) for cb in self.callbacks)
