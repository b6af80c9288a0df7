"""Unflatten: the inverse of Flatten."""
from .module import Module

__all__ = ["Unflatten"]


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size`` (a tuple of ints; one may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int (named dims are not supported), got "
                            f"{type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)) or \
                not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        ndim = input.ndim
        dim = self.dim + ndim if self.dim < 0 else self.dim
        if not 0 <= dim < ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input with "
                             f"{ndim} dims")
        sizes = list(self.unflattened_size)
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        n = input.shape[dim]
        if sizes.count(-1) == 1 and known and n % known == 0:
            sizes[sizes.index(-1)] = n // known
        total = 1
        for s in sizes:
            total *= s
        if total != n or sizes.count(-1):
            raise RuntimeError(f"Unflatten: unflattened_size {tuple(self.unflattened_size)} "
                               f"does not multiply to the size {n} of dim {self.dim} (input "
                               f"shape {list(input.shape)})")
        return input.reshape(tuple(input.shape[:dim]) + tuple(sizes) +
                             tuple(input.shape[dim + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
