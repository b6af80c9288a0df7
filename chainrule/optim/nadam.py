"""NAdam: Adam with Nesterov momentum, and a momentum that warms up over the first steps."""
from .._backend import xp
from .. import _parallel as parallel
from .adam import decay_and_moments_, moments_state
from .optimizer import Optimizer, check_adam_group, check_number


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016): Adam whose step looks one momentum step ahead, with the momentum
    coefficient :math:`\mu_t` warmed up by ``momentum_decay``.

    Step :math:`t` (counted per parameter), for a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize} \\
        w &\leftarrow w (1 - \gamma \lambda) \ \text{(decoupled weight decay)}, \quad
            g \leftarrow g + \lambda w \ \text{(otherwise)} \\
        \mu_t &= \beta_1 \bigl(1 - \tfrac12\, 0.96^{t \psi}\bigr), \qquad
            \Pi_t = \textstyle\prod_{i \le t} \mu_i \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
            v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        w &\leftarrow w - \gamma \Bigl(\frac{1 - \mu_t}{1 - \Pi_t}\, g
            + \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}}\, m\Bigr)
            \Big/ \Bigl(\sqrt{v / (1 - \beta_2^t)} + \epsilon\Bigr)

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 2e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1) (default (0.9, 0.999)).
        eps: :math:`\epsilon`, added to the denominator (default 1e-8).
        weight_decay: :math:`\lambda` (default 0), an L2 penalty added to the gradient, or a
            shrink of the weights with ``decoupled_weight_decay=True`` (as AdamW).
        momentum_decay: :math:`\psi` (default 4e-3).
        decoupled_weight_decay: AdamW-style weight decay.
        maximize: ascend the objective instead of descending it.
        foreach: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` must stay False.

    State per parameter: ``step`` (int), ``mu_product`` (:math:`\Pi_t`, a float),
    ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`). PyTorch keeps :math:`\Pi_t` in a
    float32 scalar whatever the parameters' dtype (its default dtype), so it is rounded to
    float32 here too, which keeps the trajectories equal.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = "NAdam"
        check_adam_group(name, group)
        check_number(name, "momentum_decay", group["momentum_decay"], lambda v: v >= 0,
                     "momentum_decay >= 0", "momentum_decay value")

    def _update(self, group, params):
        lr, weight_decay, maximize = group["lr"], group["weight_decay"], group["maximize"]
        decoupled, psi = group["decoupled_weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        n_scratch = 3 if (maximize or (weight_decay != 0 and not decoupled)) else 2
        jobs = []
        for p in params:
            state = moments_state(self, p, mu_product=1.0)
            step = state["step"]
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
            # float32 * float32 in float32, as PyTorch's 0-d float32 tensor multiplies
            mu_product = float(xp.float32(state["mu_product"]) * xp.float32(mu))
            state["mu_product"] = mu_product
            grad_scale = -lr * (1.0 - mu) / (1.0 - mu_product)
            avg_scale = (-lr * mu_next) / (1.0 - mu_product * mu_next)
            scratch = self._buffers(p, n_scratch)
            jobs.append(((p._data, self._grad(p), state["exp_avg"]._data,
                          state["exp_avg_sq"]._data, scratch[0], scratch[1], scratch[-1]),
                         (lr, beta1, beta2, group["eps"], weight_decay, decoupled, maximize,
                          1 - beta2 ** step, grad_scale, avg_scale)))
        parallel.run(nadam_kernel, jobs)

    def _load_state_value(self, key, value, p, index):
        if key == "mu_product":  # PyTorch saves a 0-d tensor
            return float(value._data if hasattr(value, "_data") else value)
        return super()._load_state_value(key, value, p, index)


def nadam_kernel(w, g, m, v, tmp, tmp2, gbuf, lr, beta1, beta2, eps, weight_decay, decoupled,
                 maximize, bias_correction2, grad_scale, avg_scale):
    """One NAdam step on arrays, in place (``tmp``, ``tmp2``, ``gbuf``: scratch)."""
    g = decay_and_moments_(w, g, m, v, tmp, gbuf, lr, beta1, beta2, weight_decay, decoupled,
                           maximize)
    xp.divide(v, bias_correction2, out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += eps
    # two addcdiv steps, each rounding (scale * numerator) / denominator as PyTorch does
    xp.multiply(g, grad_scale, out=tmp2)
    tmp2 /= tmp
    w += tmp2
    xp.multiply(m, avg_scale, out=tmp2)
    tmp2 /= tmp
    w += tmp2
