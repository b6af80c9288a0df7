"""Losses as fused Functions: value and reduction in one forward, the closed-form gradient in
one backward, no intermediate graph. Input checking lives in chainrule.nn.functional."""
from .._backend import xp
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


_LIMITS = {}
_INF = float("inf")
_LOG2E = 1.4426950408889634


def _exp_rows(x2):
    """e = exp(x2 - shift) with its row sums s and the per-row shift (None when unshifted).

    Plain exp(x) is tried first: for everyday logits no row sum leaves [sqrt(tiny), sqrt(max)],
    and skipping the max-subtraction saves two passes over the data. Rows that do leave it
    (extreme logits) are redone shifted by their max, the textbook stable form.
    """
    limits = _LIMITS.get(x2.dtype)
    if limits is None:
        info = xp.finfo(x2.dtype)
        limits = _LIMITS[x2.dtype] = (float(xp.sqrt(info.tiny)), float(xp.sqrt(info.max)))
    e = xp.empty(x2.shape, x2.dtype)      # C order even for a transposed input: backward
    with xp.errstate(over="ignore"):      # writes into it through a flat view
        if x2.dtype == xp.float64:
            xp.exp(x2, out=e)
        else:
            # exp(x) = 2^(x log2 e): NumPy's float32 exp2 is twice as fast as its exp, and
            # rounding x log2 e adds at most |x| * 6e-8 relative error (a few ulp for logits).
            xp.multiply(x2, _LOG2E, out=e)
            xp.exp2(e, out=e)
    s = e @ xp.ones(x2.shape[1], x2.dtype)        # a BLAS matvec: faster than e.sum(1)
    ok = (s >= limits[0]) & (s <= limits[1])
    if ok.all():
        return e, s, None
    rows = xp.flatnonzero(~ok)
    with xp.errstate(over="ignore", invalid="ignore"):
        xr = x2[rows]
        m = xr.max(axis=1, keepdims=True)
        er = xp.exp(xr - m)
    e[rows] = er
    s[rows] = er.sum(axis=1)
    shift = xp.zeros(x2.shape[0], x2.dtype)
    shift[rows] = m[:, 0]
    return e, s, shift


def _upstream(grad, reduction, den):
    """The incoming gradient per row: a Python float for 'mean' / 'sum' (divided by the mean's
    denominator; a Python scalar keeps float32 math in float32), a flat array for 'none'.
    With nothing to average (every target ignored) the gradient is 0, as in torch."""
    if reduction == "none":
        return grad.reshape(-1)
    return float(grad) / den if den else 0.0


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

    def forward(self, x, target, weight=None, ignore_index=None, reduction="mean",
                label_smoothing=0.0):
        x2 = _rows(x)
        self.x2, self.shape, self.reduction = x2, x.shape, reduction
        self.weight, self.eps = weight, label_smoothing
        self.e, self.s, shift = _exp_rows(x2)
        lse = xp.log(self.s)
        if shift is not None:
            lse += shift
        self.prob = target.shape == x.shape
        if self.prob:
            loss = self._forward_prob(x2, _rows(target), lse)
            out_shape = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
        else:
            loss = self._forward_index(x2, target, lse, ignore_index)
            out_shape = target.shape
        if reduction == "none":
            self.den = 1.0
            return loss.reshape(out_shape)
        total = loss.sum()
        if reduction == "mean":
            # 0/0 = nan when every target is ignored, as torch.
            total = total / self.den if self.den else total * xp.nan
        else:
            self.den = 1.0
        return xp.asarray(total)

    def _forward_index(self, x2, target, lse, ignore_index):
        c = x2.shape[1]
        flat, valid, t = _flat_targets(target, c, ignore_index)
        self.flat = flat
        picked = x2.reshape(-1).take(flat)
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
            loss -= b * (x2.sum(axis=1) if w is None else x2 @ w)
        self.den = float(keep.sum() if w is None else (keep * w.take(t)).sum())
        return loss

    def _forward_prob(self, x2, y2, lse):
        if self.eps:
            y2 = y2 * (1 - self.eps) + self.eps / x2.shape[1]
        wy = y2 if self.weight is None else y2 * self.weight
        self.wy, self.lse, self.mass = wy, lse, wy.sum(axis=1)
        self.den = float(x2.shape[0])
        return lse * self.mass - xp.einsum("ij,ij->i", wy, x2)

    def _softmax_times(self, coef):
        """e * coef[:, None] (coef per row), written into the saved exp buffer on the first
        backward (it is not needed afterwards) and recomputed if backward runs again."""
        e = self.e
        if e is None:
            e = _exp_rows(self.x2)[0]
        self.e = None
        return xp.multiply(e, coef[:, None], out=e)

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
            gt = (self.lse[:, None] - self.x2) * ((1 - self.eps) * col)
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
            return xp.asarray(loss.sum() / self.den)

    def backward(self, grad):
        g = _upstream(grad, self.reduction, self.den)
        gx = xp.zeros((self.flat.size, self.shape[1] if len(self.shape) > 1 else self.shape[0]),
                      grad.dtype)
        gx.reshape(-1)[self.flat] = -self.coef * g
        return _unrows(gx, self.shape), None, None


