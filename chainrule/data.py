"""Datasets and the DataLoader that turns them into shuffled mini-batches of Tensors.

As in PyTorch: a Dataset answers ``len(ds)`` and ``ds[i]``; a DataLoader draws index batches
(shuffled by its own Generator, so the data order is reproducible and can be checkpointed) and
collates the samples into Tensors. A TensorDataset batch is gathered with one fancy index per
tensor, never a Python loop over samples.
"""
import collections.abc
import math
import numbers

from ._backend import xp
from .random import Generator, numpy_generator
from .tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
           "random_split"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``.

    Args:
        *tensors: Tensors or NumPy arrays with the same first dimension (arrays are wrapped
            without a copy).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._from_array(xp.asarray(t))
                             for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: all tensors must have the same size in the first "
                             f"dimension; got shapes {shapes}")

    def __getitem__(self, index):
        return tuple(Tensor._from_array(t._data[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    Args:
        dataset: the Dataset to split.
        lengths: sizes that sum to ``len(dataset)``, or fractions that sum to 1 (the
            remainder of flooring is handed out one by one from the first subset on, as
            PyTorch does).
        generator: the chainrule.Generator of the permutation (default: the global one).
    Returns:
        list of Subset.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(f, float) for f in lengths):
        if not math.isclose(sum(lengths), 1.0) or any(f < 0 for f in lengths):
            raise ValueError(f"random_split: fractions must be >= 0 and sum to 1; got "
                             f"{lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(k, numbers.Integral) or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing "
                         f"to 1; got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths {sum(lengths)} does not equal the "
                         f"length of the input dataset {n}")
    perm = numpy_generator(generator).permutation(n).tolist()
    out, start = [], 0
    for k in lengths:
        out.append(Subset(dataset, perm[start:start + k]))
        start += k
    return out


def _stack(arrays, what):
    first = arrays[0].shape
    for a in arrays:
        if a.shape != first:
            raise ValueError(f"default_collate: samples in a batch must have equal shapes to be "
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
            raise ValueError("default_collate: each sample of the batch must have the same "
                             f"number of fields; got {sorted({len(b) for b in batch})}")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: samples must be Tensors, arrays, numbers, strings, "
                    f"dicts or sequences; got {type(elem).__name__} (pass collate_fn=)")


def _tensor_source(dataset):
    """(tensors, index map or None) when ``dataset`` is a TensorDataset, maybe inside Subsets."""
    index_map = None
    while isinstance(dataset, Subset):
        idx = xp.asarray(dataset.indices, dtype=xp.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is TensorDataset:
        return dataset.tensors, index_map
    return None, None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of Tensors.

    Args:
        dataset: a Dataset (anything with ``__len__`` and ``__getitem__``).
        batch_size: samples per batch.
        shuffle: reshuffle the order at the start of every pass.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: merges a list of samples into a batch (default: default_collate).
        generator: the chainrule.Generator that shuffles. By default the loader gets its own,
            seeded from the global generator when the loader is made, so ``manual_seed``
            fixes the order and checkpointing ``loader.generator.get_state()`` (see
            ``state_dict``) resumes it exactly.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 generator=None, num_workers=0, pin_memory=False, **ignored):
        # num_workers, pin_memory, persistent_workers, ... are accepted so PyTorch code runs
        # unchanged; batches are gathered in this process (one fancy index per tensor for a
        # TensorDataset, which is faster than worker processes for in-memory data).
        unknown = set(ignored) - {"persistent_workers", "prefetch_factor", "timeout",
                                  "worker_init_fn", "multiprocessing_context", "sampler",
                                  "batch_sampler", "pin_memory_device", "in_order"}
        if unknown:
            raise TypeError(f"DataLoader: unexpected arguments {sorted(unknown)}")
        if ignored.get("sampler") is not None or ignored.get("batch_sampler") is not None:
            raise NotImplementedError("DataLoader: sampler and batch_sampler are not supported; "
                                      "use shuffle= and batch_size=")
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or \
                batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int; got {batch_size!r}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError("DataLoader: generator must be a chainrule.Generator; got "
                            f"{type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        if generator is None:
            generator = Generator(int(numpy_generator().integers(2 ** 63)))
        self.generator = generator

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            return self.generator.np.permutation(n)
        return xp.arange(n)

    def __iter__(self):
        order = self._order()
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        tensors, index_map = (None, None) if self.collate_fn is not None else \
            _tensor_source(self.dataset)
        collate = self.collate_fn or default_collate
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if tensors is not None:
                if index_map is not None:
                    idx = index_map[idx]
                yield [Tensor._from_array(t._data[idx]) for t in tensors]
            else:
                yield collate([self.dataset[int(i)] for i in idx])

    def state_dict(self):
        """The shuffling generator's state: with it a resumed run sees the same data order."""
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state_dict):
        self.generator.set_state(state_dict["generator"])
