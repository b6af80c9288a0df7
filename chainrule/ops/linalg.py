"""Matrix products: matmul (torch's 1-D and batched rules) and linear (x @ W.T + b, fused)."""
from .._argcheck import operand, tensor_arg
from .._backend import xp
from ..autograd.function import Function
from ._broadcast import unbroadcast

# Inputs of up to this many rows make Linear a matrix-vector product (or a few): OpenBLAS
# splits one over its threads from 9216 weights up, and whether that pays depends on the CPU
# (the dispatch alone cost more than the product on a 2-core Xeon), so it is measured.
SMALL_ROWS = 8
_THREADED_GEMV = 9216
_ALL_THREADS = set()  # (weight shape, rows) where OpenBLAS's own threading measured faster
# Products of at least this many multiply-adds try each operand orientation (see _fastest).
_TUNED_PRODUCT = 1 << 22


def _layout(a):
    return "C" if a.flags.c_contiguous else "F" if a.flags.f_contiguous else "S"


def _fastest(key, *ways):
    """The product computed the way that measured fastest for ``key`` (each way gives the same
    matrix, up to rounding). OpenBLAS's threaded kernels run one product up to 2x faster in one
    operand orientation than in another, and which one depends on the kernel set: on AMD EPYC
    ("Haswell" kernels) (W x^T)^T took 0.37 ms against 0.43-0.84 ms for x W^T on 128x512 @
    512x512; AVX-512 Xeons use other kernels."""
    from .._autotune import fastest  # not at import: it loads OpenBLAS by ctypes
    return fastest(key, *ways)


class MatMul(Function):
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both arguments must be at least 1-D, got shapes {a.shape} "
                             f"and {b.shape}")
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        self.a, self.b = a, b
        try:
            return a @ b
        except ValueError:
            raise ValueError(f"matmul: batch dims of {a.shape} and {b.shape} cannot be "
                             "broadcast together") from None

    def backward(self, grad):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        if a.ndim == 1 and b.ndim == 1:  # dot product
            return (grad * b if need_a else None), (grad * a if need_b else None)
        # Lift 1-D operands to matrices as matmul does, then drop the added axis again.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(g2 @ xp.swapaxes(b2, -1, -2), a2.shape)
            grad_a = grad_a.reshape(a.shape)
        if need_b:
            grad_b = unbroadcast(xp.swapaxes(a2, -1, -2) @ g2, b2.shape)
            grad_b = grad_b.reshape(b.shape)
        return grad_a, grad_b


