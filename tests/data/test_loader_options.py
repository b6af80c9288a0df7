"""DataLoader: samplers, batch samplers, batch_size=None, iterable and concatenated datasets,
worker options, and torch's argument errors."""
import numpy as np
import pytest

import chainrule
from chainrule.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                  IterableDataset, SequentialSampler, Subset,
                                  SubsetRandomSampler, TensorDataset, WeightedRandomSampler)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _labels(loader):
    return [int(v) for batch in loader for v in batch[1].tolist()]


def test_sampler_chooses_the_samples_and_the_fast_path_follows_it():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    sampler = SubsetRandomSampler([1, 3, 5], generator=chainrule.Generator(0))
    for ds in (TensorDataset(x, y), Squares(10)):
        loader = DataLoader(ds, batch_size=2, sampler=sampler)
        assert len(loader) == 2 and sorted(_labels(loader)) == [1, 3, 5]


def test_weighted_sampler_in_a_loader():
    w = [0.0] * 5 + [1.0] * 5
    loader = DataLoader(Squares(10), batch_size=4, sampler=WeightedRandomSampler(
        w, num_samples=12, generator=chainrule.Generator(0)))
    got = _labels(loader)
    assert len(got) == 12 and min(got) >= 5


def test_batch_sampler_gives_whole_batches():
    bs = BatchSampler(SequentialSampler(range(7)), 3, drop_last=True)
    loader = DataLoader(Squares(7), batch_sampler=bs)
    assert len(loader) == 2
    assert [b[1].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]
    lists = DataLoader(Squares(7), batch_sampler=[[6, 0], [2]])
    assert [b[1].tolist() for b in lists] == [[6, 0], [2]]


def test_batch_size_none_yields_converted_single_samples():
    items = list(DataLoader(Squares(3), batch_size=None))
    assert len(items) == 3
    x, i = items[2]
    assert isinstance(x, chainrule.Tensor) and x.shape == (2,) and i == 2


def test_iterable_dataset_batches_in_stream_order():
    loader = DataLoader(Stream(7), batch_size=3)
    assert len(loader) == 3
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]


def test_concat_dataset_and_plus():
    cat = ConcatDataset([Squares(3), Subset(Squares(10), [7, 8])])
    assert len(cat) == 5 and [cat[i][1] for i in range(5)] == [0, 1, 2, 7, 8]
    assert cat[-1][1] == 8 and (Squares(2) + Squares(3))[4][1] == 2
    with pytest.raises(IndexError):
        cat[5]
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Stream(2)])


def test_worker_options_are_accepted_and_run_in_process():
    seen = []
    loader = DataLoader(Squares(4), batch_size=2, num_workers=2, pin_memory=True,
                        worker_init_fn=seen.append, persistent_workers=True,
                        prefetch_factor=4)
    assert _labels(loader) == [0, 1, 2, 3] and _labels(loader) == [0, 1, 2, 3]
    assert seen == [0]


def test_generator_drives_shuffle_and_checkpoint_state():
    a = DataLoader(Squares(12), batch_size=4, shuffle=True, generator=chainrule.Generator(3))
    b = DataLoader(Squares(12), batch_size=4, shuffle=True, generator=chainrule.Generator(3))
    assert _labels(a) == _labels(b)
    state = a.state_dict()
    nxt = _labels(a)
    b.load_state_dict(state)
    assert _labels(b) == nxt and sorted(nxt) == list(range(12))


@pytest.mark.parametrize("kwargs, message", [
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(timeout=-1), "timeout"),
    (dict(batch_size=0), "batch_size"),
])
def test_mutually_exclusive_options_fail_as_in_torch(torch, kwargs, message):
    from torch.utils.data import DataLoader as TorchLoader
    with pytest.raises(ValueError):
        TorchLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError, match=message):
        DataLoader(Squares(4), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]),
                                    dict(batch_sampler=[[0]])])
def test_iterable_dataset_refuses_sampling_options(kwargs):
    with pytest.raises(ValueError, match="IterableDataset: expected unspecified"):
        DataLoader(Stream(3), **kwargs)


def test_chainrule_data_is_the_same_module():
    import chainrule.data
    import chainrule.utils.data
    assert chainrule.data is chainrule.utils.data
    assert chainrule.data.DataLoader is chainrule.utils.data.dataloader.DataLoader


def test_typed_subclasses_and_worker_info():
    from chainrule.utils.data import Sampler, get_worker_info

    class Typed(Dataset[int]):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    assert issubclass(Typed, Dataset) and Sampler[int] is Sampler
    assert [b.tolist() for b in DataLoader(Typed(), batch_size=2)] == [[0, 1]]
    assert get_worker_info() is None
