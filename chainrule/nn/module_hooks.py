"""Module hooks, as torch's: forward pre-hooks, forward hooks, full backward hooks and
backward pre-hooks, each registered with a removable handle.

A module without hooks is called straight through (``Module.__call__`` checks one class-level
None); the first registration gives the module a ModuleHooks holder, and calls then go through
``ModuleHooks.call``. Full backward hooks work as torch's do: the module's tensor inputs and
outputs pass through identity nodes; the output node records grad_output (after the backward
pre-hooks), and the input node, reached once the module's whole backward has run, calls the
hooks with grad_input and grad_output and hands on what they return.
"""
from collections import OrderedDict

from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.hooks import RemovableHandle
from ..tensor import Tensor


class ModuleHooks:
    """The hooks of one module: dicts from handle id to (hook, with_kwargs, always_call)."""

    def __init__(self):
        self.forward_pre = OrderedDict()
        self.forward = OrderedDict()
        self.backward = OrderedDict()
        self.backward_pre = OrderedDict()

    def add(self, kind, entry, prepend):
        hooks = getattr(self, kind)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = entry
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def call(self, module, args, kwargs):
        result = None
        called = set()
        try:
            for fn, with_kwargs, _ in tuple(self.forward_pre.values()):
                if with_kwargs:
                    out = fn(module, args, kwargs)
                    if out is not None:
                        if not (isinstance(out, tuple) and len(out) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {out!r}")
                        args, kwargs = out
                else:
                    out = fn(module, args)
                    if out is not None:
                        args = out if isinstance(out, tuple) else (out,)
            backward = None
            if self.backward or self.backward_pre:
                backward = BackwardHook(module, [e[0] for e in self.backward.values()],
                                        [e[0] for e in self.backward_pre.values()])
                args = backward.setup_inputs(args)
            result = module.forward(*args, **kwargs)
            for hook_id, (fn, with_kwargs, _) in tuple(self.forward.items()):
                called.add(hook_id)
                out = fn(module, args, kwargs, result) if with_kwargs else fn(module, args, result)
                if out is not None:
                    result = out
            if backward is not None:
                result = backward.setup_outputs(result)
            return result
        except Exception:
            # always_call hooks run even when forward (or an earlier hook) raised, as torch's
            for hook_id, (fn, with_kwargs, always) in tuple(self.forward.items()):
                if always and hook_id not in called:
                    try:
                        if with_kwargs:
                            fn(module, args, kwargs, result)
                        else:
                            fn(module, args, result)
                    except Exception:
                        pass
            raise


class ModuleHookMethods:
    """The ``register_*hook`` methods of Module."""

    _module_hooks = None   # a ModuleHooks once the first hook is registered

    def _hooks_holder(self):
        holder = self.__dict__.get("_module_hooks")
        if holder is None:
            holder = ModuleHooks()
            object.__setattr__(self, "_module_hooks", holder)
        return holder

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before forward (or ``hook(module, args, kwargs)`` with
        ``with_kwargs``); a value it returns replaces the arguments (``(args, kwargs)``)."""
        return self._hooks_holder().add("forward_pre", (hook, with_kwargs, False), prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` after forward (``hook(module, args, kwargs, output)``
        with ``with_kwargs``); a value it returns replaces the output. ``always_call`` runs it
        even when forward raises."""
        return self._hooks_holder().add("forward", (hook, with_kwargs, always_call), prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's inputs are computed; a tuple it returns replaces grad_input."""
        return self._hooks_holder().add("backward", (hook, False, False), prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients of the module's outputs are
        known; a tuple it returns replaces grad_output."""
        return self._hooks_holder().add("backward_pre", (hook, False, False), prepend)


class BackwardHook:
    """One call's link between the output and input identity nodes of a module."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = 0
        self.input_index = self.output_index = None

    def setup_inputs(self, args):
        self.n_inputs = len(args)
        args, self.input_index = self._pass_through(_InputHookNode, args)
        return args

    def setup_outputs(self, result):
        if not isinstance(result, (Tensor, tuple)):
            return result      # torch only hooks a Tensor or a tuple of them
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        self.n_outputs = len(outs)
        outs, self.output_index = self._pass_through(_OutputHookNode, outs)
        return outs[0] if single else outs

    def _pass_through(self, node_cls, values):
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        if not (_grad_state.enabled and any(values[i]._requires_grad for i in index)):
            return values, None
        new = node_cls.apply(*[values[i] for i in index], hook=self)
        new = new if isinstance(new, tuple) else (new,)
        values = list(values)
        for i, t in zip(index, new):
            if not values[i]._requires_grad:   # as torch: no gradient flows to it (zeros)
                t._requires_grad, t.grad_fn = False, None
            values[i] = t
        return tuple(values), index

    def _pack(self, index, grads, size):
        out = [None] * size
        for i, g in zip(index, grads):
            out[i] = None if g is None else Tensor._from_array(g)
        return tuple(out)


def _call_without_grad(fn, *args):
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        return fn(*args)
    finally:
        _grad_state.enabled = prev


class _IdentityNode(Function):
    def forward(self, *arrays, hook):
        self.hook = hook
        return arrays if len(arrays) > 1 else arrays[0]


class _OutputHookNode(_IdentityNode):
    """Records grad_output (None where an output got no gradient) and runs the pre-hooks."""

    materialize_grads = False

    def backward(self, *grads):
        st = self.hook
        st.grad_outputs = st._pack(st.output_index, grads, st.n_outputs)
        for fn in st.pre_hooks:
            out = _call_without_grad(fn, st.module, st.grad_outputs)
            if out is None:
                continue
            if len(out) != len(st.grad_outputs):
                raise RuntimeError(f"{type(st.module).__name__}: backward pre hook returned an "
                                   f"invalid number of grad_output, got {len(out)}, but "
                                   f"expected {len(st.grad_outputs)}")
            st.grad_outputs = tuple(out)
        grad_outputs = st.grad_outputs
        if st.input_index is None:   # no input requires grad: the hooks fire here
            none = (None,) * st.n_inputs
            for fn in st.hooks:
                out = _call_without_grad(fn, st.module, none, grad_outputs)
                if out is not None and not all(g is None for g in out):
                    raise RuntimeError(f"{type(st.module).__name__}: a backward hook of a module"
                                       " whose inputs do not require grad must return None")
            st.grad_outputs = None
        return tuple(_unpack(grad_outputs, st.output_index))


class _InputHookNode(_IdentityNode):
    """Calls the full backward hooks with grad_input and grad_output."""

    def backward(self, *grads):
        st = self.hook
        if st.grad_outputs is None:   # the gradient did not come through the outputs
            return grads
        grad_input = st._pack(st.input_index, grads, st.n_inputs)
        for fn in st.hooks:
            out = _call_without_grad(fn, st.module, grad_input, st.grad_outputs)
            if out is None:
                continue
            if len(out) != len(grad_input):
                raise RuntimeError(f"{type(st.module).__name__}: backward hook returned an "
                                   f"invalid number of grad_input, got {len(out)}, but "
                                   f"expected {len(grad_input)}")
            grad_input = tuple(out)
        st.grad_outputs = None
        return tuple(_unpack(grad_input, st.input_index))


def _unpack(grads, index):
    for i in index:
        g = grads[i]
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"backward hook: gradient {i} is a {type(g).__name__}; expected a "
                            "Tensor or None")
        yield None if g is None else g._data
