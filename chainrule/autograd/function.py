"""Function: the base of every differentiable operation.

A Function's ``forward(*arrays, **options)`` computes on raw arrays and saves on ``self`` what its
``backward(grad)`` needs; ``backward`` returns one gradient per positional input (None where an
input needs none). ``apply`` wraps the two: it unwraps Tensors, runs forward, and, only when grad
mode is on and some input requires a gradient, records the node so the engine can find it.

    class Cube(Function):
        def forward(self, x):
            self.x = x
            return x ** 3

        def backward(self, grad):
            return 3 * self.x ** 2 * grad

    y = Cube.apply(x)

PyTorch's form, with ``@staticmethod forward(ctx, ...)`` / ``backward(ctx, ...)`` on Tensors, is
also accepted: ``__init_subclass__`` hands such classes to ctx_function.py, which gives them their
own ``apply``; this one stays the lean path for chainrule's ops.
"""
from .._backend import xp
from .grad_mode import state as _grad_state

_new = object.__new__
_NO_GRAD = [(False,) * n for n in range(8)]


class Function:
    # Graph bookkeeping lives in slots; what forward saves lives in __dict__, so freeing a node
    # after backward (retain_graph=False) is one dict clear that keeps the graph's shape intact.
    __slots__ = ("inputs", "needs_input_grad", "n_outputs", "freed", "saved_versions",
                 "_tensor_hooks", "__dict__", "__weakref__")

    # Set False on ops whose backward handles None for outputs that received no gradient.
    materialize_grads = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        forward = next(k.__dict__["forward"] for k in cls.__mro__ if "forward" in k.__dict__)
        if isinstance(forward, staticmethod) or cls.setup_context is not Function.setup_context:
            from .ctx_function import make_ctx_function
            make_ctx_function(cls)

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented")

    def forward(self, *arrays, **options):
        raise NotImplementedError(f"{type(self).__name__} must define forward(*arrays)")

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} does not define backward(grad)")

    @classmethod
    def apply(cls, *args, **options):
        ctx = _new(cls)
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if _grad_state.enabled:
            needs = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
            if True in needs:
                return ctx._record(args, arrays, needs, options)
        ctx.needs_input_grad = _NO_GRAD[len(args)] if len(args) < 8 else (False,) * len(args)
        out = ctx.forward(*arrays, **options)
        if type(out) is _ndarray:
            return Tensor._from_array(out)
        if type(out) is tuple:
            return tuple([Tensor._from_array(o if type(o) is _ndarray else _check_output(cls, o))
                          for o in out])
        return Tensor._from_array(_check_output(cls, out))

    def _record(self, args, arrays, needs, options):
        """Run forward and link the outputs to this node (grad mode on, some input needs it)."""
        self.needs_input_grad = needs
        out = self.forward(*arrays, **options)
        if type(out) is not _ndarray:
            out = tuple([o if type(o) is _ndarray else _check_output(type(self), o)
                         for o in out]) if type(out) is tuple else _check_output(type(self), out)
        self.inputs = tuple([a if n else None for a, n in zip(args, needs)])
        # Versions of every tensor given: backward refuses to run if one was since modified
        # in place, since what forward saved of it would be stale.
        self.saved_versions = tuple([(a, a._version) for a in args if isinstance(a, Tensor)])
        self.freed = False
        if type(out) is tuple:
            self.n_outputs = len(out)
            self.output_meta = [(o.shape, o.dtype) for o in out]
            return tuple(_wrap(o, self, i) for i, o in enumerate(out))
        self.n_outputs = 1
        return _wrap(out, self, 0)

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _check_output(cls, out):
    """An output of an array-level forward that is not an ndarray: NumPy scalars pass, a
    Tensor (forward written as if it were PyTorch's) gets an error naming the Function."""
    if isinstance(out, xp.generic):
        return xp.asarray(out)
    if isinstance(out, Tensor):
        raise TypeError(f"{cls.__name__}.forward returned a Tensor; an array-level Function's "
                        "forward(self, *arrays) computes on and returns NumPy arrays (use "
                        "._data), or write forward(ctx, ...) as a @staticmethod for the "
                        "PyTorch form on Tensors")
    if not isinstance(out, _ndarray):
        raise TypeError(f"{cls.__name__}.forward returned a {type(out).__name__}; expected a "
                        "NumPy array or a tuple of them")
    return out


_ndarray = xp.ndarray


def _wrap(array, node, index):
    t = Tensor._from_array(array)
    if node is not None and array.dtype.kind in "fc":  # integer outputs never need a gradient
        t._requires_grad, t.grad_fn, t._out_index = True, node, index
    return t


def once_differentiable(backward):
    """torch's decorator for a backward that cannot itself be differentiated; chainrule runs
    every custom backward with grad mode off, so it returns the function unchanged."""
    return backward


def __getattr__(name):
    # torch.autograd.function.FunctionCtx lives in ctx_function.py (which imports this module)
    if name == "FunctionCtx":
        from .ctx_function import FunctionCtx
        return FunctionCtx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Tensor's methods call Functions and Functions make Tensors; tensor.py fills this in once the
# class exists, which breaks the import cycle without a lookup on every call.
Tensor = None
