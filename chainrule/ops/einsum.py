"""einsum, and the named products built on matmul: mm, bmm, mv, dot, outer, addmm, baddbmm.

einsum's gradient for an operand is itself an einsum: the output gradient contracted with the
other operands, written out with that operand's subscripts. Three things need care:
  * an ellipsis is spelled out as ordinary letters (right-aligned, so broadcasting works);
  * a size-1 dim broadcast against a larger one is squeezed away first, so each letter has one
    size and the gradient einsum sums over the broadcast by itself;
  * a letter only one operand uses (summed away inside it) cannot appear in the gradient
    einsum's output: that part of the gradient is a broadcast, and a repeated letter ("ii")
    puts the gradient on a diagonal.
"""
import string

from .._backend import xp
from ..autograd.function import Function
from .linalg import matmul


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _parse(equation, shapes):
    """Letters of every operand and of the output, the ellipsis spelled out."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands but "
                         f"{len(shapes)} were given")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in string.ascii_letters if c not in used]
    n_ellipsis = 0
    for term, shape in zip(terms, shapes):
        bad = set(term.replace("...", "")) - set(string.ascii_letters)
        if bad:
            raise ValueError(f"einsum: invalid subscript {sorted(bad)[0]!r} in {equation!r}")
        named = len(term.replace("...", ""))
        if "..." in term:
            n_ellipsis = max(n_ellipsis, len(shape) - named)
        elif named != len(shape):
            raise ValueError(f"einsum: subscripts {term!r} name {named} dims but the operand "
                             f"has shape {tuple(shape)}")
    ell = spare[:n_ellipsis]
    letters = []
    for term, shape in zip(terms, shapes):
        head, _, tail = term.partition("...")
        if "..." in term:
            k = len(shape) - len(head) - len(tail)
            if k < 0:
                raise ValueError(f"einsum: subscripts {term!r} name more dims than the "
                                 f"operand's shape {tuple(shape)}")
            letters.append(list(head) + ell[n_ellipsis - k:] + list(tail))
        else:
            letters.append(list(term))
    if arrow:
        head, _, tail = rhs.partition("...")
        out = list(head) + (ell if "..." in rhs else []) + list(tail)
        inputs = set(c for ls in letters for c in ls)
        for c in out:
            if c not in inputs:
                raise ValueError(f"einsum: output subscript {c!r} does not appear in the "
                                 f"inputs of {equation!r}")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscripts repeat a letter in {equation!r}")
    else:  # implicit output: the ellipsis, then the letters used once, alphabetically
        counts = {}
        for ls in letters:
            for c in ls:
                counts[c] = counts.get(c, 0) + 1
        out = ell + sorted((c for c, n in counts.items() if n == 1 and c not in ell),
                           key=string.ascii_letters.index)
    return letters, out


def _sizes(letters, shapes, equation):
    sizes = {}
    for ls, shape in zip(letters, shapes):
        for c, n in zip(ls, shape):
            m = sizes.get(c, 1)
            if n != 1 and m != 1 and n != m:
                raise ValueError(f"einsum: subscript {c!r} has size {n} in one operand and "
                                 f"{m} in another ({equation!r})")
            sizes[c] = max(n, m)
    return sizes


def _spec(letters, out):
    return ",".join("".join(ls) for ls in letters) + "->" + "".join(out)


def _contract(spec, arrays):
    # optimize picks a pairwise order and BLAS (tensordot) where it can; its planning costs
    # tens of microseconds, wasted on a single operand
    return xp.einsum(spec, *arrays, optimize=len(arrays) > 1)


class Einsum(Function):
    def forward(self, *arrays, letters, out):
        self.arrays, self.letters, self.out = arrays, letters, out
        return _contract(_spec(letters, out), arrays)

    def backward(self, grad):
        letters, sizes = self.letters, {}
        for ls, a in zip(letters, self.arrays):
            sizes.update(zip(ls, a.shape))
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [i for i in range(len(letters)) if i != k]
            available = set(self.out).union(*(letters[i] for i in others))
            unique = list(dict.fromkeys(letters[k]))
            kept = [c for c in unique if c in available]
            g = _contract(_spec([self.out] + [letters[i] for i in others], kept),
                          [grad] + [self.arrays[i] for i in others])
            if len(kept) < len(unique):  # letters summed inside operand k only: broadcast
                g = g.reshape([sizes[c] if c in kept else 1 for c in unique])
                g = xp.broadcast_to(g, [sizes[c] for c in unique])
            if len(unique) < len(letters[k]):  # a repeated letter: onto the diagonal
                full = xp.zeros(self.arrays[k].shape, grad.dtype)
                axes = {c: xp.arange(sizes[c]).reshape(
                    [-1 if d == c else 1 for d in unique]) for c in unique}
                full[tuple(axes[c] for c in letters[k])] = g
                g = full
            grads.append(g)
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: ``einsum('bij,bjk->bik', a, b)``; operands may
    also come as one list. Supports '...' broadcasting and implicit output."""
    Tensor = _tensor()
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if not operands:
        raise ValueError("einsum: expected at least one operand")
    operands = [t if isinstance(t, Tensor) else Tensor(t) for t in operands]
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise TypeError(f"einsum: operands must share a dtype, got {sorted(map(str, dtypes))}")
    shapes = [t.shape for t in operands]
    letters, out = _parse(equation, shapes)
    sizes = _sizes(letters, shapes, equation)
    # squeeze size-1 dims broadcast against larger ones, so each letter has one size
    for i, (ls, t) in enumerate(zip(letters, operands)):
        keep = [d for d, c in enumerate(ls) if not (t.shape[d] == 1 and sizes[c] > 1)]
        if len(keep) < len(ls):
            letters[i] = [ls[d] for d in keep]
            operands[i] = t.reshape([t.shape[d] for d in keep])
    return Einsum.apply(*operands, letters=letters, out=out)


# ---- named products -------------------------------------------------------------------------
def _check_ndim(op, name, t, ndim):
    if t.ndim != ndim:
        raise ValueError(f"{op}: {name} must be a {ndim}-D tensor, got shape {tuple(t.shape)}")


def mm(input, mat2):
    """Matrix product of two 2-D tensors (no broadcasting)."""
    _check_ndim("mm", "input", input, 2)
    _check_ndim("mm", "mat2", mat2, 2)
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    _check_ndim("bmm", "input", input, 3)
    _check_ndim("bmm", "mat2", mat2, 3)
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {tuple(input.shape)} and "
                         f"{tuple(mat2.shape)}")
    return matmul(input, mat2)


def mv(input, vec):
    _check_ndim("mv", "input", input, 2)
    _check_ndim("mv", "vec", vec, 1)
    return matmul(input, vec)


def dot(input, other):
    _check_ndim("dot", "input", input, 1)
    _check_ndim("dot", "other", other, 1)
    return matmul(input, other)


inner = dot


def outer(input, vec2):
    """input[i] * vec2[j] as an (n, m) matrix."""
    _check_ndim("outer", "input", input, 1)
    _check_ndim("outer", "vec2", vec2, 1)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def _scaled_sum(input, product, beta, alpha):
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # torch ignores input then (even its NaNs), but keeps its shape
        shape = _broadcast(input.shape, product.shape)
        return product if product.shape == shape else product.expand(shape)
    return (input if beta == 1 else input * beta) + product


def _broadcast(a, b):
    return xp.broadcast_shapes(tuple(a), tuple(b))


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _scaled_sum(input, mv(mat, vec), beta, alpha)
