"""Adadelta: steps sized by the ratio of running RMS of past updates to running RMS of
gradients, so the learning rate needs little tuning."""
from .._backend import xp
from .._blas import axpby
from .. import _parallel as parallel
from .optimizer import Optimizer, check_number, direction


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012): each coordinate's step is the gradient scaled by
    RMS(past updates) / RMS(gradients), which has the units of the parameter.

    For a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize}, \qquad g \leftarrow g + \lambda w \\
        v &\leftarrow \rho v + (1 - \rho) g^2 \\
        \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}} \, g \\
        u &\leftarrow \rho u + (1 - \rho) \Delta^2 \\
        w &\leftarrow w - \gamma \Delta

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma`, a factor on the step (default 1.0).
        rho: decay rate :math:`\rho` of both running averages, in [0, 1] (default 0.9).
        eps: :math:`\epsilon`, added inside both square roots (default 1e-6).
        weight_decay: L2 penalty :math:`\lambda` added to the gradient (default 0).
        maximize: ascend the objective instead of descending it.
        foreach: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` must stay False.

    State per parameter: ``step`` (int), ``square_avg`` (:math:`v`), ``acc_delta``
    (:math:`u`).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = "Adadelta"
        check_number(name, "lr", group["lr"], lambda v: v >= 0, "lr >= 0", "learning rate")
        check_number(name, "rho", group["rho"], lambda v: 0 <= v <= 1, "0 <= rho <= 1",
                     "rho value")
        check_number(name, "eps", group["eps"], lambda v: v >= 0, "eps >= 0", "epsilon value")
        check_number(name, "weight_decay", group["weight_decay"], lambda v: v >= 0,
                     "weight_decay >= 0", "weight_decay value")

    def _update(self, group, params):
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        args = (group["lr"], group["rho"], group["eps"], weight_decay, maximize)
        n_scratch = 3 if (weight_decay != 0 or maximize) else 2
        jobs = []
        for p in params:
            state = self.state.get(p)
            if not state:
                state = self._new_state(p, ("square_avg", "acc_delta"))
                state["step"] = 0
            state["step"] += 1
            scratch = self._buffers(p, n_scratch)
            jobs.append(((p._data, self._grad(p), state["square_avg"]._data,
                          state["acc_delta"]._data, scratch[0], scratch[1], scratch[-1]), args))
        parallel.run(adadelta_kernel, jobs)


def adadelta_kernel(w, g, square_avg, acc_delta, tmp, delta, gbuf, lr, rho, eps, weight_decay,
                    maximize):
    """One Adadelta step on arrays, in place (``tmp``, ``delta``, ``gbuf``: scratch)."""
    g = direction(w, g, gbuf, weight_decay, maximize)
    xp.multiply(g, g, out=tmp)
    axpby(1 - rho, tmp, rho, square_avg, tmp)
    # delta = sqrt(u + eps) / sqrt(v + eps) * g, in PyTorch's order of roundings
    xp.add(square_avg, eps, out=tmp)
    xp.sqrt(tmp, out=tmp)
    xp.add(acc_delta, eps, out=delta)
    xp.sqrt(delta, out=delta)
    delta /= tmp
    delta *= g
    xp.multiply(delta, delta, out=tmp)
    axpby(1 - rho, tmp, rho, acc_delta, tmp)
    axpby(-lr, delta, 1, w, tmp)
