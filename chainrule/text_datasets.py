"""tiny_shakespeare(): the character-level corpus of Karpathy's char-rnn and nanoGPT, shipped
inside the package (tinyshakespeare.txt.gz beside this file) and checked on load."""
import gzip
import hashlib
import os

from ._backend import xp
from .tensor import Tensor

_FILE = os.path.join(os.path.dirname(__file__), "tinyshakespeare.txt.gz")
_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"

# Validation cross entropy (nats per character) of simple models on nanoGPT's 90/10 split, the
# numbers a language model has to beat: a uniform guess over the 65 characters, character
# frequencies (unigram), add-one-smoothed bigram counts.
BASELINES = {"uniform": 4.174, "unigram": 3.347, "bigram": 2.482}


class CharCorpus:
    """A text, its character vocabulary and an encoded train / validation split.

    Attributes:
        text: the whole text (str).
        chars: the sorted distinct characters; ``vocab_size`` of them.
        stoi, itos: character -> id and id -> character.
        train_data, val_data: int64 Tensors of ids: the first ``train_fraction`` of the
            characters and the rest (nanoGPT's split: 90% / 10%, by position, not shuffled).
        baselines: reference validation losses in nats per character (see BASELINES).
    """

    def __init__(self, text, train_fraction=0.9, baselines=None):
        if not 0 < train_fraction < 1:
            raise ValueError(f"CharCorpus: train_fraction must lie in (0, 1), got "
                             f"{train_fraction!r}")
        self.text = text
        self.chars = sorted(set(text))
        self.vocab_size = len(self.chars)
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.itos = dict(enumerate(self.chars))
        # code point -> id through one lookup table (a dict lookup per character is slow)
        self._codes = xp.array([ord(c) for c in self.chars])
        self._lookup = xp.full(int(self._codes.max()) + 1 if self.chars else 1, -1, xp.int64)
        self._lookup[self._codes] = xp.arange(self.vocab_size)
        data = self.encode(text)._data
        n = int(len(data) * train_fraction)
        self.train_data = Tensor._from_array(data[:n])
        self.val_data = Tensor._from_array(data[n:])
        self.baselines = dict(baselines or {})

    def encode(self, s):
        """The ids of the characters of ``s`` as an int64 Tensor."""
        points = xp.frombuffer(s.encode("utf-32-le"), dtype=xp.uint32).astype(xp.int64)
        ok = points < len(self._lookup)
        ids = xp.full(points.shape, -1, xp.int64)
        ids[ok] = self._lookup[points[ok]]
        if (ids < 0).any():
            bad = sorted({s[i] for i in xp.flatnonzero(ids < 0)[:20]})
            raise ValueError(f"encode: characters {bad!r} are not in the vocabulary of "
                             f"{self.vocab_size}")
        return Tensor._from_array(ids)

    def decode(self, ids):
        """The text of a sequence of ids (Tensor, array or list of ints)."""
        a = ids._data if isinstance(ids, Tensor) else xp.asarray(ids)
        a = a.reshape(-1).astype(xp.int64)
        if a.size and (a.min() < 0 or a.max() >= self.vocab_size):
            raise ValueError(f"decode: ids must lie in [0, {self.vocab_size}), got values in "
                             f"[{a.min()}, {a.max()}]")
        return self._codes[a].astype(xp.uint32).tobytes().decode("utf-32-le")

    def __repr__(self):
        return (f"CharCorpus({len(self.text):,} characters, vocab_size={self.vocab_size}, "
                f"train {len(self.train_data):,}, val {len(self.val_data):,})")


def tiny_shakespeare():
    """Tiny Shakespeare: 1,115,394 characters of Shakespeare's plays (65 distinct), the corpus
    of Karpathy's char-rnn (MIT) and nanoGPT's character-level example; public domain text.

    The gzip copy ships inside chainrule (no download); its sha256 is checked on every load.
    Returns a CharCorpus: ``text``, ``chars``, ``vocab_size``, ``encode``/``decode``, and
    nanoGPT's split: ``train_data`` the first 90% of the characters, ``val_data`` the last
    10%, as int64 Tensors. ``baselines`` holds the unigram (3.347) and bigram (2.482)
    validation losses in nats per character to compare a model with.
    """
    with gzip.open(_FILE, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _SHA256:
        raise RuntimeError(f"tiny_shakespeare: {_FILE} is damaged (sha256 {digest}, expected "
                           f"{_SHA256}); reinstall chainrule")
    return CharCorpus(raw.decode("utf-8"), 0.9, BASELINES)
