"""Tensor: an array, its gradient, and the node of the graph that made it."""
from ._backend import xp
from .autograd.grad_mode import state as _grad_state
from .dtypes import as_array

_new = object.__new__


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd.

    ``_data`` is the underlying NumPy array (``data`` is, as in torch, a Tensor sharing it but cut
    from the graph), ``grad`` the accumulated gradient (a Tensor of the same
    shape, or None), ``grad_fn`` the Function that produced it (None for leaves).
    """

    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "_out_index", "_retains_grad",
                 "_version", "_backward_hooks", "_post_accumulate_grad_hooks", "__weakref__")
    # Make ``ndarray + Tensor`` defer to Tensor.__radd__ instead of broadcasting elementwise.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self._data = data._data if isinstance(data, Tensor) else as_array(data, dtype)
        self._grad = None
        self.grad_fn = None
        self._out_index = 0
        self._retains_grad = False
        self._version = 0
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_array(cls, array, requires_grad=False):
        t = _new(cls)
        t._data = array
        t._grad = None
        t._requires_grad = requires_grad
        t.grad_fn = None
        t._out_index = 0
        t._retains_grad = False
        t._version = 0
        return t

    # ---- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    is_leaf = property(lambda self: self.grad_fn is None)
    retains_grad = property(lambda self: self._retains_grad)
    T = property(lambda self: _shape.permute(self, tuple(range(self._data.ndim - 1, -1, -1))))
    mT = property(lambda self: _shape.transpose(self, -2, -1))

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("requires_grad: only tensors of floating point dtype can require "
                               f"gradients, got {self._data.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False): only leaf tensors can stop requiring grad;"
                               " use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    # torch's ``.data``: a Tensor over the same memory, outside the graph, so that
    # ``p.data.normal_(0, 0.02)`` or ``p.grad.data.norm()`` work; in-place changes through it
    # are not seen by autograd's version check, as in torch. Assigning replaces the array
    # (weight tying: ``a.weight.data = b.weight.data``); chainrule's own code uses ``_data``.
    @property
    def data(self):
        return Tensor._from_array(self._data)

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        elif not isinstance(value, xp.ndarray):
            raise TypeError(f"data: assigned data must be a Tensor, got {type(value).__name__}")
        self._data = value

    # Properties over the slots, so that assignments are checked as in torch.
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad must be a Tensor or None, got "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"grad: assigned grad has shape {value._data.shape} but the "
                                   f"tensor has shape {self._data.shape}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"grad: assigned grad has dtype {value._data.dtype} but the "
                                   f"tensor has dtype {self._data.dtype}")
        self._grad = value

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
            if self._data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs, but this tensor has shape {self._data.shape}; pass "
                                   "gradient= of that shape")
            g = xp.ones_like(self._data)
        else:
            g = gradient._data if isinstance(gradient, Tensor) else xp.asarray(gradient)
            if g.shape != self._data.shape:
                raise RuntimeError(f"backward: gradient has shape {g.shape} but the tensor has "
                                   f"shape {self._data.shape}")
            g = g.astype(self._data.dtype, copy=True)
        run_backward((self,), (g,), retain_graph=retain_graph)

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor._from_array(self._data)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ---- conversion -------------------------------------------------------------------------
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        # np.array(t) must copy (a snapshot), np.asarray(t) may share, as with torch.
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        # (a 0-d result of NumPy arithmetic can be a NumPy scalar, which is not an ndarray)
        return self._data.copy() if copy else xp.asarray(self._data)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to Python "
                             f"scalars, got shape {self._data.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with {self._data.size} "
                               "elements is ambiguous")
        return bool(self._data.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data.item())

    def type(self, dtype):
        return _ew.cast(self, dtype)

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
        return Tensor._from_array(ufunc(self._data, other._data if isinstance(other, Tensor)
                                        else other))

    def __eq__(self, other):
        return False if other is None else self._compare(xp.equal, other)

    def __ne__(self, other):
        return True if other is None else self._compare(xp.not_equal, other)

    def __lt__(self, other):
        return self._compare(xp.less, other)

    def __le__(self, other):
        return self._compare(xp.less_equal, other)

    def __gt__(self, other):
        return self._compare(xp.greater, other)

    def __ge__(self, other):
        return self._compare(xp.greater_equal, other)

    def __invert__(self):
        return Tensor._from_array(~self._data)

    # Bitwise on integers and bools alike, as torch (for bools that is logical and/or/xor).
    def __and__(self, other):
        return self._compare(xp.bitwise_and, other)

    def __or__(self, other):
        return self._compare(xp.bitwise_or, other)

    def __xor__(self, other):
        return self._compare(xp.bitwise_xor, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __floordiv__(self, other):  # not differentiable, as in torch
        return self._compare(xp.floor_divide, other)

    def __rfloordiv__(self, other):
        return Tensor._from_array(xp.floor_divide(other, self._data))

    def __mod__(self, other):
        return _ew.Remainder.apply(self, other)

    def __rmod__(self, other):
        return _ew.Remainder.apply(other, self)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__


def _format(t):
    """torch's layout: integral floats as ``1., 2.``, others with 4 decimals (``0.1000``), and
    scientific notation when magnitudes differ widely; non-default dtypes and the node named."""
    d = t._data
    options = dict(separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)
    if d.dtype.kind == "f" and d.size:
        finite = d[xp.isfinite(d)]
        if finite.size and not (finite == xp.round(finite)).all():
            options.update(precision=4, floatmode="fixed")
    body = xp.array2string(d, **options)
    extras = []
    if d.size == 0 and d.ndim > 1:
        extras.append(f"size={d.shape}")
    if d.dtype not in (xp.float32, xp.int64, xp.bool_):
        extras.append(f"dtype=chainrule.{d.dtype}")
    if t.grad_fn is not None:
        name = type(t.grad_fn).__name__   # PyTorch-style Functions' nodes end in Backward
        extras.append(f"grad_fn=<{name if name.endswith('Backward') else name + 'Backward'}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"


from .autograd import engine as _engine, function as _function, ctx_function as _ctx  # noqa: E402
from .autograd import hooks as _hooks  # noqa: E402
from .autograd.engine import run_backward  # noqa: E402

_engine.Tensor = _function.Tensor = _ctx.Tensor = _hooks.Tensor = Tensor
Tensor.register_hook = _hooks.register_hook
Tensor.register_post_accumulate_grad_hook = _hooks.register_post_accumulate_grad_hook
from .ops import elementwise as _ew, linalg as _linalg, shape as _shape  # noqa: E402
from . import _tensor_methods, _tensor_inplace, _tensor_random, _tensor_device  # noqa: E402,F401
