"""Datasets as torch.utils.data.dataset: map-style and iterable, and ways to combine them."""
import bisect
import math
import numbers

from ..._backend import xp
from ...random import numpy_generator
from ...tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __class_getitem__(cls, item):
        return cls   # `Dataset[Tuple[Tensor, int]]` in typed code, as torch's Generic allows

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of stream-style datasets: subclasses define ``__iter__`` (yielding samples).

    A DataLoader batches what the iterator yields, in order; it takes no sampler or shuffle.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it; it "
                        "does not support indexing")


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


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after another.

    Attributes:
        datasets: the datasets; cumulative_sizes: running totals of their lengths.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for ds in self.datasets:
            if isinstance(ds, IterableDataset):
                raise TypeError("ConcatDataset: does not support IterableDataset "
                                f"({type(ds).__name__})")
        self.cumulative_sizes, total = [], 0
        for ds in self.datasets:
            total += len(ds)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            if -index > n:
                raise ValueError(f"ConcatDataset: index {index} is out of range for length {n}")
            index += n
        if index >= n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


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


