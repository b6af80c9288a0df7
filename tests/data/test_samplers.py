"""Samplers: lengths, coverage, replacement, weighting, seeding, and BatchSampler."""
import numpy as np
import pytest

import chainrule
from chainrule.utils.data import (BatchSampler, RandomSampler, SequentialSampler,
                                  SubsetRandomSampler, WeightedRandomSampler)

DATA = list(range(10))


def test_sequential_sampler_is_in_order():
    s = SequentialSampler(DATA)
    assert len(s) == 10 and list(s) == DATA


def test_random_sampler_is_a_fresh_permutation_each_pass():
    s = RandomSampler(DATA, generator=chainrule.Generator(1))
    a, b = list(s), list(s)
    assert len(s) == 10 and sorted(a) == DATA and sorted(b) == DATA
    assert a != b and all(isinstance(i, int) for i in a)


def test_random_sampler_num_samples_beyond_length_repeats_whole_permutations():
    s = RandomSampler(DATA, num_samples=25, generator=chainrule.Generator(0))
    got = list(s)
    assert len(s) == len(got) == 25
    assert sorted(got[:10]) == DATA and sorted(got[10:20]) == DATA
    assert len(set(got[20:])) == 5


def test_random_sampler_with_replacement_repeats_and_stays_in_range():
    s = RandomSampler(DATA, replacement=True, num_samples=200, generator=chainrule.Generator(0))
    got = np.array(list(s))
    assert len(got) == 200 and got.min() >= 0 and got.max() <= 9
    assert len(np.unique(got)) == 10 and len(np.unique(got)) < 200


def test_random_sampler_without_generator_follows_manual_seed():
    chainrule.manual_seed(5)
    a = list(RandomSampler(DATA))
    chainrule.manual_seed(5)
    assert list(RandomSampler(DATA)) == a


def test_subset_random_sampler_covers_exactly_its_indices():
    idx = [3, 7, 11, 20]
    s = SubsetRandomSampler(idx, generator=chainrule.Generator(0))
    got = list(s)
    assert len(s) == 4 and sorted(got) == idx


def test_weighted_sampler_frequencies_follow_the_weights():
    w = [1.0, 2.0, 0.0, 7.0]
    s = WeightedRandomSampler(w, num_samples=20000, generator=chainrule.Generator(0))
    counts = np.bincount(list(s), minlength=4) / 20000
    np.testing.assert_allclose(counts, np.array(w) / 10, atol=0.015)
    assert counts[2] == 0


def test_weighted_sampler_without_replacement_draws_distinct_nonzero_indices():
    s = WeightedRandomSampler(chainrule.tensor([0.0, 1.0, 1.0, 5.0, 1.0]), num_samples=4,
                              replacement=False, generator=chainrule.Generator(2))
    got = list(s)
    assert sorted(got) == [1, 2, 3, 4]
    too_many = WeightedRandomSampler([0.0, 1.0], num_samples=2, replacement=False)
    with pytest.raises(RuntimeError, match="without replacement"):
        list(too_many)


def test_sampler_argument_errors():
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(DATA, num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(DATA, replacement=1)
    with pytest.raises(ValueError, match="1d"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], -1)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(SequentialSampler(DATA), 0, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(SequentialSampler(DATA), 3, None)


@pytest.mark.parametrize("drop_last, expected", [
    (False, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
    (True, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])])
def test_batch_sampler_groups_in_order(drop_last, expected):
    b = BatchSampler(SequentialSampler(DATA), 3, drop_last)
    assert list(b) == expected and len(b) == len(expected)
    # any iterable of indices works as the inner sampler, as in torch
    assert list(BatchSampler(iter(range(10)), 3, drop_last)) == expected


def test_batch_sampler_matches_torch(torch):
    ours = [list(BatchSampler(range(n), bs, dl)) for n in (7, 8) for bs in (1, 3, 8)
            for dl in (False, True)]
    theirs = [list(torch.utils.data.BatchSampler(range(n), bs, dl)) for n in (7, 8)
              for bs in (1, 3, 8) for dl in (False, True)]
    assert ours == theirs
