"""save / load: nested checkpoints in one safetensors file, written atomically, never pickled.

Layout of a file written by ``save``: every Tensor and NumPy array is a safetensors tensor
under a dotted key (``model.fc1.weight``); the nesting and the plain values (str, int, float,
bool, None) are JSON in the header metadata under ``"chainrule"``, with a tag on each leaf so a
Tensor comes back a Tensor and an array an array, and a CRC-32 of each tensor's bytes (the
format has no checksum of its own). A flat dict of tensors keeps its own keys, so
``save(model.state_dict(), path)`` is an ordinary state_dict file that
``safetensors.torch.load_file`` reads, and a file PyTorch wrote with ``save_file`` loads here
as a flat dict of Tensors.

Loading reads only JSON and raw numbers: no code in a file can run. Anything else (a pickle, a
``torch.save`` zip, a truncated or corrupted file) raises ValueError naming the file.
"""
import json
import math
import os
import struct
import tempfile
import zlib

from ._backend import xp
from .tensor import Tensor

__all__ = ["save", "load"]

_META_KEY = "chainrule"
_FORMAT_VERSION = 1
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
_HEADER_DTYPES = {"BOOL", "U8", "I8", "I16", "U16", "F16", "I32", "U32", "F32", "F64", "I64",
                  "U64", "C64", "C128", "BF16", "F8_E4M3", "F8_E5M2"}


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
        if array.dtype.kind not in "biufc":
            raise TypeError(f"save: array at '{'.'.join(path)}' has dtype {array.dtype}, which "
                            "a safetensors file cannot hold")
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
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


def _serialize(obj):
    from safetensors.numpy import save as st_save
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
                      separators=(",", ":"))
    return st_save(enc.tensors, metadata={"format": "pt", _META_KEY: meta})


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory; rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_mode(path):
    """The permissions a plain open() would give (mkstemp makes 0600): the old file's if one
    is being replaced, else 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def save(obj, path):
    """Save nested dicts/lists of Tensors, arrays and plain values to one safetensors file.

    The write is atomic: the bytes go to a temporary file in the same directory, are flushed
    and fsync'ed, then renamed over ``path`` (and the directory fsync'ed), so a crash at any
    moment leaves either the old file or the new one, never a torn one.

    Args:
        obj: a Tensor, array or plain value, or dicts (str or int keys), lists and tuples of
            them, e.g. ``{"model": model.state_dict(), "optimizer": opt.state_dict(),
            "epoch": 3}``.
        path: file to write (str or os.PathLike).
    """
    path = os.fspath(path)
    data = _serialize(obj)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


# ---- load ---------------------------------------------------------------------------------------
def _bad(path, why):
    return ValueError(f"load: {path!s} is not a valid safetensors checkpoint: {why}")


def _foreign(path, data, why):
    """The error for a file that is not safetensors, recognizing the usual suspects."""
    if data[:2] == b"PK":
        why = ("it is a zip archive (a torch.save file?); chainrule never unpickles, since "
               "that can run code; re-save it with safetensors.torch.save_file("
               "model.state_dict(), path)")
    elif data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        why = ("it looks like a pickle; chainrule never unpickles, since that can run code; "
               "re-save the tensors with safetensors")
    return _bad(path, why)


def _read_header(path, data):
    size = len(data)
    if size < 8:
        raise _foreign(path, data, f"the file is {size} bytes long, too short for a header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > size:
        raise _foreign(path, data, f"header length {n} does not fit in the {size}-byte file "
                                   "(truncated or not a safetensors file)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _foreign(path, data, "the header is not valid JSON (corrupted or not a "
                                   "safetensors file)") from None
    if not isinstance(header, dict):
        raise _bad(path, "the header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise _bad(path, "the header's __metadata__ is not a JSON object")
    end = 0
    for name, info in header.items():
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(type(o) is int and o >= 0 for o in offsets)
                and info.get("dtype") in _HEADER_DTYPES):
            raise _bad(path, f"tensor entry {name!r} is malformed")
        if info["dtype"] == "BF16" or info["dtype"].startswith("F8"):
            raise _bad(path, f"tensor {name!r} has dtype {info['dtype']}, which NumPy cannot "
                             "hold; convert it to float32 before saving")
        end = max(end, offsets[1])
    if 8 + n + end > size:
        raise _bad(path, f"tensor data needs {8 + n + end} bytes but the file has {size} "
                         "(truncated?)")
    return meta


def _decode(node, arrays, path):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict):
        tag = node.get("t")
        if tag in ("tensor", "ndarray", "scalar"):
            arr = arrays.get(node.get("k"))
            if arr is None:
                raise _bad(path, f"metadata refers to a missing tensor {node.get('k')!r}")
            if "crc" in node and zlib.crc32(arr) != node["crc"]:
                raise _bad(path, f"tensor {node['k']!r} fails its checksum (the file is "
                                 "corrupted)")
            if tag == "tensor":
                return Tensor._from_array(arr)
            return arr if tag == "ndarray" else arr[()]
        if tag == "float":
            return float(node["v"])
        if tag == "dict":
            return {k: _decode(v, arrays, path) for k, v in node["v"]}
        if tag in ("list", "tuple"):
            items = [_decode(v, arrays, path) for v in node["v"]]
            return items if tag == "list" else tuple(items)
    raise _bad(path, f"unknown entry in the structure metadata: {str(node)[:80]}")


def load(path):
    """Load what ``save`` wrote, or any safetensors file (as a flat dict of Tensors).

    Args:
        path: file to read (str or os.PathLike).
    Returns:
        the saved object: Tensors come back as Tensors, arrays as arrays, plain values as
        themselves. A safetensors file written by another tool (say, PyTorch's state_dict via
        ``safetensors.torch.save_file``) gives ``{name: Tensor}``, ready for
        ``model.load_state_dict``.
    Raises:
        ValueError naming the file when it is not a readable safetensors file.
    """
    from safetensors.numpy import load as st_load
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    meta = _read_header(path, data)
    try:
        arrays = st_load(data)
    except Exception as e:  # the Rust parser's own error type; re-raise naming the file
        raise _bad(path, f"{type(e).__name__}: {e}") from None
    if _META_KEY not in meta:
        return {k: Tensor._from_array(v) for k, v in arrays.items()}
    try:
        info = json.loads(meta[_META_KEY])
        structure = info["structure"]
    except (ValueError, TypeError, KeyError):
        raise _bad(path, "its chainrule metadata is corrupted") from None
    try:
        return _decode(structure, arrays, path)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        if isinstance(e, ValueError) and str(e).startswith("load:"):
            raise
        raise _bad(path, "its chainrule metadata is corrupted") from None
