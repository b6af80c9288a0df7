"""L-BFGS: quasi-Newton steps from a short history of gradient changes, re-evaluating the
loss through a closure."""
import numbers

from .._backend import xp
from .._blas import MIN_SIZE, axpby
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._strong_wolfe import strong_wolfe
from .optimizer import Optimizer, check_number

_LINE_SEARCHES = (None, "strong_wolfe")


class LBFGS(Optimizer):
    r"""L-BFGS (Nocedal, 1980), following PyTorch's ``torch.optim.LBFGS`` step for step.

    Each call of :meth:`step` runs up to ``max_iter`` iterations on all parameters seen as one
    flat vector :math:`x` with gradient :math:`g`. The direction is
    :math:`d = -H g`, where :math:`H` approximates the inverse Hessian from the last
    ``history_size`` pairs :math:`s = x_{k+1} - x_k`, :math:`y = g_{k+1} - g_k` (two-loop
    recursion; a pair is kept only when :math:`y^\top s > 10^{-10}`, and
    :math:`H_0 = (y^\top s / y^\top y) I`). The step along :math:`d` is ``lr`` (the first
    iteration ever: :math:`\min(1, 1/\|g\|_1)` ``lr``) or, with
    ``line_search_fn="strong_wolfe"``, one satisfying the strong Wolfe conditions.

    Iterations stop early when :math:`\max|g| \le` ``tolerance_grad``, when the directional
    derivative :math:`g^\top d > -` ``tolerance_change``, when the step
    :math:`\max|t d|` or the loss change is below ``tolerance_change``, or after
    ``max_eval`` loss evaluations.

    Args:
        params: iterable of Tensors (one parameter group only, as in PyTorch).
        lr: learning rate, the step length along :math:`d` (default 1).
        max_iter: iterations per :meth:`step` (default 20).
        max_eval: loss evaluations per :meth:`step` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when every gradient entry is this small (default 1e-7).
        tolerance_change: stop when the loss or the parameters change less (default 1e-9).
        history_size: number of :math:`(s, y)` pairs kept (default 100).
        line_search_fn: None (fixed step ``lr``) or ``"strong_wolfe"``.

    Usage::

        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss

        optimizer.step(closure)

    State (kept on the first parameter, in PyTorch's layout): ``func_evals``, ``n_iter``
    (ints, over all steps), ``d`` (last direction, flat), ``t`` (last step length),
    ``old_dirs`` / ``old_stps`` (the :math:`y` / :math:`s` history, flat Tensors), ``ro``
    (:math:`1 / y^\top s`), ``al`` (two-loop coefficients), ``H_diag``, ``prev_flat_grad``,
    ``prev_loss``.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None and _is_int(max_iter):
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             "it optimizes all parameters as one vector; pass them in one list")
        super().add_param_group(param_group)

    def _check_group(self, group):
        name = "LBFGS"
        check_number(name, "lr", group["lr"], lambda v: v >= 0, "lr >= 0", "learning rate")
        for arg in ("max_iter", "max_eval", "history_size"):
            if not _is_int(group[arg]):
                raise TypeError(f"{name}: {arg} must be an int, got {group[arg]!r}")
            check_number(name, arg, group[arg], lambda v: v >= 1, f"{arg} >= 1")
        for arg in ("tolerance_grad", "tolerance_change"):
            check_number(name, arg, group[arg], lambda v: v >= 0, f"{arg} >= 0")
        if group["line_search_fn"] not in _LINE_SEARCHES:
            raise ValueError(f"{name}: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r}")

    # ---- the parameters as one flat vector -------------------------------------------------
    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def _flat_grad(self):
        """A new flat array of all gradients (zeros for a parameter without one)."""
        return xp.concatenate([
            xp.zeros(p._data.size, p._data.dtype) if p.grad is None else self._grad(p).ravel()
            for p in self._params])

    def _add_step(self, t, d):
        """``x += t * d``, parameter by parameter."""
        offset = 0
        for p in self._params:
            w = p._data
            part = d[offset:offset + w.size]
            if w.flags.c_contiguous:
                add_scaled_(w.reshape(-1), t, part, self._buffers(p, 1)[0].reshape(-1))
            else:
                w += (part * t).reshape(w.shape)
            offset += w.size

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        if loss is None:
            raise TypeError("LBFGS.step: the closure returned None; it must return the loss "
                            "(after calling backward on it)")
        return loss

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t d``; the parameters are left at ``x``."""
        self._add_step(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._flat_grad()
        for p, saved in zip(self._params, x):
            xp.copyto(p._data, saved)
        return loss, flat_grad

    # ---- the step ---------------------------------------------------------------------------
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: callable that clears the gradients, re-evaluates the model, calls
                ``backward`` on the loss and returns it (required).
        Returns:
            The loss the closure returned on its first call (before any update).
        """
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step needs a closure: a function that zeroes the gradients, "
                            "computes the loss, calls loss.backward() and returns the loss")
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS: expected exactly one parameter group, got "
                             f"{len(self.param_groups)}")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]
        if line_search_fn not in _LINE_SEARCHES:
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if xp.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss  # already optimal

        d, t = _array(state.get("d")), state.get("t")
        old_dirs, old_stps = state.get("old_dirs"), state.get("old_stps")
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        opt_cond = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # ---- direction ----
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(Tensor._from_array(y))
                    old_stps.append(Tensor._from_array(s))
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = self._two_loop(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # ---- step length ----
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break  # not a descent direction (any more)

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x, step, direction):
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_step(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_step(t, d)
                if n_iter != max_iter:
                    # not after the last iteration: with a stochastic loss it would be wasted
                    loss = float(self._evaluate(closure))
                    flat_grad = self._flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # ---- stopping ----
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=Tensor._from_array(d), t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro,
                     H_diag=H_diag, prev_flat_grad=Tensor._from_array(prev_flat_grad),
                     prev_loss=prev_loss)
        return orig_loss

    def _two_loop(self, flat_grad, old_dirs, old_stps, ro, H_diag, al):
        """The L-BFGS direction ``-H g`` by the two-loop recursion (``al``: coefficients,
        filled in place as PyTorch keeps them in the state)."""
        q = -flat_grad
        scratch = xp.empty_like(q)
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i]._data.dot(q) * ro[i]
            add_scaled_(q, -al[i], old_dirs[i]._data, scratch)
        r = q * H_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i]._data.dot(r) * ro[i]
            add_scaled_(r, al[i] - be_i, old_stps[i]._data, scratch)
        return r

    # ---- checkpoints ------------------------------------------------------------------------
    def _load_state_value(self, key, value, p, index):
        dtype = xp.result_type(*[q._data.dtype for q in self._params])
        if key in ("func_evals", "n_iter"):
            return int(_plain(value))
        if key in ("d", "prev_flat_grad"):
            return None if value is None else _flat_tensor(value, dtype)
        if key in ("old_dirs", "old_stps"):
            return [_flat_tensor(v, dtype) for v in value]
        if key in ("ro", "al"):
            return [None if v is None else _scalar(v, dtype) for v in value]
        if key in ("t", "H_diag"):
            return None if value is None else _scalar(value, dtype)
        if key == "prev_loss":
            return None if value is None else float(_plain(value))
        return super()._load_state_value(key, value, p, index)


# Whether long double is wider than double (x86 Linux and macOS on Intel; not Windows, ARM).
_EXTENDED = xp.finfo(xp.longdouble).nmant > xp.finfo(xp.float64).nmant


def add_scaled_(y, alpha, x, scratch):
    """``y += alpha * x`` in place, rounded once as PyTorch's ``add_(x, alpha=)`` is.

    PyTorch fuses that multiply and add (FMA: one rounding); NumPy has no FMA. On small
    vectors, where the cost does not matter, the sum is formed in a wider type and rounded
    once, which reproduces PyTorch's result (bar rare double-rounding ties); large vectors
    take the one-pass BLAS axpby. Measured on Rosenbrock (fixed step, 10 steps of 20
    iterations): 1e-4 from PyTorch's trajectory with two roundings, 2e-6 with one (the rest
    is dot products, which PyTorch's BLAS sums in another order), and with strong Wolfe
    bit-identical runs. Chaotic runs drift apart all the same, only later: L-BFGS with a fixed
    step amplifies a last-bit change, even in PyTorch against itself.
    """
    if y.size < MIN_SIZE and y.dtype == x.dtype:
        if y.dtype == xp.float32:  # PyTorch rounds alpha to float32 first
            y[...] = x.astype(xp.float64) * float(xp.float32(alpha)) + y
            return y
        if y.dtype == xp.float64 and _EXTENDED:
            wide = x.astype(xp.longdouble)
            wide *= xp.longdouble(alpha)
            wide += y
            y[...] = wide
            return y
    return axpby(float(alpha), x, 1, y, scratch)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _array(value):
    return None if value is None else value._data


def _plain(value):
    """A Tensor, a PyTorch tensor, an array or a number, as a NumPy array or the number."""
    if isinstance(value, Tensor):
        return value._data
    return xp.asarray(value) if hasattr(value, "__array__") else value


def _flat_tensor(value, dtype):
    return Tensor._from_array(xp.array(_plain(value), dtype=dtype).reshape(-1))


def _scalar(value, dtype):
    """PyTorch keeps these as 0-d tensors of the parameters' dtype: a NumPy scalar of it
    here (a plain Python number stays one, as PyTorch's ``t = lr`` and ``H_diag = 1`` do)."""
    value = _plain(value)
    if isinstance(value, numbers.Number) and not isinstance(value, xp.generic):
        return value
    return xp.asarray(value, dtype=dtype)[()]
