"""Resumable training checkpoints: everything that decides what the next epoch does.

A run resumed from ``save_checkpoint`` continues bit for bit as if never interrupted: the
checkpoint holds the weights, the optimizer's moments and step counts, the scheduler, the data
loader's shuffling generator and the global random state (dropout, noise), and the epoch.
"""
from .. import io
from ..random import get_rng_state, set_rng_state
from .ranks import unwrap

__all__ = ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(path, model, optimizer=None, scheduler=None, train_data=None, epoch=None,
                    **extra):
    """Atomically write a resumable checkpoint of a training run to ``path``.

    Args:
        path: file to write (safetensors; see chainrule.save).
        model: the Module (its ``state_dict()``; a DistributedDataParallel's inner module).
        optimizer, scheduler: saved through their ``state_dict()`` when given.
        train_data: a DataLoader (anything with ``state_dict()``): its shuffling state.
        epoch: epochs completed so far; resume with ``fit(..., initial_epoch=epoch)``.
        **extra: more plain values or tensors to store (e.g. ``history=h.history``).
    """
    ckpt = {"model": unwrap(model).state_dict(), "epoch": epoch, "rng": get_rng_state()}
    if optimizer is not None:
        ckpt["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        ckpt["scheduler"] = scheduler.state_dict()
    if train_data is not None and hasattr(train_data, "state_dict"):
        ckpt["data"] = train_data.state_dict()
    ckpt.update(extra)
    io.save(ckpt, path)


def load_checkpoint(path, model, optimizer=None, scheduler=None, train_data=None,
                    restore_rng=True):
    """Restore a run saved by ``save_checkpoint`` into fresh objects of the same kinds.

    Args:
        path: the checkpoint file.
        model, optimizer, scheduler, train_data: objects to load their saved state into
            (those passed as None are skipped).
        restore_rng: also restore the global random generator (needed for exact resumption
            when the model uses dropout or other randomness).
    Returns:
        the whole checkpoint dict (``ckpt["epoch"]`` is the epoch to resume from).
    """
    ckpt = io.load(path)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"load_checkpoint: {path!s} holds no training checkpoint (no 'model' "
                         "entry); for a bare state_dict use model.load_state_dict("
                         "chainrule.load(path))")
    unwrap(model).load_state_dict(ckpt["model"])
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler),
                      ("data", train_data)):
        if obj is None or (name == "data" and not hasattr(obj, "load_state_dict")):
            continue
        if name not in ckpt:
            raise ValueError(f"load_checkpoint: {path!s} has no {name} state to restore")
        obj.load_state_dict(ckpt[name])
    if restore_rng and "rng" in ckpt:
        set_rng_state(ckpt["rng"])
    return ckpt
