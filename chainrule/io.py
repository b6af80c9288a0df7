"""save / load: nested checkpoints in one safetensors file, written atomically, never pickled.

Layout of a file written by ``save``: every Tensor and NumPy array is a safetensors tensor
under a dotted key (``model.fc1.weight``); the nesting and the plain values (str, int, float,
bool, None) are JSON in the header metadata under ``"chainrule"``, with a tag on each leaf so a
Tensor comes back a Tensor and an array an array, and a CRC-32 of each tensor's bytes (the
format has no checksum of its own). A flat dict of tensors keeps its own keys, so
``save(model.state_dict(), path)`` is an ordinary state_dict file that
``safetensors.torch.load_file`` reads, and a file PyTorch wrote with ``save_file`` loads here
as a flat dict of Tensors.

The safetensors library does the file format: its writer lays the tensors out (by dtype
alignment, then name) and streams them from the arrays' own memory to the file; its reader
checks the header (length, JSON, dtypes, shapes against byte ranges, overlaps, coverage of the
file) before handing out any array. chainrule adds what sits above the format: the "chainrule"
metadata and its checks (tags, CRC-32 per tensor), the atomic write, recognising pickles and
``torch.save`` zips, and one error type for every bad file.

Loading reads only JSON and raw numbers: no code in a file can run. Anything else (a pickle, a
``torch.save`` zip, a truncated, corrupted or hostile file) raises ValueError naming the file;
the only other errors are the operating system's for opening it (FileNotFoundError,
IsADirectoryError, PermissionError). The same state saved twice gives the same bytes: the
library writes its metadata map in hash order, so there is exactly one metadata key.
"""
import io as _stdio
import json
import math
import os
import struct
import zlib

from ._atomic_file import write_atomically
from ._backend import xp
from ._device import check_device
from .tensor import Tensor

__all__ = ["save", "load"]

_META_KEY = "chainrule"
_FORMAT_VERSION = 1
# What safetensors.numpy can write and read back (its writer also knows bfloat16 and float8
# names, which NumPy has no dtype for).
_SAVABLE = frozenset(xp.dtype(t) for t in (
    "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "float32", "float64", "complex64"))


# ---- save ---------------------------------------------------------------------------------------
class _Encoder:
    """Turns a nested object into (JSON-able structure, {key: ndarray})."""

    def __init__(self):
        self.tensors = {}

    def key_for(self, path):
        key = ".".join(path) or "tensor"
        base, n = key, 1
        while key in self.tensors:  # e.g. {"a.b": x, "a": {"b": y}}: both want "a.b"
            key, n = f"{base}#{n}", n + 1
        return key

    def add(self, path, array, tag):
        array = xp.asarray(array)          # a 0-d reduction result may hold a NumPy scalar
        if array.dtype.newbyteorder("=") not in _SAVABLE:
            raise TypeError(f"save: array at '{'.'.join(path)}' has dtype {array.dtype}, which "
                            "a safetensors file cannot hold")
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        key = self.key_for(path)
        array = array if array.flags.c_contiguous else array.copy(order="C")
        self.tensors[key] = array
        # A flipped bit in the data must not load silently.
        return {"t": tag, "k": key, "crc": zlib.crc32(array)}

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"t": "float", "v": repr(obj)}
        if isinstance(obj, Tensor):
            return self.add(path, obj._data, "tensor")
        if isinstance(obj, xp.ndarray):
            return self.add(path, obj, "ndarray")
        if isinstance(obj, xp.generic):
            return self.add(path, xp.asarray(obj), "scalar")
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int; got {k!r} at "
                                    f"'{'.'.join(path)}'")
                items.append([k, self.encode(v, path + [str(k)])])
            return {"t": "dict", "v": items}
        if isinstance(obj, (list, tuple)):
            return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                    "v": [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]}
        raise TypeError(f"save: cannot store a {type(obj).__name__} at '{'.'.join(path)}'; "
                        "chainrule.save stores Tensors, NumPy arrays, str, int, float, bool, None "
                        "and dicts, lists and tuples of them (never pickles)")


def _is_flat_tensor_dict(obj):
    return isinstance(obj, dict) and all(
        isinstance(k, str) and isinstance(v, (Tensor, xp.ndarray)) for k, v in obj.items())


def _encode(obj):
    """({name: array}, {str: str} metadata) for ``obj``."""
    enc = _Encoder()
    if _is_flat_tensor_dict(obj):
        # Keep a state_dict's own names ("fc1.weight") so other tools see a plain state_dict.
        structure = {"t": "dict", "v": [[k, enc.add([k], v._data if isinstance(v, Tensor) else v,
                                                    "tensor" if isinstance(v, Tensor)
                                                    else "ndarray")]
                                        for k, v in obj.items()]}
    else:
        structure = enc.encode(obj, [])
    meta = json.dumps({"version": _FORMAT_VERSION, "structure": structure}, allow_nan=False,
                      sort_keys=True, separators=(",", ":"))
    # One key only: the library writes its metadata map in hash order, random from run to run
    # as soon as there are two keys. (torch's safetensors.torch.load_file needs no "format".)
    return enc.tensors, {_META_KEY: meta}


