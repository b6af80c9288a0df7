"""Norms between vectors: normalize, cosine_similarity, pairwise_distance and cdist, composed
of norm (whose gradient is 0 at a zero vector, as torch's) and pointwise ops."""
from ._broadcast import as_index
from .elementwise import clamp
from .misc import norm


def _float(op, *tensors):
    for t in tensors:
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: expected floating point tensors, got {t.dtype}")


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p over dim, eps): unit vectors along ``dim``."""
    _float("normalize", input)
    return input / clamp(norm(input, p, as_index(dim, "normalize"), keepdim=True), min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (||x1|| ||x2||) along ``dim`` (inputs broadcast; each norm at least
    eps, as torch divides each vector by its own clamped norm)."""
    _float("cosine_similarity", x1, x2)
    if x1.dtype != x2.dtype:
        raise TypeError(f"cosine_similarity: dtypes differ: {x1.dtype} and {x2.dtype}")
    dim = as_index(dim, "cosine_similarity")
    n1 = clamp(norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = clamp(norm(x2, 2, dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (eps keeps the gradient finite at x1 == x2)."""
    _float("pairwise_distance", x1, x2)
    return norm(x1 - x2 + eps, p, -1, keepdim=keepdim)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Distances between every row of x1 (.., P, M) and every row of x2 (.., R, M): (.., P, R).
    Computed from differences (exact at small distances, P*R*M memory)."""
    _float("cdist", x1, x2)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expected (.., P, M) and (.., R, M) tensors with the same M, "
                         f"got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)
