"""Norms between vectors: normalize, cosine_similarity, pairwise_distance and cdist, composed
of norm (whose gradient is 0 at a zero vector, as torch's) and pointwise ops."""
from .._backend import xp
from ..autograd.function import Function
from ._broadcast import as_index, unbroadcast
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


class EuclideanCdist(Function):
    """||a_i - b_j|| from ||a_i||^2 + ||b_j||^2 - 2 a_i.b_j: one matrix product instead of a
    P x R x M difference tensor, as torch does for p = 2 beyond 25 rows. The gradient for
    a_i is sum_j G_ij (a_i - b_j) with G = grad / d (0 where d = 0), again two products."""

    def forward(self, a, b):
        sq_a = (a * a).sum(-1)[..., :, None]
        sq_b = (b * b).sum(-1)[..., None, :]
        d2 = sq_a + sq_b - 2 * (a @ xp.swapaxes(b, -1, -2))
        self.a, self.b = a, b
        self.d = xp.sqrt(xp.maximum(d2, 0, out=d2), out=d2)
        return self.d

    def backward(self, grad):
        a, b, d = self.a, self.b, self.d
        with xp.errstate(divide="ignore", invalid="ignore"):
            g = xp.where(d > 0, grad / d, xp.zeros((), d.dtype))
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            ga = unbroadcast(g.sum(-1)[..., None] * a - g @ b, a.shape)
        if need_b:
            gb = unbroadcast(g.sum(-2)[..., None] * b - xp.swapaxes(g, -1, -2) @ a, b.shape)
        return ga, gb


_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
          "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Distances between every row of x1 (.., P, M) and every row of x2 (.., R, M): (.., P, R).

    For p = 2 with more than 25 rows on either side (or compute_mode='use_mm_for_euclid_dist')
    it uses one matrix product, as torch, losing some precision at small distances; otherwise
    it takes the norm of the differences (exact, P * R * M memory)."""
    _float("cdist", x1, x2)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expected (.., P, M) and (.., R, M) tensors with the same M, "
                         f"got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    if compute_mode not in _MODES:
        raise ValueError(f"cdist: compute_mode must be one of {_MODES}, got "
                         f"{compute_mode!r}")
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    use_mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode != "donot_use_mm_for_euclid_dist" and (x1.shape[-2] > 25 or
                                                             x2.shape[-2] > 25))
    if p == 2 and use_mm:
        return EuclideanCdist.apply(x1, x2)
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)