def _is_file_object(f):
    return hasattr(f, "write") or hasattr(f, "read")


def save(obj, f):
    """Save nested dicts/lists of Tensors, arrays and plain values to one safetensors file.

    Written to a path, the save is atomic: the bytes go to a temporary file
    ``.NAME.PID.*.tmp`` in the same directory, are flushed and fsync'ed, then renamed over
    ``NAME`` (and the directory fsync'ed), so a crash at any moment leaves either the old file
    or the new one, never a torn one. A save killed mid-write leaves its temporary behind; the
    next save to the same path deletes it. The same object saved twice gives identical bytes.

    Args:
        obj: a Tensor, array or plain value, or dicts (str or int keys), lists and tuples of
            them, e.g. ``{"model": model.state_dict(), "optimizer": opt.state_dict(),
            "epoch": 3}`` (torch's usual checkpoint). Never pickled.
        f: a path (str or os.PathLike), or a binary file object (``io.BytesIO()``,
            ``open(path, "wb")``) written from its current position, without the atomic
            rename.
    """
    tensors, meta = _encode(obj)
    from safetensors.numpy import save as st_save, save_file as st_save_file
    if _is_file_object(f):
        if not hasattr(f, "write"):
            raise TypeError(f"save: the file object {type(f).__name__} has no write()")
        if isinstance(f, _stdio.TextIOBase):
            raise TypeError("save: expected a binary file object (open(path, 'wb')), got a "
                            "text one")
        f.write(st_save(tensors, metadata=meta))
        return
    # streams each array's memory into the temporary file
    write_atomically(os.fspath(f), lambda tmp: st_save_file(tensors, tmp, metadata=meta))


# ---- load ---------------------------------------------------------------------------------------
# Opcodes a pickle can start with right after its PROTO header (containers, globals, numbers,
# strings, FRAME): a safetensors file has the third byte of its header length there instead,
# and its JSON header's "{" at byte 8.
_PICKLE_FIRST_OPS = set(b"}])(cNKJMGUCTBX\x88\x89\x8a\x8c\x95")


def _bad(name, why):
    return ValueError(f"load: {name} is not a valid safetensors checkpoint: {why}")


def _looks_like_pickle(data):
    return (len(data) > 8 and data[0] == 0x80 and 2 <= data[1] <= 5
            and data[2] in _PICKLE_FIRST_OPS and data[8:9] != b"{")


def _foreign(name, data, why):
    """The error for a file that is not safetensors, recognizing the usual suspects."""
    if len(data) < 8:
        why = (f"it is {len(data)} bytes long, shorter than the 8-byte header length every "
               "safetensors file starts with")
    elif data[:4] == b"PK\x03\x04":
        why = ("it is a zip archive (a torch.save file?); chainrule never unpickles, since "
               "that can run code; re-save it with safetensors.torch.save_file("
               "model.state_dict(), path)")
    elif _looks_like_pickle(data):
        why = ("it looks like a pickle; chainrule never unpickles, since that can run code; "
               "re-save the tensors with safetensors")
    return _bad(name, why)


class _Decoder:
    def __init__(self, arrays, name):
        self.arrays, self.name, self.used = arrays, name, set()

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        tag = node.get("t") if isinstance(node, dict) else None
        if tag in ("tensor", "ndarray", "scalar"):
            return self.leaf(node, tag)
        value = node.get("v") if isinstance(node, dict) else None
        if tag == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if tag == "dict" and isinstance(value, list) and all(
                isinstance(kv, list) and len(kv) == 2 and type(kv[0]) in (str, int)
                for kv in value):
            return {k: self.decode(v) for k, v in value}
        if tag in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(v) for v in value]
            return items if tag == "list" else tuple(items)
        raise _bad(self.name, f"unknown entry in the structure metadata: {str(node)[:80]}")

    def leaf(self, node, tag):
        key, crc = node.get("k"), node.get("crc")
        arr = self.arrays.get(key) if isinstance(key, str) else None
        if arr is None:
            raise _bad(self.name, f"metadata refers to a missing tensor {str(key)[:80]!r}")
        if crc is not None and (type(crc) is not int or zlib.crc32(arr) != crc):
            raise _bad(self.name, f"tensor {key!r} fails its checksum (the file is corrupted)")
        if key in self.used:      # two entries must not share (and so alias) one array
            arr = arr.copy()
        self.used.add(key)
        if tag == "tensor":
            return Tensor._from_array(arr)
        return arr if tag == "ndarray" else arr[()]


