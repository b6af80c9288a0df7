"""Reverse-mode differentiation: walk the recorded graph from the output back to the leaves.

The walk is iterative (Kahn's algorithm on consumer counts), so a graph of 100,000 ops takes
linear time and no recursion. Each node runs once, after every consumer of its outputs has
delivered its gradient.
"""
import weakref

from .._backend import xp
from . import hooks as _hooks


class _HandedOut:
    """The arrays already given to a leaf or node (aliasing guard), by identity.

    A set of ids alone mistakes a fresh array for a handed-out one whenever it reuses the id of
    one already freed, which happens every MLP step (the first layer's 512x784 weight gradient
    and the biases were copied for nothing, one extra pass each); a weak reference tells them
    apart without keeping freed gradients alive."""

    __slots__ = ("refs",)

    def __init__(self):
        self.refs = {}

    def add(self, g):
        try:
            self.refs[id(g)] = weakref.ref(g)
        except TypeError:  # NumPy scalars take no weak reference: keep them (they are tiny)
            self.refs[id(g)] = lambda g=g: g

    def __contains__(self, g):
        ref = self.refs.get(id(g))
        return ref is not None and ref() is g


def run_backward(roots, root_grads, retain_graph=False, capture=None):
    """Back-propagate ``root_grads`` from the tensors ``roots``.

    Leaf tensors accumulate into ``.grad``; with ``capture`` (a dict id(tensor) -> None) the
    gradients reaching those tensors are returned in it instead, no ``.grad`` is touched, and
    only the nodes on a path to a captured tensor run (the rest of the graph stays usable).
    """
    pending = {}          # node -> list of gradient per output (None until one arrives)
    handed_out = _HandedOut()  # arrays already given to a leaf or node (aliasing guard)
    roots_nodes = []
    for t in roots:
        if t.grad_fn is not None and t.grad_fn not in roots_nodes:
            roots_nodes.append(t.grad_fn)
    needed = None if capture is None else _nodes_reaching(roots_nodes, capture)
    if needed is not None:
        roots_nodes = [n for n in roots_nodes if n in needed]
    consumers = _count_consumers(roots_nodes, needed)
    hooks = None
    if _hooks.state.active:   # some tensor hook was ever registered
        hooks = _hooks.HookRun(roots, set(roots_nodes) | consumers.keys(), capture)
    for t, g in zip(roots, root_grads):
        _deliver(t, g, pending, handed_out, capture, "backward", needed, hooks)
    ready = [n for n in roots_nodes if consumers.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        grads = pending.pop(node, None)
        if node.freed:
            raise RuntimeError(
                f"backward: trying to go through the graph of {type(node).__name__} a second "
                "time, but its saved values were freed after the first backward. Pass "
                "retain_graph=True to the first backward() if you need to go through it twice.")
        if hooks is not None and grads is not None:
            hooks.node_hooks(node, grads)
        if grads is not None:
            _run_node(node, grads, pending, handed_out, capture, needed, hooks)
        if hooks is not None:
            hooks.node_done(node)
        if not retain_graph and _holds_values(node.__dict__):
            node.__dict__.clear()
            node.freed = True
        for t in node.inputs:
            if t is not None and t.grad_fn is not None and (needed is None or t.grad_fn in needed):
                parent = t.grad_fn
                left = consumers[parent] - 1
                consumers[parent] = left
                if left == 0:
                    ready.append(parent)
    if hooks is not None:
        hooks.finish_all()


def _nodes_reaching(roots, capture):
    """The nodes from which some captured tensor can be reached through inputs."""
    order, visited, stack = [], set(), [(n, False) for n in roots]
    while stack:  # iterative depth-first search; post-order puts producers first
        node, finished = stack.pop()
        if finished:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for t in node.inputs:
            if t is not None and t.grad_fn is not None and t.grad_fn not in visited:
                stack.append((t.grad_fn, False))
    needed = set()
    for node in order:
        if any(t is not None and (id(t) in capture or t.grad_fn in needed) for t in node.inputs):
            needed.add(node)
    return needed


def _count_consumers(roots, needed):
    consumers = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for t in node.inputs:
            if t is not None and t.grad_fn is not None and (needed is None or t.grad_fn in needed):
                parent = t.grad_fn
                consumers[parent] = consumers.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return consumers


_METADATA = (int, float, bool, str, type(None), xp.dtype, xp.generic)


def _holds_values(saved):
    """Whether forward saved anything worth freeing. Like torch, a node that kept only
    metadata (shapes, flags, dtypes) stays usable for a second backward without
    retain_graph: ``y = w + 1`` can be differentiated twice, ``y = w * w`` cannot."""
    for v in saved.values():
        if type(v) is xp.ndarray:
            if v.ndim:
                return True
            continue  # a scalar operand, as torch keeps
        if isinstance(v, tuple):
            if not all(isinstance(e, _METADATA) for e in v):
                return True
        elif not isinstance(v, _METADATA):
            return True
    return False


def _run_node(node, grads, pending, handed_out, capture, needed, hooks):
    for t, version in node.saved_versions:
        if t._version != version:
            raise RuntimeError(
                f"backward: a tensor of shape {t._data.shape} that {type(node).__name__} used "
                f"was modified by an in-place operation after the forward pass (version "
                f"{version} -> {t._version}), so its gradient would be wrong. Modify a clone "
                "instead, or do the in-place update after backward().")
    if node.n_outputs == 1:
        result = node.backward(grads[0])
    else:
        if node.materialize_grads and any(g is None for g in grads):
            grads = [xp.zeros(shape, dtype) if g is None else g
                     for g, (shape, dtype) in zip(grads, node.output_meta)]
        result = node.backward(*grads)
    if type(result) is not tuple:
        result = (result,)
    inputs = node.inputs
    if len(result) != len(inputs):
        _check_count(node, result, inputs)
    name = type(node).__name__
    for t, g in zip(inputs, result):
        if t is not None and g is not None:
            _deliver(t, g, pending, handed_out, capture, name, needed, hooks)


def _check_count(node, result, inputs):
    """Fewer gradients than inputs is fine when the rest need none; extra ones only as None."""
    n = len(inputs)
    if (len(result) < n and any(t is not None for t in inputs[len(result):])) or \
            any(g is not None for g in result[n:]):
        raise RuntimeError(f"{type(node).__name__}.backward returned {len(result)} gradients "
                           f"for {n} inputs (one per positional argument of forward, None "
                           "where an input needs none)")


def _deliver(t, g, pending, handed_out, capture, op_name, needed, hooks=None):
    if g.shape != t._data.shape:
        if g.size == t._data.size and (g.ndim == 0 or t._data.ndim == 0):
            g = g.reshape(t._data.shape)
        else:
            raise RuntimeError(f"{op_name}: backward produced a gradient of shape {g.shape} for "
                               f"an input of shape {t._data.shape}")
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    if hooks is not None and id(t) in hooks.leaves:   # a hooked leaf waits for its total
        handed_out.add(g)
        hooks.buffer(t, g)
        return
    if capture is not None and id(t) in capture:
        prev = capture[id(t)]
        capture[id(t)] = g if prev is None else prev + g
    handed = g in handed_out
    handed_out.add(g)
    node = t.grad_fn
    if node is None:
        if capture is None:
            _accumulate_leaf(t, g, handed)
        return
    if needed is not None and node not in needed:
        return
    if t._retains_grad and capture is None and (hooks is None or not hooks.defer_retain(t)):
        _accumulate_leaf(t, g, True)
    slots = pending.get(node)
    if slots is None:
        slots = pending[node] = [None] * node.n_outputs
    i = t._out_index
    slots[i] = g if slots[i] is None else slots[i] + g


def _accumulate_leaf(t, g, maybe_shared):
    if t._grad is None:
        # The stored gradient must be an array the leaf owns: optimizers and clipping update
        # .grad in place, and the same array may have been handed to another tensor too.
        if maybe_shared or g.base is not None or not g.flags.writeable:
            g = g.copy()
        t._grad = Tensor._from_array(g)  # shape and dtype already checked by _deliver
    else:
        t._grad._data = t._grad._data + g


Tensor = None  # set by chainrule.tensor (see function.py)
