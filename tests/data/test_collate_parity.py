"""default_collate against torch's on the same sample structures: types, dtypes, shapes,
values."""
import collections

import numpy as np
import pytest

import chainrule
from chainrule.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x label")


def _samples(lib):
    """Sample lists built the same way for either library (lib makes its own tensors)."""
    r = np.random.default_rng(0)
    arrays = [r.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    return {
        "tuple_of_tensor_and_int": [(lib.tensor(a), i) for i, a in enumerate(arrays)],
        "list_of_arrays": [[a, a.astype(np.float64)] for a in arrays],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5, -2.0],
        "bools": [True, False, True],
        "numpy_scalars": [np.float32(1.5), np.float32(2.5)],
        "numpy_int32_scalars": [np.int32(4), np.int32(5)],
        "zero_dim_arrays": [np.array(1.0, np.float32), np.array(2.0, np.float32)],
        "strings": ["a", "bb", "ccc"],
        "dicts": [{"x": a, "y": i, "name": f"n{i}"} for i, a in enumerate(arrays)],
        "nested": [{"pair": (a[0], [float(i), i]), "meta": {"id": i}}
                   for i, a in enumerate(arrays)],
        "namedtuples": [Point(a[:, 0], i) for i, a in enumerate(arrays)],
        "int64_tensors": [lib.tensor([i, i + 1]) for i in range(3)],
    }


def _compare(ours, theirs, torch, where):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, chainrule.Tensor), where
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), where
        assert tuple(ours.shape) == tuple(theirs.shape), where
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=where)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs), where
        for k in theirs:
            _compare(ours[k], theirs[k], torch, f"{where}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (o, t) in enumerate(zip(ours, theirs)):
            _compare(o, t, torch, f"{where}[{i}]")
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("case", list(_samples(chainrule)))
def test_default_collate_matches_torch(torch, case):
    from torch.utils.data import default_collate as torch_collate
    ours = default_collate(_samples(chainrule)[case])
    theirs = torch_collate(_samples(torch)[case])
    _compare(ours, theirs, torch, case)


@pytest.mark.parametrize("case", ["list_of_arrays", "dicts", "nested", "strings"])
def test_default_convert_matches_torch(torch, case):
    from torch.utils.data import default_convert as torch_convert
    sample = _samples(chainrule)[case][0]
    _compare(default_convert(sample), torch_convert(sample), torch, case)


def test_collate_errors_match_torch_types(torch):
    from torch.utils.data import default_collate as torch_collate
    for bad in ([np.zeros(2), np.zeros(3)], [[1, 2], [1]], [object(), object()],
                [np.array(["a"]), np.array(["b"])]):
        with pytest.raises(Exception) as theirs:
            torch_collate(bad)
        with pytest.raises(theirs.type, match="default_collate"):
            default_collate(bad)
