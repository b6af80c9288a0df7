"""Resumable training checkpoints: everything that decides what the next epoch does.

A run resumed from ``save_checkpoint`` continues bit for bit as if never interrupted: the
checkpoint holds the weights, the optimizer's moments and step counts, the scheduler, the data
loader's shuffling generator and the global random state (dropout, noise), and the epoch.
"""
from .. import io
from ..random import Generator, get_rng_state, set_rng_state
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

    All or nothing: every entry is checked first, then applied; if one is refused the objects
    restored before it are put back, so a refused file leaves model, optimizer, scheduler,
    data loader and random state exactly as they were.

    Args:
        path: the checkpoint file (a path or a binary file object).
        model, optimizer, scheduler, train_data: objects to load their saved state into
            (those passed as None are skipped).
        restore_rng: also restore the global random generator (needed for exact resumption
            when the model uses dropout or other randomness).
    Returns:
        the whole checkpoint dict (``ckpt["epoch"]`` is the epoch to resume from).
    Raises:
        ValueError naming the file for any malformed, hostile or mismatched checkpoint;
        FileNotFoundError, IsADirectoryError, PermissionError from opening it.
    """
    ckpt = io.load(path)
    where = f"load_checkpoint: {io.source_name(path)}"
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("model"), dict):
        raise ValueError(f"{where} holds no training checkpoint (no 'model' state dict); for a "
                         "bare state_dict use model.load_state_dict(chainrule.load(path))")
    parts = [("model", unwrap(model))]   # a DistributedDataParallel loads its inner module
    for key, obj in (("optimizer", optimizer), ("scheduler", scheduler), ("data", train_data)):
        if obj is None or (key == "data" and not hasattr(obj, "load_state_dict")):
            continue
        if key not in ckpt:
            raise ValueError(f"{where} has no {key} state to restore")
        if not isinstance(ckpt[key], dict):
            raise ValueError(f"{where}: its {key} entry is a {type(ckpt[key]).__name__}, not "
                             "a state dict")
        parts.append((key, obj))
    rng = ckpt.get("rng") if restore_rng else None
    if rng is not None:
        _check_rng_state(where, "rng", rng)
    if "data" in dict(parts) and "generator" in ckpt["data"]:
        _check_rng_state(where, "data.generator", ckpt["data"]["generator"])
    # Apply the model last: its load_state_dict checks everything before it copies, so once it
    # succeeds nothing else can fail; the others are undone if anything after them fails.
    parts = parts[1:] + parts[:1]
    undo = []
    try:
        for key, obj in parts:
            undo.append(_snapshot(obj))
            obj.load_state_dict(ckpt[key])
    except Exception as e:
        for restore in reversed(undo):
            restore()
        raise ValueError(f"{where}: cannot restore its {key} state: {type(e).__name__}: "
                         f"{e}") from e
    if rng is not None:
        set_rng_state(rng)
    return ckpt


def _check_rng_state(where, key, state):
    """Try ``state`` on a scratch generator: a malformed one raises there, not halfway through
    restoring the run."""
    try:
        Generator().set_state(state)
    except Exception as e:
        raise ValueError(f"{where}: its {key} entry is not a valid random generator state "
                         f"({type(e).__name__}: {str(e)[:120]})") from None


def _snapshot(obj):
    """A function that puts ``obj``'s attributes back as they are now. Optimizers and
    schedulers replace (never mutate) what load_state_dict changes, and a data loader's
    state is its generator's, so a shallow copy of the attributes plus the generator state
    is enough; the model needs none (it loads all or nothing)."""
    attrs = dict(vars(obj)) if hasattr(obj, "__dict__") else None
    gen = getattr(obj, "generator", None)
    gen_state = gen.get_state() if hasattr(gen, "get_state") else None
    # LambdaLR also loads state into its callable lambda objects
    lambdas = [(fn, dict(vars(fn))) for fn in getattr(obj, "lr_lambdas", ())
               if hasattr(fn, "__dict__")]

    def restore():
        if attrs is not None:
            vars(obj).clear()
            vars(obj).update(attrs)
        if gen_state is not None:
            gen.set_state(gen_state)
        for fn, saved in lambdas:
            vars(fn).clear()
            vars(fn).update(saved)
    return restore