def _check_map_location(map_location):
    """torch's map_location: anything naming the CPU (the only device here) is accepted."""
    if map_location is None:
        return
    if callable(map_location):
        raise TypeError("load: map_location as a function is not supported (every tensor "
                        "loads on the CPU); pass 'cpu' or leave it out")
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        check_device("load(map_location=...)", target)


def source_name(f):
    """How messages name the file: its path, a file object's name, or ``<BytesIO>``."""
    if not _is_file_object(f):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return str(name) if isinstance(name, (str, os.PathLike)) else f"<{type(f).__name__}>"


def _library_error(name, head, e):
    """The one ValueError for anything the safetensors library refused (SafetensorError, and
    whatever else its Python side lets out on odd input: KeyError, TypeError, OSError...)."""
    why = f"safetensors refused it ({type(e).__name__}: {str(e)[:200]})"
    return _foreign(name, head, why)


def _read_file_object(f):
    """(metadata, {name: ndarray}, name for messages) from a binary file object."""
    if not hasattr(f, "read"):
        raise TypeError(f"load: the file object {type(f).__name__} has no read()")
    data = f.read()
    if isinstance(data, str):
        raise TypeError("load: expected a binary file object (open(path, 'rb')), got a text one")
    data, name = bytes(data), source_name(f)
    from safetensors.numpy import load as st_load
    try:
        arrays = st_load(data)   # the library checks the whole header and the byte ranges
    except Exception as e:       # noqa: BLE001 - every refusal becomes the documented error
        raise _library_error(name, data[:9], e) from None
    # The library returns no metadata for bytes. Its reader has just accepted this header
    # (length within the file, valid JSON, "__metadata__" a map of strings), so reading that
    # one entry back is safe.
    (n,) = struct.unpack("<Q", data[:8])
    meta = json.loads(data[8:8 + n]).get("__metadata__") or {}
    return meta, arrays, name


def _version(text):
    return tuple(int(part) if part.isdigit() else 0 for part in text.split(".")[:2])


def _read_path(path):
    """(metadata, {name: ndarray}, name for messages) from a path."""
    # Opened here first so that a missing file, a directory or a lack of permission raise the
    # operating system's own errors (the library calls a directory "No such device"); the
    # first bytes tell a pickle or a zip from a safetensors file.
    with open(path, "rb") as fh:
        head = fh.read(9)
    import safetensors
    # pread rather than mmap where the library offers it (0.8 on): a file truncated by someone
    # else while it is read then gives an error, not a SIGBUS.
    backend = {} if _version(safetensors.__version__) < (0, 8) else {"backend": "pread"}
    try:
        with safetensors.safe_open(path, framework="np", **backend) as st:
            meta = st.metadata() or {}
            arrays = {k: st.get_tensor(k) for k in st.keys()}
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as e:       # noqa: BLE001 - every refusal becomes the documented error
        raise _library_error(path, head, e) from None
    return meta, arrays, path


def load(f, map_location=None, weights_only=None):
    """Load what ``save`` wrote, or any safetensors file (as a flat dict of Tensors).

    Args:
        f: a path (str or os.PathLike) or a binary file object (``io.BytesIO``,
            ``open(path, "rb")``) read from its current position to its end.
        map_location: accepted for torch code: None, ``"cpu"``, a cpu ``device`` or a dict
            mapping to them (everything loads on the CPU).
        weights_only: accepted for torch code; loading never executes code either way.
    Returns:
        the saved object: Tensors come back as Tensors, arrays as arrays, plain values as
        themselves. A safetensors file written by another tool (say, PyTorch's state_dict via
        ``safetensors.torch.save_file``) gives ``{name: Tensor}``, ready for
        ``model.load_state_dict``.
    Raises:
        ValueError naming the file for every file that is not a valid checkpoint (truncated,
        corrupted, hostile, a pickle); FileNotFoundError, IsADirectoryError, PermissionError
        from opening a path.
    """
    _check_map_location(map_location)
    if weights_only not in (None, True, False):
        raise TypeError(f"load: weights_only must be a bool, got {type(weights_only).__name__}")
    meta, arrays, name = (_read_file_object(f) if _is_file_object(f)
                          else _read_path(os.fspath(f)))
    # Older safetensors releases hand out read-only views; a Tensor must be writable.
    arrays = {k: v if v.flags.writeable else v.copy() for k, v in arrays.items()}
    if _META_KEY not in meta:
        return {k: Tensor._from_array(v) for k, v in arrays.items()}
    try:
        info = json.loads(meta[_META_KEY])
        structure = info["structure"]
        return _Decoder(arrays, name).decode(structure)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        if isinstance(e, ValueError) and str(e).startswith("load:"):
            raise
        raise _bad(name, "its chainrule metadata is corrupted") from None
