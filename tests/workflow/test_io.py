"""chainrule.save / chainrule.load: round trips, atomic writes, hostile files, PyTorch interop."""
import json
import os
import pickle
import struct

import numpy as np
import pytest

import chainrule
from chainrule import io


def _nested():
    return {
        "model": {"fc1.weight": chainrule.randn(4, 3), "fc1.bias": chainrule.zeros(4),
                  "f64": chainrule.tensor(np.linspace(0, 1, 5)), "ints": chainrule.arange(6),
                  "mask": chainrule.tensor([True, False])},
        "optimizer": {"state": {0: {"step": 7, "exp_avg": np.full((2, 2), 0.25, np.float32)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "amsgrad": False, "foreach": None}]},
        "epoch": 3, "name": "run-α", "loss": 0.1 + 0.2, "nan": float("nan"),
        "inf": float("inf"), "ninf": -float("inf"), "big": 2 ** 100,
        "np_scalar": np.float32(1.5), "half": np.ones((2, 3), np.float16), "empty": [],
        "zero_d": chainrule.tensor(2.0), "rng": chainrule.get_rng_state(),
    }


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, chainrule.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_round_trip_nested_structure_keeps_types_and_dtypes(tmp_path):
    obj = _nested()
    io.save(obj, tmp_path / "ck.safetensors")
    _assert_same(obj, chainrule.load(tmp_path / "ck.safetensors"))
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # no temporary file left behind


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_gets_normal_permissions_not_mkstemps_0600(tmp_path):
    mask = os.umask(0o022)
    try:
        io.save({"a": 1}, tmp_path / "m.safetensors")
        assert (tmp_path / "m.safetensors").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "m.safetensors", 0o600)  # a replaced file keeps its mode
        io.save({"a": 2}, tmp_path / "m.safetensors")
        assert (tmp_path / "m.safetensors").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(mask)


def test_plain_values_and_single_tensor_round_trip(tmp_path):
    for obj in (3, None, "x", [1, 2.5, True], chainrule.ones(2, 2), np.arange(3)):
        io.save(obj, tmp_path / "v.safetensors")
        _assert_same(obj, io.load(tmp_path / "v.safetensors"))


def test_flat_state_dict_keeps_its_names_for_other_tools(tmp_path):
    from safetensors.numpy import load_file
    sd = {"fc1.weight": chainrule.randn(2, 3), "fc1.bias": chainrule.randn(2)}
    io.save(sd, tmp_path / "m.safetensors")
    raw = load_file(str(tmp_path / "m.safetensors"))
    assert set(raw) == set(sd)
    np.testing.assert_array_equal(raw["fc1.weight"], sd["fc1.weight"].numpy())


def test_colliding_flattened_names_stay_apart(tmp_path):
    obj = {"a.b": chainrule.ones(1), "a": {"b": chainrule.zeros(1)}}
    io.save(obj, tmp_path / "c.safetensors")
    _assert_same(obj, io.load(tmp_path / "c.safetensors"))


