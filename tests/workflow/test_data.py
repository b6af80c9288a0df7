"""DataLoader, TensorDataset, default_collate and random_split."""
import collections

import numpy as np
import pytest

import chainrule
from chainrule.data import (DataLoader, Dataset, Subset, TensorDataset, default_collate,
                            random_split)


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


def test_batches_are_tensors_in_order_without_shuffle():
    x, y = _xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    for xb, yb in batches:
        assert isinstance(xb, chainrule.Tensor) and isinstance(yb, chainrule.Tensor)
        assert xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)


def test_drop_last():
    x, y = _xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(b[0]) for b in loader] == [4, 4]
    assert len(DataLoader(TensorDataset(x, y), batch_size=5, drop_last=True)) == 2


def test_shuffle_is_a_permutation_reshuffled_each_epoch_and_seeded():
    x, y = _xy(50)
    chainrule.manual_seed(3)
    loader = DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True)
    e1 = np.concatenate([b[1].numpy() for b in loader])
    e2 = np.concatenate([b[1].numpy() for b in loader])
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert not np.array_equal(e1, np.arange(50)) and not np.array_equal(e1, e2)
    # rows stay paired with their labels
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy()[:, 0] // 3, yb.numpy())
    chainrule.manual_seed(3)
    again = DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in again]), e1)


def test_shuffle_with_explicit_generator_and_state_dict_resume():
    x, y = _xy(20)
    ds = TensorDataset(x, y)
    a = DataLoader(ds, batch_size=5, shuffle=True, generator=chainrule.Generator(7))
    b = DataLoader(ds, batch_size=5, shuffle=True, generator=chainrule.Generator(7))
    first = [yb.numpy() for _, yb in a]
    np.testing.assert_array_equal(np.concatenate(first),
                                  np.concatenate([yb.numpy() for _, yb in b]))
    state = a.state_dict()
    nxt = np.concatenate([yb.numpy() for _, yb in a])
    c = DataLoader(ds, batch_size=5, shuffle=True, generator=chainrule.Generator(99))
    c.load_state_dict(state)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in c]), nxt)


def test_fast_path_matches_generic_collate_and_follows_subsets():
    x, y = _xy(30)
    ds = TensorDataset(x, y)
    sub = Subset(Subset(ds, list(range(29, -1, -1))), [0, 5, 7, 2, 9])
    fast = list(DataLoader(sub, batch_size=2))
    slow = list(DataLoader(sub, batch_size=2, collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in fast]),
                                  [29, 24, 22, 27, 20])


def test_fast_path_uses_one_fancy_index_per_tensor(monkeypatch):
    x, y = _xy(12)
    ds = TensorDataset(x, y)
    monkeypatch.setattr(TensorDataset, "__getitem__",
                        lambda self, i: pytest.fail("per-sample __getitem__ on the fast path"))
    assert len(list(DataLoader(ds, batch_size=4, shuffle=True))) == 3


class _Dicts(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float64), "n": i, "f": i / 2, "s": f"s{i}",
                "pair": (np.int32(i), True)}


def test_default_collate_nested_structures_and_number_dtypes():
    b = next(iter(DataLoader(_Dicts(), batch_size=3)))
    assert b["x"].shape == (3, 2) and b["x"].dtype == np.float64
    assert b["n"].dtype == np.int64 and b["n"].tolist() == [0, 1, 2]
    assert b["f"].dtype == np.float64 and b["f"].tolist() == [0.0, 0.5, 1.0]
    assert b["s"] == ["s0", "s1", "s2"]
    assert isinstance(b["pair"], list) and b["pair"][0].dtype == np.int32
    assert b["pair"][1].dtype == np.bool_
    P = collections.namedtuple("P", "a b")
    out = default_collate([P(chainrule.tensor([1.0]), 1), P(chainrule.tensor([2.0]), 2)])
    assert isinstance(out, P) and out.a.shape == (2, 1)


def test_default_collate_errors_are_clear():
    with pytest.raises(RuntimeError, match=r"default_collate: .*\(2,\) and \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_constructor_errors():
    with pytest.raises(ValueError, match="TensorDataset"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)


def test_random_split_lengths_and_fractions():
    ds = TensorDataset(np.arange(10))
    a, b = random_split(ds, [7, 3], generator=chainrule.Generator(0))
    assert len(a) == 7 and len(b) == 3
    got = sorted(int(a[i][0].item()) for i in range(7)) + sorted(int(b[i][0].item())
                                                                 for i in range(3))
    assert sorted(got) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=chainrule.Generator(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert [len(p) for p in random_split(TensorDataset(np.arange(11)), [0.5, 0.5])] == [6, 5]
    a2, _ = random_split(ds, [7, 3], generator=chainrule.Generator(0))
    assert a2.indices == a.indices
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.4])
