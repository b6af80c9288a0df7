"""fit / evaluate / predict: the training loop every PyTorch user writes, written once.

Per epoch fit() does, in order: model.train(); for each (x, y) batch zero_grad, forward,
loss, backward, optional gradient clipping, optimizer.step(); then validation in eval mode under
no_grad; scheduler.step() (ReduceLROnPlateau gets the monitored loss); callbacks' on_epoch_end.

Under chainrule.distributed (mpiexec, a DistributedDataParallel model) see ranks.py: rank 0
alone prints and writes files, the logs are averaged over ranks, and all ranks stop together.
"""
import contextlib
import math
import numbers

from ..autograd import no_grad
from ..tensor import Tensor
from .callbacks import CallbackList
from .history import History
from .metric_set import MetricSet
from .progress import progress_bar
from .ranks import agree_to_stop, average_logs, is_main_process

__all__ = ["fit", "evaluate", "predict"]


def _as_batches(data, op):
    """A re-iterable of batches: a DataLoader/list as is, an (x, y) pair of arrays as one batch."""
    if isinstance(data, (tuple, list)) and len(data) in (1, 2) and all(
            isinstance(d, Tensor) or hasattr(d, "__array_interface__") for d in data):
        return [tuple(d if isinstance(d, Tensor) else Tensor._from_array(d) for d in data)]
    if isinstance(data, Tensor) or hasattr(data, "__array_interface__"):
        return [(data if isinstance(data, Tensor) else Tensor._from_array(data),)]
    if not hasattr(data, "__iter__"):
        raise TypeError(f"{op}: data must be a DataLoader or an iterable of (inputs, targets) "
                        f"batches; got {type(data).__name__}")
    return data


def _pair(batch, op):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    n = f"a {type(batch).__name__} of {len(batch)}" if isinstance(batch, (tuple, list)) \
        else f"a {type(batch).__name__}"
    raise ValueError(f"{op}: each batch must be an (inputs, targets) pair; got {n}")


def _inputs(batch):
    if isinstance(batch, (tuple, list)):
        return batch[0]
    return batch


def _count(y):
    shape = getattr(y, "shape", None)
    return shape[0] if shape else 1


def _check_loss(loss, op, step):
    value = float(loss.item()) if isinstance(loss, Tensor) else float(loss)
    if not math.isfinite(value):
        raise FloatingPointError(f"{op}: the loss became {value} at batch {step}; lower the "
                                 "learning rate, clip gradients (clip_grad_norm=) or check the "
                                 "data for NaN/inf")
    return value


def _is_plateau(scheduler):
    return any(c.__name__ == "ReduceLROnPlateau" for c in type(scheduler).__mro__)


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else None


@contextlib.contextmanager
def _inference(model):
    """Eval mode and no_grad inside; the model's previous mode restored after."""
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    try:
        with no_grad():
            yield
    finally:
        if was_training is not None:
            model.train(was_training)


def _run_eval(model, data, loss_fn, metric_set, op):
    total, n = 0.0, 0
    metric_set.reset()
    with _inference(model):
        for step, batch in enumerate(_as_batches(data, op)):
            x, y = _pair(batch, op)
            out = model(x)
            if loss_fn is not None:
                k = _count(y)
                total += _check_loss(loss_fn(out, y), op, step) * k
                n += k
            if metric_set:
                metric_set.update(out, y)
    logs = {"loss": total / n} if n else {}
    logs.update(metric_set.compute())
    return logs, n


def evaluate(model, data, loss_fn=None, metrics=()):
    """Average loss and metrics of ``model`` over ``data`` (eval mode, no gradients).

    Args:
        model: a Module (any callable with train()/eval()).
        data: a DataLoader or iterable of (inputs, targets) batches, or an (x, y) pair.
        loss_fn: e.g. nn.CrossEntropyLoss(); the reported loss is the mean over samples.
        metrics: names ("accuracy", "precision", "recall", "f1") or streaming metric objects.
    Returns:
        dict like {"loss": 0.08, "accuracy": 0.975}. The model's train/eval mode is restored.
    """
    return _run_eval(model, data, loss_fn, MetricSet(metrics), "evaluate")[0]


def predict(model, data):
    """Model outputs for every batch of ``data``, concatenated (eval mode, no gradients).

    Args:
        data: a Tensor or array of inputs, or a DataLoader/iterable whose batches are inputs or
            (inputs, targets) pairs.
    Returns:
        Tensor of outputs, batches joined along dim 0.
    """
    from ..ops.shape import cat
    outs = []
    with _inference(model):
        for batch in _as_batches(data, "predict"):
            outs.append(model(_inputs(batch)))
    if not outs:
        raise ValueError("predict: data yielded no batches")
    return outs[0] if len(outs) == 1 else cat(outs, 0)