# ---- elementwise losses ---------------------------------------------------------------------
class _Pointwise(Function):
    """Shared weighting and reduction of an elementwise loss l(x, y).

    Subclasses define ``loss(x, y, **options)`` (saving what they need) and
    ``derivatives(need_x, need_y)`` -> (dl/dx, dl/dy), elementwise and before weighting.
    'mean' divides by the number of elements, or by sum(weight) where ``mean_by_weight_sum``
    (torch's weighted mse and l1); 'batchmean' by the first dim (kl_div).
    """

    mean_by_weight_sum = False

    def forward(self, x, y, weight=None, reduction="mean", **options):
        loss = self.loss(x, y.astype(x.dtype, copy=False), **options)
        if weight is not None:
            loss = loss * weight
        self.weight, self.reduction = weight, reduction
        if reduction == "none":
            return loss
        if reduction == "sum":
            return xp.asarray(loss.sum())
        if reduction == "batchmean":
            self.count = x.shape[0] if x.ndim else 1
        elif weight is not None and self.mean_by_weight_sum:
            self.count = weight.sum()
        else:
            self.count = loss.size
        with xp.errstate(invalid="ignore", divide="ignore"):
            return xp.asarray(loss.sum() / self.count)

    def backward(self, grad):
        need_x, need_y = self.needs_input_grad[:2]
        if self.reduction in ("mean", "batchmean"):
            grad = grad / self.count
        if self.weight is not None:
            grad = grad * self.weight
        dx, dy = self.derivatives(need_x, need_y)
        return (grad * dx if need_x else None), (grad * dy if need_y else None), None


class MSE(_Pointwise):
    mean_by_weight_sum = True

    def loss(self, x, y):
        self.d = x - y
        return self.d * self.d

    def derivatives(self, need_x, need_y):
        dx = 2 * self.d
        return dx, (-dx if need_y else None)


class L1(_Pointwise):
    mean_by_weight_sum = True

    def loss(self, x, y):
        d = x - y
        self.sign = xp.sign(d)      # 0 at d == 0, as torch
        return xp.abs(d)

    def derivatives(self, need_x, need_y):
        return self.sign, (-self.sign if need_y else None)


class Huber(_Pointwise):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""

    def loss(self, x, y, delta=1.0):
        # With c = clip(d, -delta, delta), c (d - c / 2) is 0.5 d^2 inside and
        # delta (|d| - delta / 2) outside: both branches without a select.
        self.d, self.delta = x - y, delta
        self.c = xp.clip(self.d, -delta, delta)
        return self.c * (self.d - 0.5 * self.c)

    def derivatives(self, need_x, need_y):
        return self.c, (-self.c if need_y else None)


