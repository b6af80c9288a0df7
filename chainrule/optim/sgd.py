"""SGD: stochastic gradient descent with momentum, Nesterov momentum and a proximal L1 step."""
from .._backend import xp
from .._blas import axpby
from ..tensor import Tensor
from .. import _parallel as parallel
from .optimizer import Optimizer, check_number, direction


class SGD(Optimizer):
    r"""Stochastic gradient descent: step against the gradient, optionally with momentum.

    Each step, for every parameter :math:`w` with a gradient :math:`g`:

    .. math::
        g &\leftarrow -g \ \text{if maximize}, \qquad g \leftarrow g + \lambda_{wd} w \\
        b &\leftarrow g \ \text{(first step)}, \quad
        b \leftarrow \mu b + (1 - \tau) g \ \text{(later steps)} \\
        d &= g + \mu b \ \text{(nesterov)}, \quad d = b \ \text{(momentum)}, \quad
        d = g \ \text{(}\mu = 0\text{)} \\
        w &\leftarrow w - \gamma d \\
        w &\leftarrow \operatorname{sign}(w) \max(|w| - \gamma \lambda_1, 0)
        \ \text{(when l1 > 0)}

    The last line is the proximal step of the L1 penalty :math:`\lambda_1 \|w\|_1`
    (soft-thresholding). It is what makes L1 give *exact* zeros. The plain alternative, adding
    the subgradient :math:`\lambda_1 \operatorname{sign}(w)` to the gradient, moves a weight by a
    fixed :math:`\gamma \lambda_1` towards zero every step whatever its size; a weight closer
    to zero than that jumps over it, flips sign, and is pushed back next step, so it oscillates in
    :math:`[-\gamma\lambda_1, \gamma\lambda_1]` and essentially never equals zero. The proximal
    step instead solves :math:`\min_u \frac{1}{2\gamma}(u - w)^2 + \lambda_1 |u|` exactly, whose
    answer is 0 whenever :math:`|w| \le \gamma \lambda_1`: a weight whose data pull is weaker
    than the penalty lands on zero and stays there.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        momentum: momentum factor :math:`\mu` (default 0).
        dampening: dampening :math:`\tau` of the momentum (default 0).
        weight_decay: L2 penalty :math:`\lambda_{wd}` added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening = 0).
        maximize: ascend the objective instead of descending it.
        l1: strength :math:`\lambda_1` of the proximal L1 step (default 0: off).
        foreach, fused: accepted and kept in the groups, as in PyTorch; there is one
            implementation. ``differentiable`` and ``capturable`` (where PyTorch has them) must
            stay False.

    State per parameter: ``momentum_buffer`` (when momentum != 0).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None, l1=0.0):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused, l1=l1)
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_number("SGD", "lr", group["lr"], lambda v: v >= 0, "lr >= 0", "learning rate")
        check_number("SGD", "momentum", group["momentum"], lambda v: v >= 0, "momentum >= 0")
        check_number("SGD", "dampening", group["dampening"], lambda v: True, "")
        check_number("SGD", "weight_decay", group["weight_decay"], lambda v: v >= 0,
                     "weight_decay >= 0")
        check_number("SGD", "l1", group["l1"], lambda v: v >= 0, "l1 >= 0")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov=True requires momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _update(self, group, params):
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        maximize = group["maximize"]
        args = (group["lr"], momentum, group["dampening"], weight_decay, group["nesterov"],
                maximize, group["l1"])
        n_scratch = 2 if (weight_decay != 0 or maximize) else 1
        jobs = []
        for p in params:
            scratch = self._buffers(p, n_scratch)
            buf, first = None, False
            if momentum != 0:
                state = self.state.setdefault(p, {})
                if state.get("momentum_buffer") is None:
                    state["momentum_buffer"] = Tensor._from_array(xp.empty_like(p._data))
                    first = True
                buf = state["momentum_buffer"]._data
            jobs.append(((p._data, self._grad(p), buf, scratch[0], scratch[-1]), args + (first,)))
        parallel.run(sgd_kernel, jobs)


def sgd_kernel(w, g, buf, tmp, gbuf, lr, momentum, dampening, weight_decay, nesterov, maximize,
               l1, first):
    """One SGD step on arrays, in place (``buf``: momentum buffer or None; ``first``: fill it)."""
    if buf is None and l1 == 0:
        # w - lr (g + wd w) = (1 - lr wd) w - lr g: one pass instead of three
        axpby(lr if maximize else -lr, g, 1 - lr * weight_decay, w, tmp)
        return
    d = direction(w, g, gbuf, weight_decay, maximize)
    if buf is not None:
        if first:
            # The first step seeds the buffer with the gradient itself (no dampening).
            xp.copyto(buf, d)
        else:
            axpby(1 - dampening, d, momentum, buf, tmp)
        if nesterov:
            # w -= lr (d + momentum buf), as two one-pass axpbys into w
            axpby(-lr, d, 1, w, tmp)
            d, lr = buf, lr * momentum
        else:
            d = buf
    axpby(-lr, d, 1, w, tmp)
    if l1 != 0:
        soft_threshold_(w, lr * l1, tmp)


def soft_threshold_(w, threshold, tmp):
    """``w = sign(w) * max(|w| - threshold, 0)`` in place (``tmp``: scratch shaped like ``w``)."""
    xp.abs(w, out=tmp)
    tmp -= threshold
    xp.maximum(tmp, 0, out=tmp)
    # copysign keeps the sign of w on the shrunken magnitude; a zero magnitude stays zero.
    xp.copysign(tmp, w, out=w)
