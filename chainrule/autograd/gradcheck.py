"""Numerical checks of the chain rule: gradcheck() and grad().

gradcheck compares the analytic vector-Jacobian product that backward computes with central
differences of the same scalar, <v, f(x)>, for a random v. That checks every input element
against every output at the cost of one backward and two forward passes per input element.
"""
from .._backend import xp
from .engine import run_backward
from .grad_mode import no_grad


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Returns a tuple with one gradient Tensor per input (None for an unused input when
    ``allow_unused`` is set).
    """
    from ..tensor import Tensor
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    root_grads = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("grad: an output does not require grad and has no grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad: grad can be implicitly created only for scalar "
                                   f"outputs; got shape {out.shape}, pass grad_outputs")
            g = xp.ones_like(out._data)
        else:
            g = xp.array(g._data if isinstance(g, Tensor) else g, dtype=out.dtype)
        root_grads.append(g)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the inputs does not require grad")
    capture = {id(t): None for t in inputs}
    run_backward(outputs, root_grads, retain_graph=bool(retain_graph), capture=capture)
    result = []
    for t in inputs:
        g = capture[id(t)]
        if g is None and not allow_unused:
            raise RuntimeError("grad: one of the inputs was not used in the graph; pass "
                               "allow_unused=True to get None for it")
        result.append(None if g is None else Tensor._from_array(xp.array(g)))
    return tuple(result)


class GradcheckError(RuntimeError):
    pass


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check ``fn``'s backward against central differences in float64.

    Args:
        fn: takes the tensors in ``inputs`` and returns a tensor (or a tuple of tensors).
        inputs: a tensor or a tuple of tensors (and other values passed through); those that
            require grad are checked and must be float64.
        eps, atol, rtol: step of the differences and the tolerance |a - n| <= atol + rtol |n|.
    Returns:
        True when every element agrees; otherwise False or, by default, GradcheckError with
        the worst mismatches.
    """
    from ..tensor import Tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for t in checked:
        if t.dtype != xp.float64:
            raise ValueError(f"gradcheck: inputs must be float64 for differences to be "
                             f"meaningful, got {t.dtype} for an input of shape {t.shape}")
    rng = xp.random.default_rng(seed)
    outs = _as_tuple(fn(*inputs))
    weights = [rng.standard_normal(o.shape) for o in outs]

    def projected():
        with no_grad():
            return sum(float((o._data * w).sum()) for o, w in zip(_as_tuple(fn(*inputs)), weights))

    analytic = grad(outs, checked, grad_outputs=[Tensor._from_array(w) for w in weights],
                    allow_unused=True)
    rows = []
    for k, (t, a) in enumerate(zip(checked, analytic)):
        a = xp.zeros(t.shape) if a is None else a._data
        flat = t._data.reshape(-1)
        numeric = xp.empty(flat.size)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = projected()
            flat[i] = orig - eps
            minus = projected()
            flat[i] = orig
            numeric[i] = (plus - minus) / (2 * eps)
        a = a.reshape(-1)
        err = xp.abs(a - numeric) - (atol + rtol * xp.abs(numeric))
        for i in xp.flatnonzero(err > 0):
            rows.append((err[i], k, xp.unravel_index(i, t.shape), a[i], numeric[i]))
    if not rows:
        return True
    if not raise_exception:
        return False
    rows.sort(key=lambda r: -r[0])
    lines = [f"  input {k} at {tuple(int(j) for j in idx)}: analytic {an:.8g}, numeric "
             f"{nu:.8g}, difference {abs(an - nu):.3g}" for _, k, idx, an, nu in rows[:8]]
    raise GradcheckError(f"gradcheck: {len(rows)} gradient entries disagree with central "
                         f"differences (atol={atol}, rtol={rtol}); worst:\n" + "\n".join(lines))


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)
