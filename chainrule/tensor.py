"""Tensor: an array, its gradient, and the node of the graph that made it."""
from ._backend import xp
from .autograd.grad_mode import state as _grad_state
from .dtypes import as_array

_new = object.__new__


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd.

    ``data`` is the underlying array, ``grad`` the accumulated gradient (a Tensor of the same
    shape, or None), ``grad_fn`` the Function that produced it (None for leaves).
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_out_index", "_retains_grad",
                 "__weakref__")
    # Make ``ndarray + Tensor`` defer to Tensor.__radd__ instead of broadcasting elementwise.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = data.data if isinstance(data, Tensor) else as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._out_index = 0
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_array(cls, array, requires_grad=False):
        t = _new(cls)
        t.data = array
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = None
        t._out_index = 0
        t._retains_grad = False
        return t

    # ---- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self.grad_fn is None)
    T = property(lambda self: _shape.permute(self, tuple(range(self.data.ndim - 1, -1, -1))))
    mT = property(lambda self: _shape.transpose(self, -2, -1))

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError("requires_grad: only tensors of floating point dtype can require "
                               f"gradients, got {self.data.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False): only leaf tensors can stop requiring grad;"
                               " use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self.grad_fn is not None:
            self._retains_grad = True

    # ---- autograd ---------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` by the chain rule."""
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; "
                               "did you create it under no_grad() or from inputs that do not "
                               "require grad?")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs, but this tensor has shape {self.data.shape}; pass "
                                   "gradient= of that shape")
            g = xp.ones_like(self.data)
        else:
            g = gradient.data if isinstance(gradient, Tensor) else xp.asarray(gradient)
            if g.shape != self.data.shape:
                raise RuntimeError(f"backward: gradient has shape {g.shape} but the tensor has "
                                   f"shape {self.data.shape}")
            g = g.astype(self.data.dtype, copy=True)
        run_backward((self,), (g,), retain_graph=retain_graph)

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor._from_array(self.data)

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ---- conversion -------------------------------------------------------------------------
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to Python "
                             f"scalars, got shape {self.data.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with {self.data.size} "
                               "elements is ambiguous")
        return bool(self.data.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.data.item())

    def to(self, dtype):
        return _ew.cast(self, dtype)

    type = to

    def float(self):
        return _ew.cast(self, xp.float32)

    def double(self):
        return _ew.cast(self, xp.float64)

    def half(self):
        return _ew.cast(self, xp.float16)

    def long(self):
        return _ew.cast(self, xp.int64)

    def int(self):
        return _ew.cast(self, xp.int32)

    def bool(self):
        return _ew.cast(self, xp.bool_)

    def clone(self):
        return _ew.clone(self)

    def contiguous(self):
        return self

    def __repr__(self):
        return _format(self)

    __hash__ = object.__hash__

    # ---- in-place updates (never recorded in the graph) -------------------------------------
    def _check_inplace(self, op):
        if self.requires_grad and self.grad_fn is None and _grad_state.enabled:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad is being used in an "
                               "in-place operation; wrap it in no_grad()")
        if self.grad_fn is not None:
            raise RuntimeError(f"{op}: in-place operations on tensors that are part of a graph "
                               "are not supported")

    def _inplace(self, op, ufunc, other):
        self._check_inplace(op)
        ufunc(self.data, other.data if isinstance(other, Tensor) else other, out=self.data,
              casting="same_kind")
        return self

    def add_(self, other, alpha=1):
        if alpha != 1:
            other = (other.data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("add_", xp.add, other)

    def sub_(self, other, alpha=1):
        if alpha != 1:
            other = (other.data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("sub_", xp.subtract, other)

    def mul_(self, other):
        return self._inplace("mul_", xp.multiply, other)

    def div_(self, other):
        return self._inplace("div_", xp.divide, other)

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_")
        xp.clip(self.data, min, max, out=self.data)
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        self._check_inplace("copy_")
        self.data[...] = src.data if isinstance(src, Tensor) else src
        return self

    def _augmented(self, op, ufunc, other, out_of_place):
        # `w -= lr * w.grad` under no_grad updates w in place, as in torch; when the graph
        # must record the op, the name is rebound to a new tensor instead.
        grad_on = _grad_state.enabled
        if grad_on and (self.requires_grad or getattr(other, "requires_grad", False)):
            if self.requires_grad and self.grad_fn is None:
                self._check_inplace(op)
            return out_of_place(self, other)
        ufunc(self.data, other.data if isinstance(other, Tensor) else other, out=self.data,
              casting="same_kind")
        return self

    def __iadd__(self, other):
        return self._augmented("+=", xp.add, other, Tensor.__add__)

    def __isub__(self, other):
        return self._augmented("-=", xp.subtract, other, Tensor.__sub__)

    def __imul__(self, other):
        return self._augmented("*=", xp.multiply, other, Tensor.__mul__)

    def __itruediv__(self, other):
        return self._augmented("/=", xp.divide, other, Tensor.__truediv__)

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index.data
        self.data[index] = value.data if isinstance(value, Tensor) else value

    # ---- operators --------------------------------------------------------------------------
    def __add__(self, other):
        return _ew.Add.apply(self, other)

    def __radd__(self, other):
        return _ew.Add.apply(other, self)

    def __sub__(self, other):
        return _ew.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ew.Sub.apply(other, self)

    def __mul__(self, other):
        return _ew.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ew.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ew.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _ew.Div.apply(other, self)

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _linalg.matmul(other, self)

    def __neg__(self):
        return _ew.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.Abs.apply(self)

    def __getitem__(self, index):
        return _shape.getitem(self, index)

    # Comparisons give bool tensors and are never differentiable.
    def _compare(self, ufunc, other):
        return Tensor._from_array(ufunc(self.data, other.data if isinstance(other, Tensor)
                                        else other))

    def __eq__(self, other):
        return self._compare(xp.equal, other)

    def __ne__(self, other):
        return self._compare(xp.not_equal, other)

    def __lt__(self, other):
        return self._compare(xp.less, other)

    def __le__(self, other):
        return self._compare(xp.less_equal, other)

    def __gt__(self, other):
        return self._compare(xp.greater, other)

    def __ge__(self, other):
        return self._compare(xp.greater_equal, other)

    def __invert__(self):
        return Tensor._from_array(~self.data)

    def __and__(self, other):
        return self._compare(xp.logical_and, other)

    def __or__(self, other):
        return self._compare(xp.logical_or, other)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__


def _format(t):
    body = xp.array2string(t.data, separator=", ", prefix="tensor(", precision=4,
                           threshold=1000, edgeitems=3, suppress_small=False)
    extras = []
    if t.data.dtype not in (xp.float32, xp.int64, xp.bool_) or t.data.size == 0:
        extras.append(f"dtype=chainrule.{t.data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}Backward>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"


from .autograd import engine as _engine, function as _function  # noqa: E402
from .autograd.engine import run_backward  # noqa: E402

_engine.Tensor = _function.Tensor = Tensor
from .ops import elementwise as _ew, linalg as _linalg, shape as _shape  # noqa: E402
from . import _tensor_methods  # noqa: E402,F401  (attaches sum, mean, exp, ... to Tensor)
