"""torch.nn.utils.rnn: padded and packed batches of variable-length sequences.

chainrule's recurrent layers run a padded batch with per-sequence ``lengths`` (steps past a
sequence's end neither change its state nor get gradient). A ``PackedSequence`` is torch's other
spelling of the same thing; it is kept here in torch's exact layout (time-major, each step's
live sequences longest first, ``batch_sizes`` per step) so code that reads ``packed.data``
works, and RNN/LSTM/GRU accept it by unpacking to padded + lengths. Packing and unpacking are
gathers, so gradients flow through both.
"""
from typing import NamedTuple

from ..._backend import xp
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


class PackedSequence(NamedTuple):
    """torch's packed batch: ``data`` (sum of lengths, *), ``batch_sizes`` (max length,) int64,
    ``sorted_indices`` / ``unsorted_indices`` (batch,) int64 or None when already sorted."""
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor = None
    unsorted_indices: Tensor = None

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self):
        return False


def _lengths_array(lengths, batch, op):
    lengths = xp.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or lengths.shape[0] != batch:
        raise ValueError(f"{op}: lengths must be a 1-D integer sequence of {batch} values (one "
                         f"per batch element), got shape {lengths.shape} dtype {lengths.dtype}")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(f"{op}: every length must be at least 1, got {lengths.tolist()}")
    return lengths.astype(xp.int64)


def _layout(lengths):
    """(sorted order, batch_sizes, time index and batch index of each packed row)."""
    order = xp.argsort(-lengths, kind="stable")
    steps = int(lengths.max()) if lengths.size else 0
    batch_sizes = (lengths[None, :] > xp.arange(steps)[:, None]).sum(axis=1)
    times = xp.repeat(xp.arange(steps), batch_sizes)
    batches = xp.concatenate([order[:n] for n in batch_sizes]) if steps else order[:0]
    return order, batch_sizes.astype(xp.int64), times, batches


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ((T, B, *) or (B, T, *) with batch_first) of the given lengths."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got "
                        f"{type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must be at least 2-D, got shape "
                         f"{tuple(input.shape)}")
    if batch_first:
        input = input.transpose(0, 1)
    lengths = _lengths_array(lengths, input.shape[1], "pack_padded_sequence")
    if lengths.max() > input.shape[0]:
        raise ValueError(f"pack_padded_sequence: a length of {int(lengths.max())} exceeds the "
                         f"{input.shape[0]} steps of the input")
    if enforce_sorted and (xp.diff(lengths) > 0).any():
        raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in decreasing "
                           "order when `enforce_sorted` is True; pass enforce_sorted=False to "
                           "pack unsorted sequences")
    order, batch_sizes, times, batches = _layout(lengths)
    data = input[times, batches]
    if enforce_sorted:
        return PackedSequence(data, Tensor._from_array(batch_sizes))
    return PackedSequence(data, Tensor._from_array(batch_sizes),
                          Tensor._from_array(order), Tensor._from_array(xp.argsort(order)))


def packed_lengths(sequence):
    """Each original sequence's length (in the caller's batch order) of a PackedSequence."""
    batch_sizes = sequence.batch_sizes._data
    if batch_sizes.size == 0:
        raise ValueError("PackedSequence: empty batch_sizes")
    # sequence at sorted position j lives for the steps whose batch size exceeds j
    sorted_lengths = (batch_sizes[None, :] > xp.arange(batch_sizes[0])[:, None]).sum(axis=1)
    if sequence.unsorted_indices is None:
        return sorted_lengths
    return sorted_lengths[sequence.unsorted_indices._data]


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """(padded batch, lengths): the inverse of pack_padded_sequence, in the original order."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    lengths = packed_lengths(sequence)
    steps = int(lengths.max())
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length={total_length} is smaller than "
                             f"the longest sequence ({steps})")
        steps = total_length
    _, _, times, batches = _layout(lengths)
    data = sequence.data
    # Every padded slot reads one row of data, or the padding row appended after it.
    where = xp.full((steps, lengths.shape[0]), data.shape[0], dtype=xp.int64)
    where[times, batches] = xp.arange(data.shape[0])
    pad = Tensor._from_array(xp.full((1,) + tuple(data.shape[1:]), padding_value,
                                     dtype=data.dtype))
    padded = cat([data, pad])[where]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._from_array(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (L_max, B, *) ((B, L_max, *) with batch_first)."""
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) for s in sequences):
        raise TypeError("pad_sequence: expected a non-empty sequence of Tensors")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    trailing = tuple(sequences[0].shape[1:])
    if any(tuple(s.shape[1:]) != trailing for s in sequences):
        raise RuntimeError(f"pad_sequence: all sequences must share their trailing dims, got "
                           f"{[tuple(s.shape) for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        fill = Tensor._from_array(xp.full((longest - s.shape[0],) + trailing, padding_value,
                                          dtype=s.dtype))
        padded.append(cat([s, fill] if padding_side == "right" else [fill, s]))
    return stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of (L_i, *) tensors inside a padded batch."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_array(lengths, padded_sequences.shape[0], "unpad_sequence")
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The list of (L_i, *) tensors inside a PackedSequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
