"""Adagrad: per-coordinate steps shrinking with the sum of past squared gradients."""
from .._backend import xp
from .._blas import axpby
from .. import _parallel as parallel
from .optimizer import Optimizer, check_number, direction


class Adagrad(Optimizer):
    r"""Adagrad: divide each step by the root of the sum of all past squared gradients.

    Step :math:`t` (counted per parameter), for a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize}, \qquad g \leftarrow g + \lambda w \\
        \tilde\gamma &= \gamma / (1 + (t - 1)\,\eta) \\
        s &\leftarrow s + g^2 \\
        w &\leftarrow w - \tilde\gamma \, g / (\sqrt{s} + \epsilon)

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-2).
        lr_decay: :math:`\eta` (default 0).
        weight_decay: L2 penalty :math:`\lambda` added to the gradient (default 0).
        initial_accumulator_value: starting value of :math:`s` (default 0).
        eps: :math:`\epsilon`, added to the denominator (default 1e-10).
        maximize: ascend the objective instead of descending it.
        foreach, fused: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` (where PyTorch has them) must
            stay False.

    State per parameter (created at construction, as in PyTorch): ``step`` (int), ``sum``
    (:math:`s`).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _check_group(self, group):
        for arg, what in (("lr", "learning rate"), ("lr_decay", "lr_decay value"),
                          ("weight_decay", "weight_decay value"),
                          ("initial_accumulator_value", "initial_accumulator_value value"),
                          ("eps", "epsilon value")):
            check_number("Adagrad", arg, group[arg], lambda v: v >= 0, f"{arg} >= 0", what)

    def _init_state(self, p, group):
        state = self._new_state(p, ("sum",), fill=group["initial_accumulator_value"])
        state["step"] = 0
        return state

    def _update(self, group, params):
        lr, lr_decay, weight_decay = group["lr"], group["lr_decay"], group["weight_decay"]
        maximize = group["maximize"]
        n_scratch = 2 if (weight_decay != 0 or maximize) else 1
        jobs = []
        for p in params:
            state = self.state.get(p) or self._init_state(p, group)
            step = state["step"] = state["step"] + 1
            scratch = self._buffers(p, n_scratch)
            clr = lr / (1 + (step - 1) * lr_decay)
            jobs.append(((p._data, self._grad(p), state["sum"]._data, scratch[0], scratch[-1]),
                         (clr, group["eps"], weight_decay, maximize)))
        parallel.run(adagrad_kernel, jobs)


def adagrad_kernel(w, g, total, tmp, gbuf, clr, eps, weight_decay, maximize):
    """One Adagrad step on arrays, in place (``clr``: the decayed learning rate)."""
    g = direction(w, g, gbuf, weight_decay, maximize)
    xp.square(g, out=tmp)
    total += tmp
    xp.sqrt(total, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    axpby(-clr, tmp, 1, w, tmp)
