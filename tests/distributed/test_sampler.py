"""DistributedSampler against torch's: the same indices for every rank, shuffled or not, padded
or dropped, across epochs; and the permutation behind it against torch.randperm."""
import numpy as np
import pytest

import chainrule
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset
from chainrule.utils.data.distributed import torch_randperm


@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 1000])
def test_randperm_is_torchs(torch, n):
    for seed in (0, 1, 41, 2 ** 32 + 3, 2 ** 40 + 7):
        expected = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
        got = torch_randperm(n, seed)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n,replicas", [(10, 2), (11, 2), (10, 3), (7, 4), (2, 5), (1, 3),
                                        (64, 8)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_indices_are_torchs(torch, n, replicas, shuffle, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=5,
                                  drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=shuffle, seed=5,
                              drop_last=drop_last)
        for epoch in (0, 3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            got = list(ours)
            assert got == list(theirs), (rank, epoch)
            assert len(ours) == len(theirs) == len(got)
            assert all(type(i) is int for i in got)


def test_partition_of_an_injected_permutation():
    # Independent of the generator: pad by repeating the start, then stride by rank.
    order = np.array([4, 0, 3, 1, 2])
    parts = [DistributedSampler(range(5), 3, r)._partition(order).tolist() for r in range(3)]
    assert parts == [[4, 1], [0, 2], [3, 4]]
    short = [DistributedSampler(range(2), 5, r)._partition(np.array([1, 0])).tolist()
             for r in range(5)]
    assert short == [[1], [0], [1], [0], [1]]   # padding longer than the data repeats it whole
    dropped = [DistributedSampler(range(5), 2, r, drop_last=True)._partition(order).tolist()
               for r in range(2)]
    assert dropped == [[4, 3], [0, 1]]


def test_shares_cover_the_data_once_and_epochs_differ():
    samplers = [DistributedSampler(range(12), 3, r, seed=1) for r in range(3)]
    first = sorted(i for s in samplers for i in s)
    assert first == list(range(12))
    before = list(samplers[0])
    samplers[0].set_epoch(1)
    assert list(samplers[0]) != before


def test_in_a_dataloader():
    ds = TensorDataset(chainrule.arange(10))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]


def test_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
