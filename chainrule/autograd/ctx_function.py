"""Custom autograd Functions in PyTorch's form: ``forward(ctx, *args)`` and ``backward(ctx,
*grads)`` are staticmethods that take and return Tensors.

    class MyExp(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = MyExp.apply(x)

Function.__init_subclass__ sends a class here when its ``forward`` is a staticmethod (or it
defines ``setup_context``); the array-level form of chainrule's own ops keeps its own, faster
``apply``. Each call makes a ctx (the user's attributes) and a graph node, an instance of one
``<Name>Backward`` class per Function, whose array-level ``backward`` (what the engine calls)
wraps the gradients in Tensors, calls the user's backward with grad mode off, and checks what
it returns by torch's rules.
"""
import inspect

from .._backend import xp
from ..ops._broadcast import unbroadcast
from .function import Function
from .grad_mode import state as _grad_state

_new = object.__new__


class FunctionCtx:
    """The ``ctx`` a PyTorch-style Function's forward and backward receive. Its attributes are
    the user's (``ctx.inputs = ...`` as torch.utils.checkpoint writes is fine): the graph node
    is a separate object, so nothing the engine keeps can be overwritten."""

    __slots__ = ("_node", "_materialize", "_non_differentiable", "_dirty", "__dict__")

    @property
    def needs_input_grad(self):
        return self._node.needs_input_grad

    # ---- what forward / setup_context call ----------------------------------------------
    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self._node._fn_cls.__name__}: save_for_backward can only "
                                f"save tensors (or None), but argument {i} is of type "
                                f"{type(t).__name__}")
        # kept on the node, whose saved values the engine frees after backward
        self._node.__dict__["saved"] = tensors

    @property
    def saved_tensors(self):
        node = self._node
        try:
            return node.__dict__["saved"]
        except KeyError:
            if getattr(node, "freed", False):
                raise RuntimeError(f"{node._fn_cls.__name__}: saved_tensors were freed after "
                                   "the first backward; pass retain_graph=True to it to go "
                                   "through the graph twice") from None
            return ()

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = self._non_differentiable + tuple(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty = self._dirty + tuple(tensors)

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class CtxNode(Function):
    """The graph node of one call of a PyTorch-style Function (``<Name>Backward``)."""

    __slots__ = ("ctx", "output_meta", "_is_tensor_arg")
    # The engine hands None for outputs that got no gradient; backward() below materializes
    # zeros itself when set_materialize_grads(True) (the default) asks for it.
    materialize_grads = False
    _fn_cls = None   # the user's Function class, set on each generated <Name>Backward class

    def backward(self, *grads):
        fn, ctx = self._fn_cls, self.ctx
        tensors = []
        for g, meta in zip(grads, self.output_meta):
            if g is None and ctx._materialize and meta is not None:
                g = xp.zeros(*meta)
            tensors.append(None if g is None else Tensor._from_array(g))
        prev = _grad_state.enabled
        _grad_state.enabled = False   # as torch without create_graph
        try:
            result = fn.backward(ctx, *tensors)
        finally:
            _grad_state.enabled = prev
        return _check_grads(self, fn.__name__, result)


def _check_grads(node, name, result):
    """torch's rules for what a custom backward returns: one gradient per forward argument
    (extra trailing Nones allowed), None for non-tensor arguments, a Tensor whose shape equals
    the input's or broadcasts from it (then summed down), cast to the input's dtype."""
    if type(result) is not tuple:
        result = (result,)
    n = len(node.inputs)
    if len(result) > n and all(g is None for g in result[n:]):
        result = result[:n]
    if len(result) != n:
        raise RuntimeError(f"{name}.backward returned an incorrect number of gradients "
                           f"(expected {n}, one per argument of forward, got {len(result)})")
    arrays = []
    for i, (g, t, is_tensor) in enumerate(zip(result, node.inputs, node._is_tensor_arg)):
        if g is None:
            arrays.append(None)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"{name}.backward returned a {type(g).__name__} as gradient {i}; "
                            "expected a Tensor or None")
        if not is_tensor:
            raise RuntimeError(f"{name}.backward returned a gradient different than None at "
                               f"position {i}, but the corresponding forward argument was not "
                               "a Tensor")
        if t is None:                 # the input does not require grad: the gradient is unused
            arrays.append(None)
            continue
        g, shape = g._data, t._data.shape
        if g.shape != shape:
            if not _broadcasts_to(shape, g.shape):
                raise RuntimeError(f"{name}.backward returned an invalid gradient at index {i}"
                                   f" - got shape {g.shape} but expected shape compatible with "
                                   f"{shape}")
            g = unbroadcast(g, shape).reshape(shape)
        arrays.append(g)
    return tuple(arrays)


