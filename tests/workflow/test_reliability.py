"""Regression tests of the reliability issue: one per finding (see docs/reliability.md)."""
import io as pyio
import json
import os
import struct
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import io, nn
from chainrule.optim.lr_scheduler import LambdaLR, StepLR
from chainrule.random import get_rng_state
from chainrule.train import load_checkpoint, save_checkpoint

from ._problems import one_step_state


def _run():
    return one_step_state(nn.Linear(3, 2))


def _state(model, opt, sched, data):
    return (repr(model.state_dict()), repr(opt.state_dict()),
            repr({k: v for k, v in vars(sched).items() if k != "optimizer"}),
            repr(data.generator.get_state()), repr(get_rng_state()))


def _ckpt_bytes(mutate):
    f = pyio.BytesIO()
    save_checkpoint(f, *_run(), epoch=1)
    ckpt = chainrule.load(pyio.BytesIO(f.getvalue()))
    mutate(ckpt)
    if isinstance(ckpt["model"], dict):
        ckpt["model"]["weight"] = chainrule.zeros(2, 3)   # would be visible if applied
    out = pyio.BytesIO()
    chainrule.save(ckpt, out)
    return out.getvalue()


# ---- 1, 3, 4: load_checkpoint is all or nothing, and raises only ValueError ---------------
def _set(path, value):
    def mutate(ckpt):
        node = ckpt
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


REFUSED = {
    "no optimizer": lambda c: c.pop("optimizer"),
    "data is {}": _set(["data"], {}),
    "param_groups is 3": _set(["optimizer", "param_groups"], 3),
    "rng malformed": _set(["rng"], {"bit_generator": "MT19937"}),
    "rng state overflow": _set(["rng", "state", "state"], -1),
    "data generator is a list": _set(["data", "generator"], [1, 2]),
    "negative lr": _set(["optimizer", "param_groups", 0, "lr"], -1.0),
    "beta out of range": _set(["optimizer", "param_groups", 0, "betas"], (1.5, 0.9)),
    "betas not a pair": _set(["optimizer", "param_groups", 0, "betas"], 0.9),
    "lr a string": _set(["optimizer", "param_groups", 0, "lr"], "0.1"),
    "amsgrad a number": _set(["optimizer", "param_groups", 0, "amsgrad"], 3),
    "step infinite": _set(["optimizer", "state", 0, "step"], float("inf")),
    "buffer a string": _set(["optimizer", "state", 0, "exp_avg"], "abc"),
    "buffer wrong shape": _set(["optimizer", "state", 0, "exp_avg"], chainrule.zeros(5)),
    "scheduler sets step": _set(["scheduler", "step"], 3),
    "scheduler sets optimizer": _set(["scheduler", "optimizer"], None),
    "scheduler last_epoch fraction": _set(["scheduler", "last_epoch"], 1.5),
    "scheduler base_lrs too long": _set(["scheduler", "base_lrs"], [0.1, 0.2]),
    "model entry not a dict": _set(["model"], [1, 2]),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_checkpoint_changes_nothing(name):
    blob = _ckpt_bytes(REFUSED[name])
    targets = _run()
    before = _state(*targets)
    with pytest.raises(ValueError, match="<BytesIO>"):
        load_checkpoint(pyio.BytesIO(blob), *targets)
    assert _state(*targets) == before


def test_valid_checkpoint_restores_everything():
    source = _run()
    f = pyio.BytesIO()
    save_checkpoint(f, *source, epoch=4)
    targets = _run()
    for p in targets[0].parameters():
        p._data[...] = 7
    ckpt = load_checkpoint(pyio.BytesIO(f.getvalue()), *targets)
    assert ckpt["epoch"] == 4
    assert _state(*targets)[:4] == _state(*source)[:4]


def test_lambda_scheduler_refuses_unknown_entries():
    opt = chainrule.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    sched = LambdaLR(opt, lambda e: 0.5 ** e)
    with pytest.raises(ValueError, match="unexpected entry 'get_lr'"):
        sched.load_state_dict({"get_lr": 1})
    assert callable(sched.get_lr)


# ---- 2: stale temporaries --------------------------------------------------------------------
def test_next_save_removes_temporaries_of_dead_saves(tmp_path):
    path = tmp_path / "ck.safetensors"
    stale = [tmp_path / ".ck.safetensors.999999999.x1.tmp", tmp_path / ".ck.safetensors.abc.tmp"]
    for p in stale:
        p.write_bytes(b"half")
    chainrule.save({"a": 1}, path)
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors"]


# ---- 3: hostile headers raise ValueError ---------------------------------------------------
def _file(header, data=b""):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text)) + text + data


