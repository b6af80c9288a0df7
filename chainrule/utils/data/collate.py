"""default_collate: merges a list of samples into a batch, as torch's does."""
import collections.abc
import numbers

from ..._backend import xp
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def _stack(arrays, what):
    first = arrays[0].shape
    for a in arrays:
        if a.shape != first:
            # RuntimeError, as torch.stack raises for the same mistake.
            raise RuntimeError(f"default_collate: samples in a batch must have equal shapes to be "
                             f"stacked; got {what} of shape {first} and {a.shape} (pass "
                             "collate_fn= to batch them yourself)")
    return Tensor._from_array(xp.stack(arrays))


def default_collate(batch):
    """Merge a list of samples into a batch, as PyTorch's default_collate does.

    Tensors, NumPy arrays and NumPy scalars are stacked into a Tensor with a new first
    dimension (dtype kept); Python floats become a float64 Tensor, ints int64, bools bool;
    strings stay a list; dicts, tuples and lists are collated field by field (a tuple or list
    sample gives a list of batches, a namedtuple a namedtuple).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b._data for b in batch], "tensors")
    if isinstance(elem, (xp.ndarray, xp.generic)):
        if isinstance(elem, xp.ndarray) and elem.dtype.kind not in "biufc":
            raise TypeError(f"default_collate: cannot batch arrays of dtype {elem.dtype}")
        return _stack([xp.asarray(b) for b in batch], "arrays")
    if isinstance(elem, bool):
        return Tensor._from_array(xp.asarray(batch, dtype=xp.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor._from_array(xp.asarray(batch, dtype=xp.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._from_array(xp.asarray(batch, dtype=xp.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("default_collate: each sample of the batch must have the same "
                             f"number of fields; got {sorted({len(b) for b in batch})}")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: samples must be Tensors, arrays, numbers, strings, "
                    f"dicts or sequences; got {type(elem).__name__} (pass collate_fn=)")




def default_convert(sample):
    """What a DataLoader with ``batch_size=None`` yields: NumPy arrays and scalars become
    Tensors (no new batch dimension); everything else is kept, containers converted inside."""
    if isinstance(sample, Tensor):
        return sample
    if isinstance(sample, (xp.ndarray, xp.generic)):
        if sample.dtype.kind not in "biufc":
            return sample
        return Tensor._from_array(xp.asarray(sample))
    if isinstance(sample, (str, bytes)):
        return sample
    if isinstance(sample, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, tuple):
        return [default_convert(v) for v in sample]
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample
