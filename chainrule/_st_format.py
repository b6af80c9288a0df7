"""The safetensors file format, written and read here directly (it is 8 bytes of header length,
a JSON header, then raw little-endian tensor bytes), so that:

- a save is byte-deterministic: the header's keys are sorted and the tensors laid out in name
  order (the Rust writer orders its metadata by a hash map, different every run);
- a save streams each tensor to the file instead of building one copy of everything in memory;
- every malformed or hostile file gets one ValueError saying what is wrong, whatever its bytes:
  the reader checks each header field's type and range before using it.

Files written here are plain safetensors files (``safetensors.torch.load_file`` reads them) and
any spec-conforming safetensors file reads here.
"""
import json
import math
import struct

from ._backend import xp

MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header

_NAMES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
          "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
          "C64": "<c8"}
_UNSUPPORTED = {"BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C128"}
_CODES = {xp.dtype(v): k for k, v in _NAMES.items()}


class FormatError(ValueError):
    """The bytes are not a valid safetensors file (the message says why)."""


def dtype_name(dtype):
    """The safetensors name of a NumPy dtype, or None when the format cannot hold it."""
    return _CODES.get(xp.dtype(dtype).newbyteorder("<")) if dtype.kind in "biufc" else None


def write(f, tensors, metadata):
    """Write ``tensors`` ({name: C-contiguous little-endian ndarray}) and ``metadata``
    ({str: str}) to the binary file object ``f``, deterministically."""
    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    names = sorted(tensors)
    for name in names:
        arr = tensors[name]
        header[name] = {"dtype": dtype_name(arr.dtype), "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keeps every tensor 8-byte aligned in the file
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for name in names:
        arr = tensors[name]
        if arr.nbytes:
            f.write(memoryview(arr.reshape(-1)).cast("B"))


def read_header(data):
    """(header length n, metadata dict, [(name, dtype, shape, start, end)]) of the file bytes
    ``data``, every field checked; raises FormatError."""
    size = len(data)
    if size < 8:
        raise FormatError(f"the file is {size} bytes long, too short for a header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > size:
        raise FormatError(f"header length {n} does not fit in the {size}-byte file "
                          "(truncated or not a safetensors file)")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatError("the header is not valid JSON (corrupted or not a safetensors "
                          "file)") from None
    if not isinstance(header, dict):
        raise FormatError("the header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise FormatError("the header's __metadata__ is not a JSON object of strings")
    entries = []
    for name, info in header.items():
        entries.append(_entry(name, info))
    entries.sort(key=lambda e: (e[3], e[4]))
    end = 0
    for name, _, _, start, stop in entries:
        if start != end:
            raise FormatError(f"tensor {name!r} starts at byte {start} of the data, expected "
                              f"{end} (overlapping tensors or a gap)")
        end = stop
    if 8 + n + end != size:
        raise FormatError(f"the tensors need {8 + n + end} bytes but the file has {size} "
                          "(truncated or padded?)")
    return n, meta, entries


def _entry(name, info):
    if not isinstance(info, dict):
        raise FormatError(f"tensor entry {name!r} is malformed (not a JSON object)")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in _NAMES:
        if isinstance(dtype, str) and dtype in _UNSUPPORTED:
            raise FormatError(f"tensor {name!r} has dtype {dtype}, which NumPy cannot hold; "
                              "convert it to float32 before saving")
        raise FormatError(f"tensor entry {name!r} has an unknown dtype {str(dtype)[:40]!r}")
    if not (isinstance(shape, list) and len(shape) <= 64
            and all(type(d) is int and d >= 0 for d in shape)):
        raise FormatError(f"tensor entry {name!r} has a malformed shape {str(shape)[:80]}")
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(type(o) is int and 0 <= o for o in offsets) and offsets[0] <= offsets[1]):
        raise FormatError(f"tensor entry {name!r} has malformed data_offsets "
                          f"{str(offsets)[:80]}")
    dt = xp.dtype(_NAMES[dtype])
    if math.prod(shape) * dt.itemsize != offsets[1] - offsets[0]:
        raise FormatError(f"tensor {name!r} of shape {tuple(shape)} and dtype {dtype} needs "
                          f"{math.prod(shape) * dt.itemsize} bytes but its data_offsets span "
                          f"{offsets[1] - offsets[0]}")
    return name, dt, tuple(shape), offsets[0], offsets[1]


def read(data):
    """(metadata, {name: ndarray}) from the file bytes ``data`` (a writable bytearray: the
    arrays are views into it, no copy). Raises FormatError."""
    n, meta, entries = read_header(data)
    base = 8 + n
    arrays = {}
    for name, dt, shape, start, stop in entries:
        count = (stop - start) // dt.itemsize
        if count == 0:
            arrays[name] = xp.empty(shape, dt.newbyteorder("="))
            continue
        arr = xp.frombuffer(data, dtype=dt, count=count, offset=base + start).reshape(shape)
        if not dt.isnative:
            arr = arr.astype(dt.newbyteorder("="))
        elif (base + start) % dt.itemsize:      # unaligned (another writer's file): copy
            arr = arr.copy()
        arrays[name] = arr
    return meta, arrays
