"""Losses as fused Functions: value and reduction in one forward, the closed-form gradient in
one backward, no intermediate graph. Input checking lives in chainrule.nn.functional."""
import functools

from .._backend import xp
from ._exp import use_exp2
from ..autograd.function import Function


# ---- class-index targets (cross entropy, nll) ------------------------------------------------
def _rows(x):
    """View (N, C, d1, ...) logits as (rows, C) with the class axis last (a copy for K-dim)."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x[None, :]
    return xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(g2, shape):
    """Undo _rows on a gradient of shape (rows, C)."""
    if len(shape) == 2:
        return g2
    if len(shape) == 1:
        return g2[0]
    return xp.moveaxis(g2.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1)


def _flat_targets(t, n_classes, ignore_index):
    """Flat positions of each row's target in the (rows, C) view, the non-ignored mask (None if
    none is ignored; ignore_index=None promises that) and the targets with ignored entries
    replaced by class 0."""
    t = t.reshape(-1)
    valid = None if ignore_index is None else t != ignore_index
    if valid is None or valid.all():
        valid = None
    else:
        t = xp.where(valid, t, 0)
    return t + xp.arange(0, t.size * n_classes, n_classes), valid, t


_INF = float("inf")
_LOG2E = 1.4426950408889634


def _overflow_is_inf(method):
    """Run ``method`` with NumPy's overflow warning off: a loss whose true value exceeds the
    float range is inf, as in torch, which says nothing either (invalid values still warn)."""
    @functools.wraps(method)
    def run(*args, **kwargs):
        with xp.errstate(over="ignore"):
            return method(*args, **kwargs)
    return run


def _exp_rows(x2):
    """e = exp(x2 - m) with its row sums s and the row maxima m.

    Shifting by the row max keeps every exp in (0, 1] and every sum in [1, C]: nothing
    overflows, and the loss, computed from the shifted logits as log(s) - (x_t - m), keeps
    its digits however large the logits are (lse - x_t on the raw logits would cancel
    catastrophically: [1e4, 1e4] lost all but three digits, [1e7, 1e7 - 1] every digit).
    """
    m = x2.max(axis=1, initial=-_INF)
    e = xp.empty(x2.shape, x2.dtype)      # C order even for a transposed input: backward
    with xp.errstate(over="ignore", invalid="ignore"):   # writes into it through a flat view
        xp.subtract(x2, m[:, None], out=e)               # (+inf logits give nan, as torch)
        if use_exp2(x2.dtype):
            # exp(x) = 2^(x log2 e) where NumPy's float32 exp2 is the faster (AVX-512; _exp.py):
            # rounding x log2 e adds at most |x| * 6e-8 relative error to terms that are
            # already < exp(-|x|), so the sum stays exact to float32 rounding.
            xp.multiply(e, _LOG2E, out=e)
            xp.exp2(e, out=e)
        else:
            xp.exp(e, out=e)
    s = e @ xp.ones(x2.shape[1], x2.dtype)        # a BLAS matvec: faster than e.sum(1)
    return e, s, m


def _shifted(x2, m):
    """x2 - m per row, without overflow warnings (x - m = -inf for rows spanning the range)."""
    with xp.errstate(over="ignore", invalid="ignore"):
        return x2 - m[:, None]


def _upstream(grad, reduction, den):
    """The incoming gradient per row: a Python float for 'mean' / 'sum' (divided by the mean's
    denominator; a Python scalar keeps float32 math in float32), a flat array for 'none'.
    With nothing to average (every target ignored) the gradient is 0, as in torch."""
    if reduction == "none":
        return grad.reshape(-1)
    return float(grad) / den if den else 0.0


def _total(loss):
    """The sum of a float32 loss, accumulated in float64: a float32 running sum overflows
    on terms like [3e38, 3.4e38, -3.4e38] whose total is finite, and loses digits over
    millions of terms. Returned as a 0-d float64 array, for the caller to divide and cast."""
    return xp.asarray(loss.sum(dtype=xp.float64 if loss.dtype == xp.float32 else None))


def _column(g):
    return g[:, None] if isinstance(g, xp.ndarray) else g


class CrossEntropy(Function):
    """Fused log-softmax + negative log likelihood, with torch's weight, ignore_index,
    label_smoothing and probability targets.

    With lse_i = log sum_c exp(x_ic), smoothing eps, C classes and class weights w (all 1 when
    not given), a class-index target t_i gives

        loss_i = (1 - eps) w_{t_i} (lse_i - x_{i t_i}) + (eps / C) sum_c w_c (lse_i - x_ic)

    (0 where t_i == ignore_index; 'mean' divides the sum by sum_i w_{t_i} over kept rows), and
    a probability target y_i (smoothed to y' = (1 - eps) y + eps / C) gives
    loss_i = sum_c w_c y'_ic (lse_i - x_ic) ('mean' divides by the number of rows).
    Either way the gradient is softmax(x_i) * (row i's total weight) - (row i's target weights).
    """

    @_overflow_is_inf
    def forward(self, x, target, weight=None, ignore_index=None, reduction="mean",
                label_smoothing=0.0):
        x2 = _rows(x)
        self.x2, self.shape, self.reduction = x2, x.shape, reduction
        self.weight, self.eps = weight, label_smoothing
        self.e, self.s, m = _exp_rows(x2)
        lse = xp.log(self.s)           # of the shifted logits x2 - m: in [0, log C]
        self.prob = target.shape == x.shape
        if self.prob:
            loss = self._forward_prob(x2, _rows(target), lse, m)
            out_shape = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
        else:
            loss = self._forward_index(x2, target, lse, m, ignore_index)
            out_shape = target.shape
        if reduction == "none":
            self.den = 1.0
            return loss.reshape(out_shape)
        total = _total(loss)
        if reduction == "mean":
            # 0/0 = nan when every target is ignored, as torch.
            total = total / self.den if self.den else total * xp.nan
        else:
            self.den = 1.0
        return xp.asarray(total).astype(loss.dtype)

    def _forward_index(self, x2, target, lse, m, ignore_index):
        c = x2.shape[1]
        flat, valid, t = _flat_targets(target, c, ignore_index)
        self.flat = flat
        with xp.errstate(over="ignore", invalid="ignore"):
            picked = x2.reshape(-1).take(flat) - m    # the target's shifted logit, <= 0
        eps, w = self.eps, self.weight
        if not eps and w is None and valid is None:      # the everyday case
            self.a = 1.0
            self.den = float(x2.shape[0])
            return lse - picked
        # a: the weight of each row's nll term; b: of its smoothing term (times w_c).
        keep = xp.ones(t.shape, x2.dtype) if valid is None else valid.astype(x2.dtype)
        self.a = a = keep * (1 - eps) if w is None else keep * ((1 - eps) * w.take(t))
        self.b = b = keep * (eps / c)
        self.w_sum = w_sum = c if w is None else float(w.sum())
        loss = lse * (a + b * w_sum) - a * picked
        if eps:
            xs = _shifted(x2, m)      # summing raw logits would overflow at +-3.4e38
            loss -= b * (xs.sum(axis=1) if w is None else xs @ w)
        self.den = float(keep.sum() if w is None else (keep * w.take(t)).sum())
        return loss

    def _forward_prob(self, x2, y2, lse, m):
        if self.eps:
            y2 = y2 * (1 - self.eps) + self.eps / x2.shape[1]
        wy = y2 if self.weight is None else y2 * self.weight
        self.xs = xs = _shifted(x2, m)
        self.wy, self.lse, self.mass = wy, lse, wy.sum(axis=1)
        self.den = float(x2.shape[0])
        return lse * self.mass - xp.einsum("ij,ij->i", wy, xs)

    def _softmax_times(self, coef):
        """e * coef[:, None] (coef per row), written into the saved exp buffer on the first
        backward (it is not needed afterwards) and recomputed if backward runs again."""
        e = self.e
        if e is None:
            e = _exp_rows(self.x2)[0]
        self.e = None
        return xp.multiply(e, coef[:, None], out=e)

    @_overflow_is_inf
    def backward(self, grad):
        g = _upstream(grad, self.reduction, self.den)
        if self.prob:
            return self._backward_prob(g, *self.needs_input_grad[:2])
        ga = g * self.a                                   # each row's nll weight
        mass = ga + g * self.b * self.w_sum if self.eps else ga
        gx = self._softmax_times(mass / self.s)
        gx.reshape(-1)[self.flat] -= ga
        if self.eps:
            gb = _column(g * self.b)
            gx -= gb if self.weight is None else gb * self.weight
        return _unrows(gx, self.shape), None, None

    def _backward_prob(self, g, need_x, need_t):
        gx = gt = None
        col = _column(g)
        if need_t:
            # d loss / d y = (1 - eps) w_c (lse - x_c): computed before e is overwritten below.
            gt = (self.lse[:, None] - self.xs) * ((1 - self.eps) * col)
            if self.weight is not None:
                gt *= self.weight
            gt = _unrows(gt, self.shape)
        if need_x:
            gx = self._softmax_times(g * self.mass / self.s)
            gx -= col * self.wy
            gx = _unrows(gx, self.shape)
        return gx, gt, None


class NLLLoss(Function):
    """loss_i = -w_{t_i} x_{i t_i} (0 where t_i == ignore_index); 'mean' divides the sum by
    the summed weight of the kept targets."""

    @_overflow_is_inf
    def forward(self, x, target, weight=None, ignore_index=None, reduction="mean"):
        x2 = _rows(x)
        flat, valid, t = _flat_targets(target, x2.shape[1], ignore_index)
        coef = xp.ones(t.shape, x.dtype) if weight is None else weight.take(t)
        if valid is not None:
            coef *= valid
        loss = -coef * x2.reshape(-1).take(flat)
        self.shape, self.flat, self.coef, self.reduction = x.shape, flat, coef, reduction
        self.den = float(coef.sum()) if reduction == "mean" else 1.0
        if reduction == "none":
            return loss.reshape(target.shape)
        with xp.errstate(invalid="ignore", divide="ignore"):
            return (_total(loss) / self.den).astype(loss.dtype)

    @_overflow_is_inf
    def backward(self, grad):
        g = _upstream(grad, self.reduction, self.den)
        gx = xp.zeros((self.flat.size, self.shape[1] if len(self.shape) > 1 else self.shape[0]),
                      grad.dtype)
        gx.reshape(-1)[self.flat] = -self.coef * g
        return _unrows(gx, self.shape), None, None


# The elementwise losses live in loss_pointwise.py; chainrule.nn.functional finds them here.
from .loss_pointwise import (  # noqa: E402,F401
    L1, MSE, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, Huber, KLDiv, SmoothL1)
