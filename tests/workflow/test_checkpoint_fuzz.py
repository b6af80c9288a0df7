"""Fuzzing load and load_checkpoint with mutated valid files (seeded, bounded).

The contract: a file either loads, or raises ValueError naming it, and a refused checkpoint
leaves model, optimizer, scheduler, data loader and the global random state unchanged.
"""
import atexit
import io as pyio
import json
import os
import shutil
import struct
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import nn
from chainrule.random import get_rng_state
from chainrule.train import load_checkpoint, save_checkpoint

from ._problems import one_step_state

# CI runs a fixed, seeded 700 examples per test; CHAINRULE_FUZZ_EXAMPLES=N runs N random ones
# (how docs/reliability.md's figures were made).
_LONG = int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG or 700, deadline=None, derandomize=not _LONG, database=None,
                suppress_health_check=list(HealthCheck))


def _run():
    chainrule.manual_seed(0)
    return one_step_state(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))


def _valid_bytes():
    f = pyio.BytesIO()
    save_checkpoint(f, *_run(), epoch=1)
    return f.getvalue()


VALID = _valid_bytes()
TARGETS = _run()


def _fingerprint(model, opt, sched, data):
    """Everything a load could change, as comparable plain values."""
    sd = opt.state_dict()
    return (
        [p._data.tobytes() for p in model.parameters()],
        repr({k: {n: (v._data.tobytes() if hasattr(v, "_data") else v) for n, v in s.items()}
              for k, s in sd["state"].items()}),
        repr(sd["param_groups"]), repr(sorted(vars(opt))),
        repr({k: v for k, v in sched.__dict__.items() if k != "optimizer"}),
        repr(data.generator.get_state()), repr(get_rng_state()),
    )


def _assert_contract(blob, check_checkpoint=True):
    f = pyio.BytesIO(blob)
    try:
        chainrule.load(pyio.BytesIO(blob))
    except ValueError as e:
        assert "<BytesIO>" in str(e)
    if not check_checkpoint:
        return
    before = _fingerprint(*TARGETS)
    try:
        load_checkpoint(f, *TARGETS)
    except ValueError as e:
        assert "<BytesIO>" in str(e)
        assert _fingerprint(*TARGETS) == before, "a refused checkpoint changed the run"


# ---- byte-level mutations ------------------------------------------------------------------
_ops = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.integers(0, 7)),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID) - 1), st.just(0)),
    st.tuples(st.just("set"), st.integers(0, len(VALID) - 1), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, len(VALID) - 1), st.integers(1, 16)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID) - 1), st.integers(0, 255)),
)


def _mutate_bytes(data, ops):
    data = bytearray(data)
    for op, i, v in ops:
        i = min(i, max(len(data) - 1, 0))
        if not data:
            break
        if op == "flip":
            data[i] ^= 1 << v
        elif op == "truncate":
            del data[i:]
        elif op == "set":
            data[i] = v
        elif op == "delete":
            del data[i:i + v]
        else:
            data.insert(i, v)
    return bytes(data)


@FUZZ
@given(st.lists(_ops, min_size=1, max_size=4))
def test_byte_mutations_load_or_raise_value_error(ops):
    _assert_contract(_mutate_bytes(VALID, ops))


_DIR = tempfile.mkdtemp(prefix="chainrule-fuzz-")
atexit.register(shutil.rmtree, _DIR, True)


@FUZZ
@given(st.lists(_ops, min_size=1, max_size=4))
def test_byte_mutations_through_a_path(ops):
    """A path is read by another entry of the safetensors library than bytes are."""
    path = os.path.join(_DIR, "mutated.safetensors")
    with open(path, "wb") as f:
        f.write(_mutate_bytes(VALID, ops))
    try:
        chainrule.load(path)
    except ValueError as e:
        assert "mutated.safetensors" in str(e)


# ---- header-JSON mutations (a valid file layout with hostile metadata) ----------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                  max_size=3),
    max_leaves=6)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _replace(node, path, value):
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


_N = struct.unpack("<Q", VALID[:8])[0]
_HEADER = json.loads(VALID[8:8 + _N])
_META = json.loads(_HEADER["__metadata__"]["chainrule"])
_META_PATHS = list(_paths(_META))
_HEADER_PATHS = [p for p in _paths({k: v for k, v in _HEADER.items() if k != "__metadata__"})]


def _with_header(header):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + VALID[8 + _N:]


@FUZZ
@given(st.sampled_from(_META_PATHS), _json_values)
def test_structure_metadata_mutations(path, value):
    meta = _replace(json.loads(json.dumps(_META)), path, value)
    header = json.loads(json.dumps(_HEADER))
    header["__metadata__"]["chainrule"] = json.dumps(meta)
    _assert_contract(_with_header(header))


@FUZZ
@given(st.sampled_from(_HEADER_PATHS), _json_values)
def test_tensor_header_mutations(path, value):
    tensors = {k: v for k, v in json.loads(json.dumps(_HEADER)).items() if k != "__metadata__"}
    tensors = _replace(tensors, path, value)
    header = tensors if isinstance(tensors, dict) else {"x": tensors}
    header["__metadata__"] = _HEADER["__metadata__"]
    _assert_contract(_with_header(header), check_checkpoint=False)


# ---- checkpoint-level mutations: valid files holding wrong values ---------------------------
_CKPT = chainrule.load(pyio.BytesIO(VALID))
_CKPT_PATHS = list(_paths(_CKPT))
_leaves = st.one_of(
    _json_values,
    st.sampled_from([float("nan"), float("inf"), -1, 10 ** 40, (), (1, 2, 3), [], {}]),
    st.builds(lambda shape: chainrule.zeros(*shape), st.lists(st.integers(0, 4), max_size=3)),
    st.builds(lambda shape: np.zeros(shape, np.int64), st.lists(st.integers(0, 3), max_size=2)),
)


def _replace_any(node, path, value):
    if not path:
        return value
    node = dict(node) if isinstance(node, dict) else list(node)
    node[path[0]] = _replace_any(node[path[0]], path[1:], value)
    return node


@FUZZ
@given(st.sampled_from(_CKPT_PATHS), _leaves)
def test_checkpoint_entry_mutations(path, value):
    ckpt = _replace_any(_CKPT, path, value)
    f = pyio.BytesIO()
    chainrule.save(ckpt, f)
    _assert_contract(f.getvalue())


def test_fuzz_targets_still_load_the_valid_file():
    """The fuzz tests mean something only if the unmutated file restores the run."""
    model, opt, sched, data = _run()
    fresh = _run()
    for p in fresh[0].parameters():
        p._data[...] = 0
    load_checkpoint(pyio.BytesIO(VALID), *fresh)
    assert _fingerprint(*fresh)[:3] == _fingerprint(model, opt, sched, data)[:3]
