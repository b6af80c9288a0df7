"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""
from .._backend import xp
from .._blas import axpby
from .. import _parallel as parallel
from .optimizer import Optimizer, check_adam_group, direction


class Adam(Optimizer):
    r"""Adam: steps scaled by running estimates of the gradient's first and second moments.

    Step :math:`t` (counted per parameter), for a parameter :math:`w` with gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize} \\
        w &\leftarrow w (1 - \gamma \lambda) \ \text{(decoupled weight decay)}, \quad
            g \leftarrow g + \lambda w \ \text{(otherwise)} \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \hat v &= \max(\hat v, v) \ \text{(amsgrad)}, \quad \hat v = v \ \text{(otherwise)} \\
        w &\leftarrow w - \frac{\gamma}{1 - \beta_1^t} \,
            \frac{m}{\sqrt{\hat v} / \sqrt{1 - \beta_2^t} + \epsilon}

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, decay rates of the moment estimates, each in [0, 1)
            (default (0.9, 0.999)).
        eps: :math:`\epsilon`, added to the denominator (default 1e-8).
        weight_decay: :math:`\lambda` (default 0): an L2 penalty added to the gradient, or, with
            ``decoupled_weight_decay=True`` (AdamW), a shrink of the weights themselves.
        amsgrad: divide by the running maximum of :math:`v` (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: AdamW's weight decay.
        foreach, fused: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` (where PyTorch has them) must
            stay False.

    State per parameter: ``step`` (int), ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`),
    ``max_exp_avg_sq`` (:math:`\hat v`, with amsgrad).
    """

    _name = "Adam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = self._name
        check_adam_group(name, group)

    def _update(self, group, params):
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        amsgrad, decoupled, maximize = (group["amsgrad"], group["decoupled_weight_decay"],
                                        group["maximize"])
        n_scratch = 2 if (maximize or (weight_decay != 0 and not decoupled)) else 1
        jobs = []
        for p in params:
            state = moments_state(self, p)
            if amsgrad and "max_exp_avg_sq" not in state:
                self._new_state(p, ("max_exp_avg_sq",))
            step = state["step"]
            scratch = self._buffers(p, n_scratch)
            vmax = state["max_exp_avg_sq"]._data if amsgrad else None
            jobs.append(((p._data, self._grad(p), state["exp_avg"]._data,
                          state["exp_avg_sq"]._data, vmax, scratch[0], scratch[-1]),
                         (lr, beta1, beta2, eps, weight_decay, decoupled, maximize, step)))
        parallel.run(adam_kernel, jobs)


def moments_state(optimizer, p, **first):
    """p's state in an Adam-family optimizer (exp_avg, exp_avg_sq, step, and ``first``'s
    entries, made on its first step), with its step counted up."""
    state = optimizer.state.get(p)
    if not state:
        state = optimizer._new_state(p, ("exp_avg", "exp_avg_sq"))
        state["step"] = 0
        state.update(first)
    state["step"] += 1
    return state


def adam_kernel(w, g, m, v, vmax, tmp, gbuf, lr, beta1, beta2, eps, weight_decay, decoupled,
                maximize, step):
    """One Adam step on arrays, all in place (``tmp``, ``gbuf``: scratch; ``vmax``: None unless
    amsgrad)."""
    # AdamW's shrink w *= 1 - lr wd is folded into the final axpby (one pass fewer): the
    # update itself does not read w, so shrinking first or within the last pass is the same.
    shrink = 1 - lr * weight_decay if decoupled else 1
    g = direction(w, g, gbuf, 0 if decoupled else weight_decay, maximize)
    # m = beta1 m + (1 - beta1) g and v = beta2 v + (1 - beta2) g^2: each axpby is one pass.
    axpby(1 - beta1, g, beta1, m, tmp)
    xp.multiply(g, g, out=tmp)
    axpby(1 - beta2, tmp, beta2, v, tmp)
    if vmax is not None:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    # w -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), with the two scalings folded into one
    # pass: m / (sqrt(v) + eps sqrt(bc2)) * (-lr sqrt(bc2) / bc1).
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    xp.sqrt(v, out=tmp)
    tmp += eps * bias_correction2_sqrt
    xp.divide(m, tmp, out=tmp)
    axpby(-lr * bias_correction2_sqrt / bias_correction1, tmp, shrink, w, tmp)


def lerp_(a, b, weight, tmp):
    """``a += weight * (b - a)`` in place, in PyTorch's two forms (exact at weight 0 and 1)."""
    xp.subtract(b, a, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        a += tmp
    else:
        tmp *= 1 - weight
        xp.subtract(b, tmp, out=a)


def decay_and_moments_(w, g, m, v, tmp, gbuf, lr, beta1, beta2, weight_decay, decoupled,
                       maximize):
    """The start of an Adam-family step (NAdam, RAdam), in place: weight decay (decoupled:
    w *= 1 - lr * wd; else g + wd * w), the sign for maximize, then m <- lerp(m, g, 1 - beta1)
    and v <- beta2 v + (1 - beta2) g^2. Returns the direction g used."""
    if decoupled:
        if weight_decay != 0:
            w *= 1 - lr * weight_decay
        g = direction(w, g, gbuf, 0, maximize)
    else:
        g = direction(w, g, gbuf, weight_decay, maximize)
    lerp_(m, g, 1 - beta1, tmp)
    xp.multiply(g, g, out=tmp)
    axpby(1 - beta2, tmp, beta2, v, tmp)
    return g


class AdamW(Adam):
    r"""AdamW: Adam whose weight decay shrinks the weights directly instead of adding
    :math:`\lambda w` to the gradient, so it is not rescaled by the adaptive denominator.

    .. math::
        w \leftarrow w (1 - \gamma \lambda), \text{ then the Adam step of } g

    Same arguments as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.
    """

    _name = "AdamW"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # even when the state came from an Adam
            group["decoupled_weight_decay"] = True