class Linear(Function):
    """y = x W^T + b in one GEMM; W keeps torch's (out_features, in_features) layout."""

    def forward(self, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(f"linear: input {x.shape} @ weight.T {weight.shape[::-1]}: expected "
                             f"the input's last dim to be in_features={weight.shape[-1]}")
        if x.dtype != weight.dtype:
            # torch refuses too; computing silently in float64 would double the time and memory
            raise TypeError(f"linear: input is {x.dtype} but weight is {weight.dtype}; convert "
                            f"the input (x.to({weight.dtype})) or the model (.to(dtype))")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias has shape {bias.shape}, expected "
                             f"({weight.shape[0]},)")
        self.x, self.weight, self.has_bias = x, weight, bias is not None
        if x.ndim != 2:
            # A C-ordered result: (W x^T)^T reshaped to 3-D would be a view with strides that
            # are neither C nor F, and every elementwise op after it (activations, residual
            # adds, LayerNorm, their gradients) ran up to 40x slower on it (measured on a
            # Transformer layer: a ReLU backward took 41 ms instead of 1 ms).
            out = x.reshape(-1, x.shape[-1]) @ weight.T
            if bias is not None:
                out += bias
            return out.reshape(x.shape[:-1] + (weight.shape[0],))
        # By default (W x^T)^T, an F-ordered view (the faster orientation on AMD EPYC); large
        # products measure both (_fastest), small-batch ones the thread count (step_threads).
        rows = x.shape[0]
        if rows <= SMALL_ROWS and weight.size >= _THREADED_GEMV and \
                (weight.shape, rows) not in _ALL_THREADS:
            from .._autotune import step_threads  # not at import: it loads OpenBLAS by ctypes
            key = ("linear", weight.shape, rows, weight.dtype.char)
            with step_threads(key) as chosen:
                out = (weight @ x.T).T
            if chosen.tuner.best == 1:  # all threads won: no need to time or switch again
                _ALL_THREADS.add((weight.shape, rows))
        elif rows * weight.size >= _TUNED_PRODUCT:
            out = _fastest(("linear", x.shape, _layout(x), weight.shape, weight.dtype.char),
                           lambda: (weight @ x.T).T, lambda: x @ weight.T)
        else:
            out = (weight @ x.T).T
        if bias is not None:
            out += bias
        return out

    def backward(self, grad):
        need_x, need_w, need_b = self.needs_input_grad
        x, weight = self.x, self.weight
        g2 = grad if grad.ndim == 2 else grad.reshape(-1, grad.shape[-1])
        grad_x = grad_w = grad_b = None
        big = g2.shape[0] * weight.size >= _TUNED_PRODUCT
        if need_x:
            if x.ndim != 2:      # C order, as in forward
                grad_x = (g2 @ weight).reshape(x.shape)
            elif big:
                grad_x = _fastest(("linear dx", g2.shape, _layout(g2), weight.shape,
                                   weight.dtype.char),
                                  lambda: (weight.T @ g2.T).T, lambda: g2 @ weight)
            else:
                grad_x = (weight.T @ g2.T).T
        if need_w:
            x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
            if big:
                # On AMD EPYC OpenBLAS's threaded NN kernel was slow for an F-ordered g2
                # (0.66-0.88 ms against 0.53 ms for 512x784 from batch 128) and a C copy of it
                # (0.02 ms) avoided that; measured against the plain form. (A transposed form
                # would give an F-ordered view, which the engine copies for the leaf's .grad.)
                grad_w = _fastest(("linear dw", g2.shape, _layout(g2), x2.shape, _layout(x2),
                                   weight.dtype.char),
                                  lambda: xp.ascontiguousarray(g2).T @ x2, lambda: g2.T @ x2)
            else:
                if g2.T.flags.c_contiguous and x2.flags.c_contiguous:
                    g2 = xp.ascontiguousarray(g2)
                grad_w = g2.T @ x2
        if need_b:
            # column sums as a BLAS product with ones: 2-3x NumPy's sum over axis 0 from 128
            # rows up, in either memory order (AMD EPYC: 57 against 123-216 us for 2048 x 512)
            grad_b = g2.sum(axis=0) if g2.shape[0] < 128 else xp.ones(g2.shape[0], g2.dtype) @ g2
        return grad_x, grad_w, grad_b


def matmul(a, b):
    from ..dtypes import as_array
    from ..tensor import Tensor
    # a list or NumPy array on either side is a constant operand, as with the other operators
    a = a if isinstance(a, (Tensor, xp.ndarray)) else as_array(operand("matmul", a, "input", 1))
    b = b if isinstance(b, (Tensor, xp.ndarray)) else as_array(operand("matmul", b, "other", 2))
    _same_kind("matmul", a.dtype, b.dtype)
    return MatMul.apply(a, b)


def _same_kind(op, da, db):
    """torch multiplies matrices of one dtype only: a float operand with an integer or bool one
    is refused (NumPy would silently compute in float64, at twice the time and memory)."""
    if (da.kind == "f") != (db.kind == "f"):
        raise TypeError(f"{op}: expected both operands to have the same dtype, but got {da} "
                        f"and {db}; convert one with .to({da if da.kind == 'f' else db})")


def linear(input, weight, bias=None):
    tensor_arg("linear", input, "input", 1)
    tensor_arg("linear", weight, "weight", 2)
    if bias is not None:
        tensor_arg("linear", bias, "bias", 3)
    return Linear.apply(input, weight, bias)
