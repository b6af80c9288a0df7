"""Samplers as torch.utils.data.sampler: they decide which sample indices a DataLoader draws.

Each sampler yields Python ints. The index-order samplers also have ``_order()``, the whole
pass as one NumPy array, which lets BatchSampler and the DataLoader's TensorDataset fast path
slice batches without a Python loop over samples.
"""
import numbers

from ..._backend import xp
from ...random import Generator, numpy_generator
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _positive_int(owner, name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got "
                         f"{name}={value!r}")
    return int(value)


def _check_bool(owner, name, value, error=TypeError):
    if not isinstance(value, bool):
        raise error(f"{owner}: {name} should be a boolean value, but got {name}={value!r}")
    return value


def _generator_np(generator):
    # As torch: without a generator, each pass seeds a fresh one from the global generator,
    # so manual_seed fixes the order and consecutive passes differ.
    if generator is None:
        generator = Generator(int(numpy_generator().integers(2 ** 63)))
    elif not isinstance(generator, Generator):
        raise TypeError(f"sampler: generator must be a chainrule.Generator; got "
                        f"{type(generator).__name__}")
    return generator.np


class Sampler:
    """Base class: subclasses define ``__iter__`` (yielding indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __class_getitem__(cls, item):
        return cls   # `Sampler[int]` in typed code

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class _OrderSampler(Sampler):
    def __iter__(self):
        return iter(self._order().tolist())


class SequentialSampler(_OrderSampler):
    """Indices 0, 1, ..., len(data_source) - 1 in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return xp.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_OrderSampler):
    """Random indices: a fresh permutation each pass, or draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw ``num_samples`` indices independently (with repeats).
        num_samples: how many indices per pass (default: ``len(data_source)``); without
            replacement, more than the length repeats whole permutations, as torch does.
        generator: a chainrule.Generator (default: a fresh one per pass, seeded from the
            global generator).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = _check_bool("RandomSampler", "replacement", replacement)
        self._num_samples = num_samples
        self.generator = generator
        _positive_int("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        n, k = len(self.data_source), self.num_samples
        rng = _generator_np(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k)
        if k == n:
            return rng.permutation(n)
        whole = [rng.permutation(n) for _ in range(k // n)]
        return xp.concatenate(whole + [rng.permutation(n)[:k % n]])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_OrderSampler):
    """The given ``indices`` in a fresh random order each pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _order(self):
        perm = _generator_np(self.generator).permutation(len(self.indices))
        return xp.asarray(self.indices)[perm] if len(perm) else xp.zeros(0, xp.int64)

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_OrderSampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``.

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to 1).
        num_samples: indices per pass.
        replacement: with replacement (default); without, each index appears at most once.
        generator: a chainrule.Generator.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.num_samples = _positive_int("WeightedRandomSampler", "num_samples", num_samples)
        self.replacement = _check_bool("WeightedRandomSampler", "replacement", replacement,
                                       ValueError)
        w = weights._data if isinstance(weights, Tensor) else xp.asarray(weights)
        if w.ndim != 1:
            raise ValueError("WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {tuple(w.shape)}")
        w = w.astype(xp.float64)
        if not xp.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and "
                             "not all zero")
        self.weights = Tensor._from_array(w)
        self.generator = generator

    def _order(self):
        w = self.weights._data
        if not self.replacement and self.num_samples > int((w > 0).sum()):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {self.num_samples} samples "
                               f"without replacement from {int((w > 0).sum())} non-zero weights")
        return _generator_np(self.generator).choice(len(w), size=self.num_samples,
                                                    replace=self.replacement, p=w / w.sum())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: a Sampler or any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
    """

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _positive_int("BatchSampler", "batch_size", batch_size)
        self.drop_last = _check_bool("BatchSampler", "drop_last", drop_last, ValueError)

    def _batches(self):
        """Batches: NumPy slices of one order array when the sampler has one, else lists."""
        bs = self.batch_size
        if hasattr(self.sampler, "_order"):
            order = self.sampler._order()
            stop = len(order) - len(order) % bs if self.drop_last else len(order)
            for start in range(0, stop, bs):
                yield order[start:start + bs]
            return
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == bs:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        for batch in self._batches():
            yield batch if isinstance(batch, list) else batch.tolist()

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
