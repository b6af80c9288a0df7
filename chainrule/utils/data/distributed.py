"""DistributedSampler: each rank of a data-parallel job reads its own share of the dataset.

The partition is torch's: the epoch's order (a permutation seeded with ``seed + epoch``, or
0..n-1) is padded by repeating its start up to a multiple of ``num_replicas`` (or truncated
with ``drop_last``), and rank r takes every ``num_replicas``-th index starting at r.

The shuffled order is also torch's, index for index: ``torch.randperm(n,
generator=torch.Generator().manual_seed(seed + epoch))`` on the CPU draws from the standard
MT19937 seeded with the low 32 bits of the seed (init_genrand) and, for n below 2**32 / 20,
swaps position i with i + (next 32-bit output mod (n - i)) for i = 0..n-2. NumPy's MT19937
with the legacy seeding is that same generator, so ``torch_randperm`` reproduces it exactly.
"""
import math
import numbers

from ..._backend import xp
from .sampler import Sampler

__all__ = ["DistributedSampler", "torch_randperm"]

# torch switches to another algorithm above this n; chainrule keeps the one below it.
_TORCH_SMALL_N = (2 ** 32 - 1) // 20


def torch_randperm(n, seed):
    """The permutation ``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``
    gives on the CPU (for n < 214,748,364, where torch uses this algorithm), as int64."""
    legacy = xp.random.RandomState(int(seed) & 0xFFFFFFFF)   # init_genrand(seed), as torch
    mt = xp.random.MT19937()
    mt.state = legacy.get_state(legacy=False)
    perm = list(range(n))
    if n > 1:
        offsets = (mt.random_raw(n - 1) % xp.arange(n, 1, -1, dtype=xp.uint64)).tolist()
        # Each swap reads the previous ones' result, so this loop is inherently sequential
        # (about a second per million indices on a busy 2-core machine, once per epoch); the
        # draws above are vectorised.
        for i, k in enumerate(offsets):
            j = i + k
            perm[i], perm[j] = perm[j], perm[i]
    return xp.array(perm, dtype=xp.int64)


def _rank_args(num_replicas, rank):
    if num_replicas is None or rank is None:
        from ... import distributed as dist
        if num_replicas is None:
            num_replicas = dist.get_world_size()   # raises torch's error without a group
        if rank is None:
            rank = dist.get_rank()
    for name, v in (("num_replicas", num_replicas), ("rank", rank)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"DistributedSampler: {name} must be an int, got {v!r}")
    if num_replicas <= 0:
        raise ValueError(f"DistributedSampler: num_replicas must be positive, got {num_replicas}")
    if rank >= num_replicas or rank < 0:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                         f"[0, {num_replicas - 1}]")
    return int(num_replicas), int(rank)


class DistributedSampler(Sampler):
    """Restricts a DataLoader to this rank's share of ``dataset``, as torch's.

    Args:
        dataset: anything with ``len()``.
        num_replicas: number of ranks (default: the process group's world size).
        rank: this rank (default: the process group's rank).
        shuffle: a fresh permutation each epoch (seeded with ``seed + epoch``, the same on all
            ranks, so the shares never overlap); call ``set_epoch(epoch)`` before each epoch,
            or every epoch repeats the first one's order.
        seed: the shuffling seed; it must be the same on every rank.
        drop_last: drop the tail so every rank gets ``len(dataset) // num_replicas``
            samples, instead of padding with the order's first indices.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        self.num_replicas, self.rank = _rank_args(num_replicas, rank)
        self.dataset, self.shuffle, self.seed = dataset, bool(shuffle), int(seed)
        self.drop_last, self.epoch = bool(drop_last), 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """Use the order of ``epoch`` for the next pass (call it at each epoch's start)."""
        self.epoch = int(epoch)

    def _full_order(self):
        n = len(self.dataset)
        if self.shuffle:
            return torch_randperm(n, self.seed + self.epoch)
        return xp.arange(n, dtype=xp.int64)

    def _partition(self, order):
        """This rank's indices from the epoch's whole ``order`` (pad or cut, then stride)."""
        order = xp.asarray(order, dtype=xp.int64)
        if not self.drop_last:
            missing = self.total_size - len(order)
            if missing > 0:
                # repeat the order's start (whole copies when it is shorter than the padding)
                order = xp.concatenate([order, xp.resize(order, missing)])
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]

    def _order(self):
        return self._partition(self._full_order())

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples
