"""RMSprop: steps divided by a running root mean square of the gradient."""
from .._backend import xp
from .._blas import axpby
from .adam import lerp_
from .. import _parallel as parallel
from .optimizer import Optimizer, check_number, direction


class RMSprop(Optimizer):
    r"""RMSprop: divide each step by a running root mean square of recent gradients.

    For a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize}, \qquad g \leftarrow g + \lambda w \\
        v &\leftarrow \alpha v + (1 - \alpha) g^2 \\
        \bar g &\leftarrow \alpha \bar g + (1 - \alpha) g, \quad
            s = \sqrt{v - \bar g^2} + \epsilon \ \text{(centered)}, \quad
            s = \sqrt{v} + \epsilon \ \text{(otherwise)} \\
        b &\leftarrow \mu b + g / s, \quad w \leftarrow w - \gamma b \ \text{(momentum > 0)},
            \quad w \leftarrow w - \gamma g / s \ \text{(otherwise)}

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-2).
        alpha: smoothing constant :math:`\alpha` (default 0.99).
        eps: :math:`\epsilon`, added to the denominator (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` added to the gradient (default 0).
        momentum: momentum factor :math:`\mu` (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its second
            moment.
        maximize: ascend the objective instead of descending it.
        foreach: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` (where PyTorch has them) must
            stay False.

    State per parameter: ``step`` (int), ``square_avg`` (:math:`v`), ``momentum_buffer``
    (:math:`b`, when momentum > 0), ``grad_avg`` (:math:`\bar g`, when centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        for arg, what in (("lr", "learning rate"), ("eps", "epsilon value"),
                          ("momentum", "momentum value"), ("weight_decay", "weight_decay value"),
                          ("alpha", "alpha value")):
            check_number("RMSprop", arg, group[arg], lambda v: v >= 0, f"{arg} >= 0", what)

    def _update(self, group, params):
        momentum, centered = group["momentum"], group["centered"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        args = (group["lr"], group["alpha"], group["eps"], weight_decay, momentum, maximize)
        n_scratch = 2 if (weight_decay != 0 or maximize) else 1
        jobs = []
        for p in params:
            state = self.state.get(p)
            if not state:
                state = self._new_state(p, ("square_avg",))
                state["step"] = 0
            if momentum > 0 and "momentum_buffer" not in state:
                self._new_state(p, ("momentum_buffer",))
            if centered and "grad_avg" not in state:
                self._new_state(p, ("grad_avg",))
            state["step"] += 1
            scratch = self._buffers(p, n_scratch)
            grad_avg = state["grad_avg"]._data if centered else None
            buf = state["momentum_buffer"]._data if momentum > 0 else None
            jobs.append(((p._data, self._grad(p), state["square_avg"]._data, grad_avg, buf,
                          scratch[0], scratch[-1]), args))
        parallel.run(rmsprop_kernel, jobs)


def rmsprop_kernel(w, g, square_avg, grad_avg, buf, tmp, gbuf, lr, alpha, eps, weight_decay,
                   momentum, maximize):
    """One RMSprop step on arrays, in place (``grad_avg`` None unless centered, ``buf`` None
    without momentum)."""
    g = direction(w, g, gbuf, weight_decay, maximize)
    xp.multiply(g, g, out=tmp)
    axpby(1 - alpha, tmp, alpha, square_avg, tmp)
    if grad_avg is not None:
        lerp_(grad_avg, g, 1 - alpha, tmp)
        xp.multiply(grad_avg, grad_avg, out=tmp)
        xp.subtract(square_avg, tmp, out=tmp)
        # E[g^2] - E[g]^2 >= 0 in exact arithmetic, but rounding can take it just below 0 when
        # the gradient barely varies; torch then takes sqrt of a negative and gets NaN.
        xp.maximum(tmp, 0, out=tmp)
        xp.sqrt(tmp, out=tmp)
    else:
        xp.sqrt(square_avg, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    if buf is not None:
        axpby(1, tmp, momentum, buf, tmp)
        axpby(-lr, buf, 1, w, tmp)
    else:
        axpby(-lr, tmp, 1, w, tmp)
