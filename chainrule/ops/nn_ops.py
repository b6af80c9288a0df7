"""Embedding lookup and dropout as Functions (their checks live in chainrule.nn.functional)."""
from .._backend import xp
from ..autograd.function import Function


class Embedding(Function):
    """out[...] = weight[indices[...]]; the backward sums the gradient rows of repeated
    indices into their table row."""

    def forward(self, indices, weight, padding_idx=None, scale_grad_by_freq=False):
        self.indices, self.shape = indices, weight.shape
        self.padding_idx, self.scale = padding_idx, scale_grad_by_freq
        return weight.take(indices, axis=0)

    def backward(self, grad):
        n_rows, dim = self.shape
        flat = self.indices.reshape(-1)
        g = grad.reshape(-1, dim)
        # Segment sum: sort the indices, then one reduceat over the runs of equal indices.
        # (np.add.at does the same but is several times slower.)
        # NumPy's stable sort is a radix sort for 16-bit keys: much faster for small tables.
        keys = flat.astype(xp.int16) if n_rows <= 32767 else flat
        order = xp.argsort(keys, kind="stable")
        ordered = flat[order]
        starts = xp.flatnonzero(xp.concatenate(([True], ordered[1:] != ordered[:-1])))
        rows = ordered[starts]
        sums = xp.add.reduceat(g.take(order, axis=0), starts, axis=0) if flat.size else g[:0]
        if self.scale:
            # scale_grad_by_freq: divide by how often each index occurs in the batch
            counts = xp.diff(xp.append(starts, flat.size))
            sums /= counts[:, None].astype(sums.dtype)
        out = xp.zeros(self.shape, grad.dtype)
        out[rows] = sums
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return None, out


def dropout_mask(rng, shape, p, dtype):
    """keep / (1 - p) with keep ~ Bernoulli(1 - p), drawn from ``rng`` (a NumPy Generator, or a
    saved bit-generator state, to draw the same mask again).

    p is resolved to 16 bits (rounded to a multiple of 2^-16): raw 64-bit words cut into four
    16-bit numbers take a quarter of the time of one float per element (0.8 against 2.7 ms a
    million here), and the draw dominated dropout's cost."""
    if isinstance(rng, dict):
        state, rng = rng, xp.random.Generator(xp.random.PCG64())
        rng.bit_generator.state = state
    n = 1
    for d in shape:
        n *= d
    bits = rng.bit_generator.random_raw(-(-n // 4)).view(xp.uint16)[:n]
    mask = (bits >= round(p * 65536)).reshape(shape).astype(dtype)
    mask *= 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return mask


class Dropout(Function):
    """x * mask / (1 - p) with mask ~ Bernoulli(1 - p) (inverted dropout: no rescale at eval)."""

    def forward(self, x, p, rng):
        self.mask = dropout_mask(rng, x.shape, p, x.dtype)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask, None, None