def _broadcasts_to(shape, target):
    if len(shape) > len(target):
        return False
    return all(a == b or a == 1 for a, b in zip(shape[::-1], target[::-1]))


def ctx_apply(cls, *args, **kwargs):
    """``apply`` of a PyTorch-style Function: forward with grad mode off, then the outputs are
    linked to the ctx node when grad mode is on and some tensor argument requires grad."""
    node = _new(cls._node_cls)
    ctx = node.ctx = _new(FunctionCtx)
    ctx._node = node
    is_tensor = tuple([isinstance(a, Tensor) for a in args])
    needs = tuple([t and a._requires_grad for a, t in zip(args, is_tensor)])
    node.needs_input_grad = needs
    node._is_tensor_arg = is_tensor
    ctx._materialize = True
    ctx._non_differentiable = ctx._dirty = ()
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        if cls._setup_context_form:
            bound = cls._forward_signature.bind(*args, **kwargs)
            bound.apply_defaults()
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, bound.args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        _grad_state.enabled = prev
    if not (prev and True in needs):
        return out
    return _link_outputs(node, cls.__name__, args, needs, out)


def _link_outputs(node, name, args, needs, out):
    inputs = [a if n else None for a, n in zip(args, needs)]
    ctx = node.ctx
    dirty = {id(t) for t in ctx._dirty}
    for i, a in enumerate(args):
        if id(a) in dirty:     # modified in place: the node takes the input's former self
            if a._requires_grad and a.grad_fn is None:
                raise RuntimeError(f"{name}: a leaf tensor that requires grad was modified in "
                                   "place (mark_dirty) in forward; clone it first")
            if a._requires_grad:
                old = Tensor._from_array(a._data)
                old._requires_grad, old.grad_fn, old._out_index = True, a.grad_fn, a._out_index
                inputs[i] = old
    node.inputs = tuple(inputs)
    node.freed = False
    is_tuple = type(out) is tuple
    outs = out if is_tuple else (out,)
    arg_ids = {id(a) for a in args}
    linked, meta = [], []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            linked.append(o)
            meta.append(None)
            continue
        meta.append((o._data.shape, o._data.dtype))
        t = o
        if id(o) not in dirty and (id(o) in arg_ids or o._requires_grad):
            t = Tensor._from_array(o._data)   # an input (or other graph tensor) passed through
        if id(o) in ctx._non_differentiable or o._data.dtype.kind not in "fc":
            if t is o and id(o) in dirty:
                t.grad_fn, t._requires_grad = None, False
        else:
            t._requires_grad, t.grad_fn, t._out_index = True, node, i
        linked.append(t)
    node.n_outputs = len(outs)
    node.output_meta = tuple(meta)
    saved = node.__dict__.get("saved", ())
    node.saved_versions = tuple([(t, t._version) for t in saved if t is not None])
    return tuple(linked) if is_tuple else linked[0]


def make_ctx_function(cls):
    """Give a PyTorch-style Function subclass its node class and its apply."""
    setup = getattr(cls, "setup_context", None)
    cls._setup_context_form = setup is not None and setup is not Function.setup_context
    if cls._setup_context_form:
        cls._forward_signature = inspect.signature(cls.forward)
    cls._node_cls = type(cls.__name__ + "Backward", (CtxNode,),
                         {"__slots__": (), "_fn_cls": cls, "__module__": cls.__module__})
    cls.apply = classmethod(ctx_apply)


Tensor = None   # set by chainrule.tensor, as in function.py
