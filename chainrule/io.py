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
``torch.save`` zip, a truncated, corrupted or hostile file) raises ValueError naming the file;
the only other errors are the operating system's for opening it (FileNotFoundError,
IsADirectoryError, PermissionError). The same state saved twice gives the same bytes.
"""
import io as _stdio
import json
import math
import os
import tempfile
import zlib

from . import _st_format
from ._backend import xp
from ._device import check_device
from .tensor import Tensor

__all__ = ["save", "load"]

_META_KEY = "chainrule"
_FORMAT_VERSION = 1


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
        if _st_format.dtype_name(array.dtype) is None:
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
                      separators=(",", ":"))
    return enc.tensors, {"format": "pt", _META_KEY: meta}


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


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # e.g. PermissionError: it exists, under another user
        return True
    return True


def _remove_stale_temporaries(directory, base):
    """Delete ``.BASE.PID.*.tmp`` files left by saves to the same target that were killed
    mid-write (their process is gone). Temporaries of a live process (another save in
    progress) are kept. Skipped on Windows, where os.kill cannot probe a process."""
    if os.name == "nt":
        return
    prefix = "." + base + "."
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or _pid_alive(int(pid))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


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
    if _is_file_object(f):
        if not hasattr(f, "write"):
            raise TypeError(f"save: the file object {type(f).__name__} has no write()")
        if isinstance(f, _stdio.TextIOBase):
            raise TypeError("save: expected a binary file object (open(path, 'wb')), got a "
                            "text one")
        _st_format.write(f, tensors, meta)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _remove_stale_temporaries(directory, base)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{base}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            _st_format.write(out, tensors, meta)
            out.flush()
            os.fsync(out.fileno())
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
    if data[:4] == b"PK\x03\x04":
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


def _read_bytes(f):
    """(bytearray of the whole file, name for messages) from a path or binary file object."""
    if _is_file_object(f):
        if not hasattr(f, "read"):
            raise TypeError(f"load: the file object {type(f).__name__} has no read()")
        data = f.read()
        if isinstance(data, str):
            raise TypeError("load: expected a binary file object (open(path, 'rb')), got a "
                            "text one")
        return bytearray(data), source_name(f)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = bytearray(size)
        got = fh.readinto(data)
    if got != size:       # the file changed while read
        del data[got:]
    return data, path


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
    data, name = _read_bytes(f)
    try:
        meta, arrays = _st_format.read(data)
    except _st_format.FormatError as e:
        raise _foreign(name, data, str(e)) from None
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
