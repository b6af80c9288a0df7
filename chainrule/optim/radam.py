"""RAdam: Adam whose adaptive step is switched on, and scaled, by how reliable the running
variance estimate already is (no warm-up schedule needed)."""
from .._backend import xp
from .. import _parallel as parallel
from .adam import decay_and_moments_, moments_state
from .optimizer import Optimizer, check_adam_group


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020): rectified Adam.

    In the first steps the second-moment estimate averages too few gradients for its variance
    to be trusted; RAdam then takes plain bias-corrected momentum steps, and afterwards scales
    Adam's adaptive step by a rectification term :math:`r_t` that tends to 1.

    Step :math:`t` (counted per parameter), for a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize} \\
        w &\leftarrow w (1 - \gamma \lambda) \ \text{(decoupled weight decay)}, \quad
            g \leftarrow g + \lambda w \ \text{(otherwise)} \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
            v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \rho_\infty &= \frac{2}{1 - \beta_2} - 1, \qquad
            \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t} \\
        r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
            {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        w &\leftarrow w - \gamma \frac{m}{1 - \beta_1^t} \cdot
            \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v} + \epsilon}\, r_t \ \text{ if } \rho_t > 5,
            \qquad w \leftarrow w - \gamma \frac{m}{1 - \beta_1^t} \ \text{ otherwise}

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1) (default (0.9, 0.999)).
        eps: :math:`\epsilon`, added to the denominator (default 1e-8).
        weight_decay: :math:`\lambda` (default 0), an L2 penalty added to the gradient, or a
            shrink of the weights with ``decoupled_weight_decay=True`` (as AdamW).
        decoupled_weight_decay: AdamW-style weight decay.
        maximize: ascend the objective instead of descending it.
        foreach: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` must stay False.

    State per parameter: ``step`` (int), ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = "RAdam"
        check_adam_group(name, group)

    def _update(self, group, params):
        lr, weight_decay, maximize = group["lr"], group["weight_decay"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        beta1, beta2 = group["betas"]
        n_scratch = 3 if (maximize or (weight_decay != 0 and not decoupled)) else 2
        jobs = []
        for p in params:
            state = moments_state(self, p)
            step = state["step"]
            scratch = self._buffers(p, n_scratch)
            jobs.append(((p._data, self._grad(p), state["exp_avg"]._data,
                          state["exp_avg_sq"]._data, scratch[0], scratch[1], scratch[-1]),
                         (lr, beta1, beta2, group["eps"], weight_decay, decoupled, maximize,
                          step)))
        parallel.run(radam_kernel, jobs)


def rectification(beta2, step):
    """:math:`r_t`, or None while :math:`\\rho_t \\le 5` (too few gradients averaged)."""
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if not rho_t > 5.0:
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


def radam_kernel(w, g, m, v, tmp, tmp2, gbuf, lr, beta1, beta2, eps, weight_decay, decoupled,
                 maximize, step):
    """One RAdam step on arrays, in place (``tmp``, ``tmp2``, ``gbuf``: scratch)."""
    g = decay_and_moments_(w, g, m, v, tmp, gbuf, lr, beta1, beta2, weight_decay, decoupled,
                           maximize)
    # PyTorch's roundings: (m / bc1) * lr, times sqrt(bc2) * (1 / (sqrt(v) + eps)), times r_t
    xp.divide(m, 1 - beta1 ** step, out=tmp)
    tmp *= lr
    rect = rectification(beta2, step)
    if rect is not None:
        xp.sqrt(v, out=tmp2)
        tmp2 += eps
        xp.reciprocal(tmp2, out=tmp2)
        tmp2 *= (1 - beta2 ** step) ** 0.5
        tmp *= tmp2
        tmp *= rect
    w -= tmp