def _check_fit_args(loss_fn, optimizer, epochs, initial_epoch, clip_grad_norm):
    if isinstance(loss_fn, type):      # calling the class would build a loss, not compute one
        raise TypeError(f"fit: loss_fn is the class {loss_fn.__name__}; pass an instance, e.g. "
                        f"loss_fn={loss_fn.__name__}()")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable, e.g. nn.CrossEntropyLoss(); got "
                        f"{type(loss_fn).__name__}")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise TypeError(f"fit: optimizer must have step() and zero_grad(); got "
                        f"{type(optimizer).__name__}")
    for name, v in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
            raise ValueError(f"fit: {name} must be a non-negative int; got {v!r}")
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(f"fit: clip_grad_norm must be a positive max norm; got "
                         f"{clip_grad_norm!r}")


def _train_epoch(model, data, loss_fn, optimizer, metric_set, clip, callbacks, bar):
    model.train()
    metric_set.reset()
    params = list(model.parameters()) if clip is not None else None
    total, n = 0.0, 0
    logs = {}
    for step, batch in enumerate(data):
        x, y = _pair(batch, "fit")
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        if clip is not None:
            from ..nn.utils import clip_grad_norm_
            clip_grad_norm_(params, clip)
        optimizer.step()
        value = _check_loss(loss, "fit", step)
        k = _count(y)
        total, n = total + value * k, n + k
        if metric_set:
            metric_set.update(out.detach(), y)
        logs = {"loss": total / n}
        callbacks.call("on_batch_end", step, {"loss": value, "size": k})
        bar.update(logs)
    if n == 0:
        raise ValueError("fit: train_data yielded no batches (an empty dataset, drop_last with "
                         "fewer samples than batch_size, or a one-shot generator already "
                         "used up? pass a DataLoader)")
    logs.update(metric_set.compute())
    return average_logs(logs, n)


def fit(model, train_data, *, loss_fn, optimizer, epochs=1, val_data=None, metrics=(),
        callbacks=(), scheduler=None, clip_grad_norm=None, progress=True, initial_epoch=0):
    """Train ``model`` for ``epochs`` epochs and return the History of losses and metrics.

    Args:
        model: a Module.
        train_data: a DataLoader (or any re-iterable of (inputs, targets) batches).
        loss_fn: callable (outputs, targets) -> scalar loss Tensor, e.g. nn.CrossEntropyLoss().
        optimizer: e.g. optim.Adam(model.parameters()).
        epochs: index of the last epoch + 1 (with initial_epoch, as in Keras).
        val_data: data evaluated after every epoch (eval mode, no_grad): a DataLoader,
            iterable of batches, or an (x, y) pair.
        metrics: names ("accuracy", "precision", "recall", "f1"; precision/recall/F1 are
            macro averages over classes for multiclass outputs) or streaming metric objects
            (or a dict {name: metric}); tracked on training and validation data.
        callbacks: Callback objects (EarlyStopping, ModelCheckpoint, your own).
        Under chainrule.distributed, losses and metrics are averaged over ranks (weighted by
        samples), a DistributedSampler behind ``train_data`` gets ``set_epoch(epoch)`` at each
        epoch, and training stops on all ranks when a callback stops it on any.
        scheduler: an lr_scheduler, stepped once per epoch; ReduceLROnPlateau gets
            val_loss (or loss without val_data).
        clip_grad_norm: when set, clip the global gradient norm to this before each step.
        progress: show a progress bar per epoch (only when stdout is a terminal, and only on
            rank 0 under chainrule.distributed).
        initial_epoch: epoch to start at (resuming: the ``epoch`` of a checkpoint).
    Returns:
        History; ``history.history`` maps "loss", metric names, "val_loss", "val_<metric>"
        and "lr" to per-epoch lists.
    """
    _check_fit_args(loss_fn, optimizer, epochs, initial_epoch, clip_grad_norm)
    train_data = _as_batches(train_data, "fit")
    train_metrics, val_metrics = MetricSet(metrics), MetricSet(metrics)
    history = History()
    cbs = CallbackList([history, *callbacks], model=model, optimizer=optimizer,
                       scheduler=scheduler, train_data=train_data)
    total = len(train_data) if hasattr(train_data, "__len__") else None
    progress = progress and is_main_process()
    sampler = getattr(train_data, "sampler", None)
    cbs.call("on_train_begin", {})
    logs = {}
    for epoch in range(initial_epoch, epochs):
        if hasattr(sampler, "set_epoch"):   # DistributedSampler: a new shuffle per epoch
            sampler.set_epoch(epoch)
        cbs.call("on_epoch_begin", epoch, {})
        lr = _lr(optimizer)
        bar = progress_bar(total, f"Epoch {epoch + 1}/{epochs}", progress)
        try:
            logs = _train_epoch(model, train_data, loss_fn, optimizer, train_metrics,
                                clip_grad_norm, cbs, bar)
            if val_data is not None:
                val, n = _run_eval(model, val_data, loss_fn, val_metrics, "fit (validation)")
                val = average_logs(val, n)
                logs.update({"val_" + k: v for k, v in val.items()})
        finally:
            bar.close(logs)
        if lr is not None:
            logs["lr"] = lr
        if scheduler is not None:
            if _is_plateau(scheduler):
                scheduler.step(logs["val_loss" if "val_loss" in logs else "loss"])
            else:
                scheduler.step()
        cbs.call("on_epoch_end", epoch, logs)
        if agree_to_stop(cbs.stop_training):
            break
    cbs.call("on_train_end", logs)
    return history