class SmoothL1(_Pointwise):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is the l1 loss)."""

    def loss(self, x, y, beta=1.0):
        d = x - y
        self.d, self.beta = d, beta
        if beta == 0:
            return xp.abs(d)
        c = xp.clip(d, -beta, beta)               # the huber loss with delta = beta, / beta
        return c * (d - 0.5 * c) / beta

    def derivatives(self, need_x, need_y):
        dx = xp.sign(self.d) if self.beta == 0 else xp.clip(self.d / self.beta, -1, 1)
        return dx, (-dx if need_y else None)


class BinaryCrossEntropy(_Pointwise):
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 as torch does."""

    def loss(self, p, y):
        with xp.errstate(divide="ignore"):
            self.log_p = xp.clip(xp.log(p), -100, _INF)
            self.log_q = xp.clip(xp.log1p(-p), -100, _INF)
        self.p, self.y = p, y
        return -(y * self.log_p + (1 - y) * self.log_q)

    def derivatives(self, need_x, need_y):
        p = self.p
        # torch's backward: (p - y) / max(p (1 - p), eps), eps the float32 nearest 1e-12
        dx = (p - self.y) / xp.clip((1 - p) * p, 9.999999960041972e-13, _INF) if need_x else None
        return dx, (self.log_q - self.log_p if need_y else None)


class BinaryCrossEntropyWithLogits(_Pointwise):
    """(1 - y) x + l softplus(-x) with l = 1 + (pos_weight - 1) y (torch's formula), where
    softplus(-x) = -log sigmoid(x) = max(-x, 0) + log1p(exp(-|x|)) never overflows; without
    pos_weight that is the classic max(x, 0) - x y + log1p(exp(-|x|))."""

    def loss(self, x, y, pos_weight=None):
        e = xp.abs(x, out=xp.empty_like(x))
        xp.negative(e, out=e)
        xp.exp(e, out=e)                       # exp(-|x|) in (0, 1]
        self.x, self.y, self.pw, self.e = x, y, pos_weight, e
        if pos_weight is None:
            out = xp.clip(x, 0, _INF)
            out -= x * y
            out += xp.log1p(e)
            return out
        self.sp = xp.clip(-x, 0, _INF) + xp.log1p(e)        # softplus(-x)
        self.lw = 1 + (pos_weight - 1) * y
        return (1 - y) * x + self.lw * self.sp

    def derivatives(self, need_x, need_y):
        dx = dy = None
        if need_x:
            # sigmoid(+-x) from the saved e = exp(-|x|): 1 / (1 + e) on one side of 0,
            # e / (1 + e) on the other, so neither loses digits to 1 - sigmoid.
            x, e = self.x, self.e
            m = (x >= 0).astype(e.dtype)
            if self.pw is None:                                 # sigmoid(x) - y
                dx = e * (1 - m) + m
                dx /= 1 + e
                dx -= self.y
            else:                                               # (1 - y) - l sigmoid(-x)
                sig_neg = e * m + (1 - m)
                sig_neg /= 1 + e
                dx = (1 - self.y) - self.lw * sig_neg
        if need_y:
            dy = -self.x if self.pw is None else (self.pw - 1) * self.sp - self.x
        return dx, dy


class KLDiv(_Pointwise):
    """y (log y - x), 0 where y == 0; with log_target, exp(y) (y - x)."""

    def loss(self, x, y, log_target=False):
        self.x, self.y, self.log_target = x, y, log_target
        if log_target:
            self.ey = xp.exp(y)
            return self.ey * (y - x)
        # log(y + [y == 0]) is log y, and 0 where y == 0, which makes y log y = 0 there.
        self.log_y = xp.log(y + (y == 0))
        return y * (self.log_y - x)

    def derivatives(self, need_x, need_y):
        if self.log_target:
            dx = -self.ey
            dy = self.ey * (self.y - self.x + 1) if need_y else None
        else:
            dx = -self.y
            dy = (self.log_y + 1 - self.x) * (self.y > 0) if need_y else None
        return dx, dy
