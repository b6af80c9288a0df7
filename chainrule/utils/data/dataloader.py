"""DataLoader: batches of Tensors from a dataset, as torch.utils.data.DataLoader.

Batches are gathered in this process whatever ``num_workers`` says (worker processes buy
nothing for in-memory NumPy data, and cost a fork and pickling per batch). A TensorDataset
(possibly inside Subsets) is gathered with one fancy index per tensor per batch, never a
Python loop over samples. The shuffling order comes from the loader's own Generator, so it is
reproducible and can be checkpointed (``state_dict``).
"""
import numbers

from ..._backend import xp
from ...random import Generator, numpy_generator
from ...tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """None: as in torch's main process (chainrule's loader runs no worker processes)."""
    return None


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


def _check_options(dataset, shuffle, sampler, batch_sampler, batch_size, drop_last,
                   num_workers, timeout, prefetch_factor, persistent_workers):
    """torch's argument rules, with torch's messages, so the same mistakes fail the same way."""
    if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
        raise ValueError("DataLoader: num_workers option should be non-negative; use "
                         "num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("DataLoader: timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                         "otherwise set prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
    if isinstance(dataset, IterableDataset):
        for name, value in (("shuffle", shuffle), ("sampler", sampler),
                            ("batch_sampler", batch_sampler)):
            if value not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"{name} option, but got {name}={value!r}")
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or
                                      drop_last):
        raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                         "batch_size, shuffle, sampler, and drop_last")
    if batch_sampler is None and batch_size is None and drop_last:
        raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                         "mutually exclusive with drop_last")
    if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or
                                   isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"DataLoader: batch_size must be a positive int or None; got "
                         f"{batch_size!r}")


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of Tensors (torch's arguments and rules).

    Args:
        dataset: a map-style Dataset (``__len__``, ``__getitem__``) or an IterableDataset.
        batch_size: samples per batch; None yields single samples (no batch dimension).
        shuffle: reshuffle the order at the start of every pass.
        sampler: a Sampler (or iterable of indices) choosing the samples; excludes shuffle.
        batch_sampler: yields whole lists of indices; excludes batch_size, shuffle, sampler
            and drop_last.
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context,
            prefetch_factor, persistent_workers, pin_memory_device, in_order: accepted with
            torch's checks; batches are made in this process (``worker_init_fn(0)`` is
            called at the start of each pass when ``num_workers > 0``, as one worker would).
        collate_fn: merges a list of samples into a batch (default: default_collate).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the chainrule.Generator that shuffles. By default the loader gets its own,
            seeded from the global generator when the loader is made, so ``manual_seed``
            fixes the order and checkpointing ``loader.generator.get_state()`` (see
            ``state_dict``) resumes it exactly.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        _check_options(dataset, shuffle, sampler, batch_sampler, batch_size, drop_last,
                       num_workers, timeout, prefetch_factor, persistent_workers)
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError("DataLoader: generator must be a chainrule.Generator; got "
                            f"{type(generator).__name__}")
        if generator is None:
            generator = Generator(int(numpy_generator().integers(2 ** 63)))
        self.dataset, self.generator = dataset, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.persistent_workers = worker_init_fn, persistent_workers
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None \
            else prefetch_factor
        self._iterable = isinstance(dataset, IterableDataset)
        self.shuffle = bool(shuffle)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif not self._iterable:
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle \
                    else SequentialSampler(dataset)
            if batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.batch_size, self.drop_last = batch_size, bool(drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn = collate_fn
        self._workers_started = False

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _start_pass(self):
        if self.num_workers > 0 and self.worker_init_fn is not None and \
                not (self.persistent_workers and self._workers_started):
            self.worker_init_fn(0)
        self._workers_started = True

    def __iter__(self):
        self._start_pass()
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            return (convert(self.dataset[i]) for i in self.sampler)
        return self._iter_batches()

    def _iter_batches(self):
        tensors, index_map = (None, None) if self.collate_fn is not None else \
            _tensor_source(self.dataset)
        collate = self.collate_fn or default_collate
        batches = self.batch_sampler._batches() if isinstance(self.batch_sampler, BatchSampler) \
            else iter(self.batch_sampler)
        for idx in batches:
            if tensors is not None:
                idx = xp.asarray(idx, dtype=xp.int64)
                if index_map is not None:
                    idx = index_map[idx]
                yield [Tensor._from_array(t._data[idx]) for t in tensors]
            else:
                yield collate([self.dataset[i] for i in _as_list(idx)])

    def _iter_stream(self):
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            yield from (convert(sample) for sample in self.dataset)
            return
        collate = self.collate_fn or default_collate
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def state_dict(self):
        """The shuffling generator's state: with it a resumed run sees the same data order."""
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state_dict):
        self.generator.set_state(state_dict["generator"])


def _as_list(idx):
    return idx.tolist() if hasattr(idx, "tolist") else list(idx)