HOSTILE_HEADERS = {
    "deep nesting": _file(b"[" * 100000 + b"]" * 100000),
    "deep nesting in metadata": _file({"__metadata__": {"chainrule": "[" * 50000 + "]" * 50000}}),
    "dtype a list": _file({"w": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}, b"1234"),
    "shape a string": _file({"w": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}}, b"1234"),
    "shape too big": _file({"w": {"dtype": "F32", "shape": [10 ** 12], "data_offsets": [0, 4]}},
                           b"1234"),
    "overlapping": _file({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                          "b": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}, b"1234"),
    "metadata not strings": _file({"__metadata__": {"chainrule": 3}}),
    "structure a bare list": _file({"__metadata__": {"chainrule": '{"structure": [1, 2]}'}}),
    "dict pairs malformed": _file({"__metadata__": {"chainrule":
                                                   '{"structure": {"t": "dict", "v": [[1]]}}'}}),
    "float tag junk": _file({"__metadata__": {"chainrule":
                                             '{"structure": {"t": "float", "v": "1e999x"}}'}}),
    "tensor key a list": _file({"__metadata__": {"chainrule":
                                                '{"structure": {"t": "tensor", "k": []}}'}}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADERS))
def test_hostile_header_raises_value_error_naming_the_file(tmp_path, name):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(HOSTILE_HEADERS[name])
    with pytest.raises(ValueError, match="bad.safetensors"):
        chainrule.load(path)
    model, opt, sched, data = _run()
    with pytest.raises(ValueError, match="bad.safetensors"):
        load_checkpoint(path, model, opt, sched, data)


def test_missing_file_and_directory_raise_their_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nope.safetensors")
    with pytest.raises(IsADirectoryError):
        chainrule.load(tmp_path)


# ---- 5: pickles are recognised by more than two bytes --------------------------------------
def test_truncated_safetensors_whose_length_starts_like_a_pickle_is_not_called_one():
    header = {"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}
    text = json.dumps(header).encode()
    text += b" " * (0x280 - len(text))                 # header length 0x0280: bytes 80 02
    data = struct.pack("<Q", len(text)) + text + b"x"
    assert data[:2] == b"\x80\x02"
    assert chainrule.load(pyio.BytesIO(data))["w"].tolist() == [120]
    with pytest.raises(ValueError) as info:
        chainrule.load(pyio.BytesIO(data[:300]))
    assert "pickle" not in str(info.value)


def test_real_pickles_of_every_protocol_are_recognised():
    import pickle
    for protocol in (2, 3, 4, 5):
        blob = pickle.dumps({"w": [1.0, 2.0]}, protocol=protocol)
        with pytest.raises(ValueError, match="pickle"):
            chainrule.load(pyio.BytesIO(blob))


# ---- 9 and the idioms: deterministic bytes, file objects, torch's checkpoint form ----------
def test_save_is_byte_deterministic(tmp_path):
    model, opt, sched, _ = _run()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "note": "x"}
    chainrule.save(ckpt, tmp_path / "a.safetensors")
    chainrule.save(ckpt, tmp_path / "b.safetensors")
    f = pyio.BytesIO()
    chainrule.save(ckpt, f)
    a = (tmp_path / "a.safetensors").read_bytes()
    assert a == (tmp_path / "b.safetensors").read_bytes() == f.getvalue()


_SAVE_IN_A_CHILD = """
import sys, chainrule
from chainrule import nn
chainrule.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
chainrule.save({"model": model.state_dict(), "epoch": 3, "x": chainrule.arange(3)}, sys.argv[1])
"""


