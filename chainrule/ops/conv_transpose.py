"""Transposed convolution (1-d and 2-d) as one Function: the adjoint of chainrule.ops.conv.

Its forward is a convolution's input gradient: columns = W[g]^T @ x[n, g], folded onto an
output-sized buffer with one strided add per kernel offset; its input gradient is a
convolution of the output gradient, and its weight gradient the product of x with that
gradient's columns. Both reuse the helpers of chainrule.ops.conv.
"""
from .._backend import xp
from ..autograd.function import Function
from .conv import chunks, columns, fold_into, weight_grad


class ConvTranspose2d(Function):
    """x (N, Cin, H, W), w (Cin, Cout/groups, kh, kw), b (Cout,) or None ->
    (N, Cout, OH, OW) with OH = (H - 1) stride - 2 padding + dilation (kh - 1) + 1 +
    output_padding."""

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1), groups=1):
        n, cin, h, wd = x.shape
        _, cout_g, kh, kw = w.shape
        cout = cout_g * groups
        full = tuple((s - 1) * st + d * (k - 1) + 1 + op for s, st, d, k, op in
                     zip((h, wd), stride, dilation, (kh, kw), output_padding))
        out_hw = (full[0] - 2 * padding[0], full[1] - 2 * padding[1])
        self.geom = (groups, (kh, kw), stride, dilation, (h, wd), padding, full, out_hw)
        self.x, self.w = x, w
        wt = w.reshape(groups, cin // groups, cout_g * kh * kw).swapaxes(-1, -2)
        xg = xp.ascontiguousarray(x).reshape(n, groups, cin // groups, h * wd)
        buf = xp.zeros((n, cout) + full, x.dtype)
        for lo, hi in chunks(n, cout * kh * kw * h * wd):
            cols = xp.matmul(wt, xg[lo:hi])
            fold_into(buf[lo:hi], cols.reshape((hi - lo, cout, kh, kw, h, wd)), (kh, kw),
                      stride, dilation, (h, wd))
        ph, pw = padding
        out = buf[:, :, ph:ph + out_hw[0], pw:pw + out_hw[1]]
        if ph or pw:
            out = xp.ascontiguousarray(out)
        if b is not None:
            out += b.reshape(cout, 1, 1)
        return out

    def backward(self, grad):
        need_x, need_w, need_b = self.needs_input_grad
        groups, kernel, stride, dilation, in_hw, padding, full, out_hw = self.geom
        x, w = self.x, self.w
        n, cin = x.shape[:2]
        cout = w.shape[1] * groups
        ph, pw = padding
        # the output gradient placed back into the full (uncropped) buffer
        if ph or pw or full != out_hw:
            gbuf = xp.zeros((n, cout) + full, grad.dtype)
            gbuf[:, :, ph:ph + out_hw[0], pw:pw + out_hw[1]] = grad
        else:
            gbuf = xp.ascontiguousarray(grad)
        wg = w.reshape(groups, cin // groups, -1)
        xg = xp.ascontiguousarray(x).reshape(n, groups, cin // groups, in_hw[0] * in_hw[1])
        grad_x = xp.empty(xg.shape, x.dtype) if need_x else None
        grad_w = xp.zeros(wg.shape, w.dtype) if need_w else None
        for lo, hi in chunks(n, cout * kernel[0] * kernel[1] * in_hw[0] * in_hw[1]):
            cols = columns(gbuf[lo:hi], groups, kernel, stride, dilation, in_hw)
            if need_x:
                xp.matmul(wg, cols, out=grad_x[lo:hi])
            if need_w:
                weight_grad(xg[lo:hi], cols, grad_w)
        grad_x = grad_x.reshape(x.shape) if need_x else None
        grad_w = grad_w.reshape(w.shape) if need_w else None
        grad_b = grad.sum(axis=(0, 2, 3)) if need_b else None
        return grad_x, grad_w, grad_b
