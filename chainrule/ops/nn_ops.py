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


class Dropout(Function):
    """x * mask / (1 - p) with mask ~ Bernoulli(1 - p) (inverted dropout: no rescale at eval)."""

    def forward(self, x, p, rng):
        dtype = x.dtype if x.dtype in (xp.float32, xp.float64) else xp.float32
        keep = rng.random(x.shape, dtype=dtype) >= p
        scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
        self.mask = keep.astype(x.dtype)
        self.mask *= scale
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask, None, None
