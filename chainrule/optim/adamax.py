"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
from .._backend import xp
from .. import _parallel as parallel
from .adam import lerp_
from .optimizer import Optimizer, check_adam_group, direction


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7): Adam's step divided by a decaying maximum of
    :math:`|g|` instead of the root of a running mean of :math:`g^2`.

    Step :math:`t` (counted per parameter), for a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize}, \qquad g \leftarrow g + \lambda w \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        u &\leftarrow \max(\beta_2 u, |g| + \epsilon) \\
        w &\leftarrow w - \frac{\gamma}{1 - \beta_1^t} \frac{m}{u}

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 2e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1) (default (0.9, 0.999)).
        eps: :math:`\epsilon`, added to :math:`|g|` (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` added to the gradient (default 0).
        maximize: ascend the objective instead of descending it.
        foreach: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` must stay False.

    State per parameter: ``step`` (int), ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = "Adamax"
        check_adam_group(name, group)

    def _update(self, group, params):
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        beta1, beta2 = group["betas"]
        n_scratch = 2 if (weight_decay != 0 or maximize) else 1
        jobs = []
        for p in params:
            state = self.state.get(p)
            if not state:
                state = self._new_state(p, ("exp_avg", "exp_inf"))
                state["step"] = 0
            step = state["step"] = state["step"] + 1
            clr = group["lr"] / (1 - beta1 ** step)
            scratch = self._buffers(p, n_scratch)
            jobs.append(((p._data, self._grad(p), state["exp_avg"]._data,
                          state["exp_inf"]._data, scratch[0], scratch[-1]),
                         (clr, beta1, beta2, group["eps"], weight_decay, maximize)))
        parallel.run(adamax_kernel, jobs)


def adamax_kernel(w, g, exp_avg, exp_inf, tmp, gbuf, clr, beta1, beta2, eps, weight_decay,
                  maximize):
    """One Adamax step on arrays, in place (``clr``: the bias-corrected learning rate)."""
    g = direction(w, g, gbuf, weight_decay, maximize)
    lerp_(exp_avg, g, 1 - beta1, tmp)
    exp_inf *= beta2
    xp.abs(g, out=tmp)
    tmp += eps
    xp.maximum(exp_inf, tmp, out=exp_inf)
    # w += (-clr * m) / u: PyTorch's addcdiv rounds the scaled numerator, then divides
    xp.multiply(exp_avg, -clr, out=tmp)
    tmp /= exp_inf
    w += tmp
