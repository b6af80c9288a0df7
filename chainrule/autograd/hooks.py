"""Tensor hooks: ``register_hook`` and ``register_post_accumulate_grad_hook``, and the handle
that removes a hook again (also the handle of Module hooks).

As in torch, a hook on a non-leaf tensor lives on the node that made it (keyed by the output
index) and sees that output's total gradient before the node's backward runs; a hook on a leaf
sees the leaf's total gradient before it is accumulated into ``.grad``, and a post-accumulate
hook is called with the tensor once ``.grad`` holds it. A hook may return a Tensor that replaces
the gradient. ``retain_grad`` stores the gradient after the hooks.

The engine does none of this until the first hook is registered (``state.active``); after that
a backward builds one HookRun that waits, for each hooked leaf, until every node that uses it
has run.
"""
import itertools
import weakref
from collections import OrderedDict

from .grad_mode import state as _grad_state

_ids = itertools.count()


class _State:
    __slots__ = ("active",)

    def __init__(self):
        self.active = False


state = _State()


class RemovableHandle:
    """Returned by every ``register_*hook``: ``handle.remove()`` takes the hook out again; as a
    context manager, it removes the hook on exit."""

    def __init__(self, hooks_dict, extra_dicts=()):
        self.id = next(_ids)
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.extra_dict_refs = tuple(weakref.ref(d) for d in extra_dicts)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + self.extra_dict_refs:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __getstate__(self):   # weak references do not pickle; a copied handle removes nothing
        return {"id": self.id}

    def __setstate__(self, saved):
        self.id = saved["id"]
        self.hooks_dict_ref = weakref.ref(OrderedDict())
        self.extra_dict_refs = ()


def add_hook(hooks, fn):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


# ---- registration (attached to Tensor) ----------------------------------------------------
def register_hook(self, hook):
    """Call ``hook(grad)`` each time the gradient of this tensor is computed; a Tensor it
    returns replaces the gradient. Returns a handle with ``remove()``."""
    if not self._requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                           "require gradient")
    node = self.grad_fn
    if node is None:
        hooks = _slot(self, "_backward_hooks")
    else:
        per_output = _slot(node, "_tensor_hooks", dict)
        hooks = per_output.get(self._out_index)
        if hooks is None:
            hooks = per_output[self._out_index] = OrderedDict()
    state.active = True
    return add_hook(hooks, hook)


def register_post_accumulate_grad_hook(self, hook):
    """Call ``hook(tensor)`` after the gradient has been accumulated into this leaf's
    ``.grad`` (its return value must be None). Returns a handle with ``remove()``."""
    if self.grad_fn is not None:
        raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                           "cannot be registered on non-leaf tensors")
    if not self._requires_grad:
        raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a "
                           "tensor that doesn't require gradient")
    state.active = True
    return add_hook(_slot(self, "_post_accumulate_grad_hooks"), hook)


def _slot(obj, name, kind=OrderedDict):
    value = getattr(obj, name, None)
    if value is None:
        value = kind()
        setattr(obj, name, value)
    return value


# ---- running them (called by the engine) --------------------------------------------------
def _call_hooks(hooks, g, t_shape, dtype):
    """Run gradient hooks in order on the array ``g``; each may return a replacement."""
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        for fn in tuple(hooks.values()):
            out = fn(Tensor._from_array(g))
            if out is None:
                continue
            if not isinstance(out, Tensor):
                raise TypeError(f"hook '{_name(fn)}' returned a {type(out).__name__}; a "
                                "gradient hook returns a Tensor or None")
            if out._data.shape != t_shape:
                raise RuntimeError(f"hook '{_name(fn)}' has changed the size of value: got "
                                   f"shape {out._data.shape}, expected {t_shape}")
            g = out._data if out._data.dtype == dtype else out._data.astype(dtype)
    finally:
        _grad_state.enabled = prev
    return g


def _name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


class HookRun:
    """The hook bookkeeping of one backward pass."""

    def __init__(self, roots, nodes, capture):
        self.capture = capture
        self.retained = {}   # (node, index) -> the non-leaf tensor whose retain_grad waits
        self.leaves = {}     # id(leaf) -> [leaf, uses left, gradient so far]
        for t in roots:      # a hooked leaf given to backward() itself: finished at the end
            if t.grad_fn is None and _leaf_hooked(t):
                self.leaves[id(t)] = [t, 0, None]
        for node in nodes:
            for t in node.inputs:
                if t is not None and t.grad_fn is None and _leaf_hooked(t):
                    entry = self.leaves.get(id(t))
                    if entry is None:
                        self.leaves[id(t)] = [t, 1, None]
                    else:
                        entry[1] += 1

    def node_hooks(self, node, grads):
        """Run the hooks of the node's outputs on their gradients (a list, changed in place),
        then fill the .grad of the outputs that retain it."""
        per_output = getattr(node, "_tensor_hooks", None)
        if per_output:
            meta = getattr(node, "output_meta", None)
            for i, hooks in per_output.items():
                if hooks and grads[i] is not None:
                    g = grads[i]
                    shape, dtype = meta[i] if meta else (g.shape, g.dtype)
                    grads[i] = _call_hooks(hooks, g, shape, dtype)
        if self.retained:
            for i, g in enumerate(grads):
                t = self.retained.pop((node, i), None)
                if t is not None and g is not None:
                    _accumulate(t, g)

    def defer_retain(self, t):
        """Whether the retain_grad of non-leaf ``t`` must wait for its node's hooks."""
        per_output = getattr(t.grad_fn, "_tensor_hooks", None)
        if per_output and per_output.get(t._out_index):
            self.retained[(t.grad_fn, t._out_index)] = t
            return True
        return False

    def buffer(self, t, g):
        entry = self.leaves[id(t)]
        entry[2] = g if entry[2] is None else entry[2] + g

    def node_done(self, node):
        """One use of each hooked leaf input is over; a leaf with none left is finished."""
        for t in node.inputs:
            if t is not None and t.grad_fn is None:
                entry = self.leaves.get(id(t))
                if entry is not None:
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._finish(entry)

    def finish_all(self):
        for entry in list(self.leaves.values()):
            self._finish(entry)

    def _finish(self, entry):
        t, _, g = entry
        self.leaves.pop(id(t), None)
        if g is None:
            return
        hooks = getattr(t, "_backward_hooks", None)
        if hooks:
            g = _call_hooks(hooks, g, t._data.shape, t._data.dtype)
        if self.capture is not None:
            if id(t) in self.capture:
                prev = self.capture[id(t)]
                self.capture[id(t)] = g if prev is None else prev + g
            return
        _accumulate(t, g)
        post = getattr(t, "_post_accumulate_grad_hooks", None)
        if post:
            prev = _grad_state.enabled
            _grad_state.enabled = False
            try:
                for fn in tuple(post.values()):
                    if fn(t) is not None:
                        raise RuntimeError(f"post accumulate grad hook '{_name(fn)}' returned a "
                                           "value; it must return None")
            finally:
                _grad_state.enabled = prev


def _leaf_hooked(t):
    return bool(getattr(t, "_backward_hooks", None)
                or getattr(t, "_post_accumulate_grad_hooks", None))


def _accumulate(t, g):
    # The gradient may be an array a hook or another tensor holds: the stored .grad owns a copy.
    if t._grad is None:
        t._grad = Tensor._from_array(g.copy())
    else:
        t._grad._data = t._grad._data + g


Tensor = None   # set by chainrule.tensor