def test_save_gives_the_same_bytes_in_separate_processes(tmp_path):
    # The safetensors library writes its metadata map in a per-process hash order, so a save
    # is deterministic only while the file has a single metadata key.
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(chainrule.__file__)))
    paths = [tmp_path / f"{i}.safetensors" for i in range(3)]
    for p in paths:
        subprocess.run([sys.executable, "-c", _SAVE_IN_A_CHILD, str(p)], env=env, check=True)
    assert paths[0].read_bytes() == paths[1].read_bytes() == paths[2].read_bytes()
    from safetensors import safe_open
    with safe_open(str(paths[0]), "np") as f:
        assert list(f.metadata()) == ["chainrule"]


def test_torch_style_checkpoint_round_trips_through_file_objects(tmp_path):
    model, opt, _, _ = _run()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "loss": model(chainrule.randn(4, 3)).mean(), "tags": ["a", 1, 2.5, None, True]}
    with open(tmp_path / "ck.pt", "wb") as f:
        chainrule.save(ckpt, f)
    with open(tmp_path / "ck.pt", "rb") as f:
        got = chainrule.load(f, map_location="cpu", weights_only=True)
    assert got["epoch"] == 3 and got["tags"] == ["a", 1, 2.5, None, True]
    assert got["loss"].shape == () and float(got["loss"]) == float(ckpt["loss"])
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(got["model"])
    assert repr(fresh.state_dict()) == repr(model.state_dict())
    opt2 = chainrule.optim.Adam(fresh.parameters(), lr=0.5)
    opt2.load_state_dict(got["optimizer"])
    assert repr(opt2.state_dict()) == repr(opt.state_dict())


@pytest.mark.parametrize("location", [None, "cpu", chainrule.device("cpu"), {"cuda:0": "cpu"}])
def test_map_location_naming_the_cpu_is_accepted(location):
    f = pyio.BytesIO()
    chainrule.save({"w": chainrule.ones(2)}, f)
    f.seek(0)
    assert chainrule.load(f, map_location=location)["w"].tolist() == [1.0, 1.0]


def test_bad_file_objects_and_keywords_are_refused_clearly():
    with pytest.raises(TypeError, match="binary file object"):
        chainrule.save({"a": 1}, pyio.StringIO())
    with pytest.raises(TypeError, match="binary file object"):
        chainrule.load(pyio.StringIO("abc"))
    with pytest.raises(TypeError, match="weights_only"):
        chainrule.load(pyio.BytesIO(b""), weights_only="yes")
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.load(pyio.BytesIO(b""), map_location="cuda")


# ---- 10: scheduler before optimizer warns ----------------------------------------------------
def test_scheduler_step_before_optimizer_step_warns_like_torch(torch):
    model = nn.Linear(2, 2)
    opt = chainrule.optim.SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    tm = torch.nn.Linear(2, 2)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    tsched = torch.optim.lr_scheduler.StepLR(topt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        tsched.step()
    opt2 = chainrule.optim.SGD(model.parameters(), lr=0.1)
    sched2 = StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
        sched2.step()
    np.testing.assert_allclose(sched2.get_last_lr(), [0.01])


def test_refused_model_undoes_a_lambda_schedulers_loaded_state():
    class Factor:
        def __init__(self):
            self.k = 1

        def __call__(self, epoch):
            return self.k * 0.5 ** epoch

    model = nn.Linear(2, 2)
    opt = chainrule.optim.SGD(model.parameters(), lr=0.1)
    fn = Factor()
    sched = LambdaLR(opt, fn)
    f = pyio.BytesIO()
    save_checkpoint(f, model, opt, sched)
    ckpt = chainrule.load(pyio.BytesIO(f.getvalue()))
    ckpt["scheduler"]["lr_lambdas"] = [{"k": 5}]
    ckpt["model"]["weight"] = chainrule.zeros(3, 3)          # refused: wrong shape
    bad = pyio.BytesIO()
    chainrule.save(ckpt, bad)
    with pytest.raises(ValueError, match="model"):
        load_checkpoint(pyio.BytesIO(bad.getvalue()), model, opt, sched)
    assert fn.k == 1