def test_unsupported_values_raise_type_error_naming_the_place(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot store a set at 'a\.b'"):
        io.save({"a": {"b": {1, 2}}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="dict keys"):
        io.save({(1, 2): 3}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("where", ["write", "replace"])
def test_crash_mid_save_keeps_previous_checkpoint(tmp_path, monkeypatch, where):
    path = tmp_path / "ck.safetensors"
    io.save({"epoch": 1, "w": chainrule.ones(3)}, path)
    before = path.read_bytes()

    class Crash(RuntimeError):
        pass

    def boom(*a, **k):
        raise Crash("power cut")

    if where == "replace":
        monkeypatch.setattr(io.os, "replace", boom)
    else:

        def fsync_then_crash(fd):  # the temp file is half written when the crash hits
            raise Crash("power cut")
        monkeypatch.setattr(io.os, "fsync", fsync_then_crash)
    with pytest.raises(Crash):
        io.save({"epoch": 2, "w": chainrule.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.safetensors"]
    got = io.load(path)
    assert got["epoch"] == 1 and got["w"].tolist() == [1.0, 1.0, 1.0]


def _hostile_files(tmp_path):
    good = tmp_path / "good.safetensors"
    io.save({"w": chainrule.randn(50, 50), "epoch": 1}, good)
    data = good.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    files = {
        "truncated": data[: len(data) // 2],
        "truncated_header": data[: 8 + n // 2],
        "tiny": data[:5],
        "empty": b"",
        "garbage": np.random.default_rng(0).bytes(4096),
        "pickle": pickle.dumps({"w": np.ones(3)}, protocol=4),
        "zip": b"PK\x03\x04" + bytes(200),
        "huge_header": struct.pack("<Q", 2 ** 63) + b"{}",
        "header_not_json": struct.pack("<Q", 4) + b"{abc",
        "header_list": struct.pack("<Q", 2) + b"[]",
        "bad_entry": struct.pack("<Q", 13) + b'{"w": "oops"}',
        "bad_metadata": None,
        "bit_flip": data[:-100] + bytes([data[-100] ^ 0x10]) + data[-99:],
    }
    # a valid safetensors file whose chainrule metadata was tampered with
    header = json.loads(data[8:8 + n])
    header["__metadata__"]["chainrule"] = '{"structure": {"t": "tensor", "k": "nope"}}'
    h = json.dumps(header).encode()
    files["bad_metadata"] = struct.pack("<Q", len(h)) + h + data[8 + n:]
    paths = {}
    for name, content in files.items():
        p = tmp_path / f"{name}.bin"
        p.write_bytes(content)
        paths[name] = p
    return paths


def test_hostile_files_raise_clear_value_error_naming_the_file(tmp_path):
    for name, p in _hostile_files(tmp_path).items():
        with pytest.raises(ValueError) as info:
            io.load(p)
        assert str(p) in str(info.value), name
        assert "not a valid safetensors checkpoint" in str(info.value), name


def test_pickle_is_recognized_and_never_unpickled(tmp_path, monkeypatch):
    paths = _hostile_files(tmp_path)
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(ValueError, match="pickle"):
        io.load(paths["pickle"])
    with pytest.raises(ValueError, match="torch.save"):
        io.load(paths["zip"])


def test_foreign_safetensors_without_our_metadata_loads_flat(tmp_path):
    from safetensors.numpy import save_file
    arrays = {"layer.weight": np.ones((2, 2), np.float32), "layer.bias": np.zeros(2)}
    save_file(arrays, str(tmp_path / "f.safetensors"))
    got = io.load(tmp_path / "f.safetensors")
    assert set(got) == set(arrays)
    assert all(isinstance(v, chainrule.Tensor) for v in got.values())
    assert got["layer.bias"].dtype == np.float64


def test_torch_state_dict_round_trips_both_ways(tmp_path, torch):
    from safetensors.torch import load_file, save_file
    lin = torch.nn.Linear(3, 2).double()
    save_file(lin.state_dict(), str(tmp_path / "torch.safetensors"))
    sd = io.load(tmp_path / "torch.safetensors")
    x = np.random.default_rng(1).standard_normal((4, 3))
    ours = x @ sd["weight"].numpy().T + sd["bias"].numpy()
    with torch.no_grad():
        np.testing.assert_allclose(ours, lin(torch.from_numpy(x)).numpy(), rtol=1e-12)
    # and ours into torch
    mine = {"weight": chainrule.randn(2, 3, dtype=chainrule.float64),
            "bias": chainrule.randn(2, dtype=chainrule.float64)}
    io.save(mine, tmp_path / "ours.safetensors")
    lin2 = torch.nn.Linear(3, 2).double()
    lin2.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    np.testing.assert_array_equal(lin2.weight.detach().numpy(), mine["weight"].numpy())
