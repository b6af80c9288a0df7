"""Transposed convolution (1-d and 2-d) as one Function: the adjoint of chainrule.ops.conv.

Its forward is a convolution's input gradient (the convolution mapping the output back onto
the input, with this layer's padding), its input gradient that convolution itself, and its
weight gradient that convolution's weight gradient with the roles of input and output
swapped; all three reuse chainrule.ops.conv, so the layouts and GEMM orientations measured
there apply.
"""
from ..autograd.function import Function
from .conv import channels_last, convolve, input_grad, padded_nhwc, weight_grad


class ConvTranspose2d(Function):
    """x (N, Cin, H, W), w (Cin, Cout/groups, kh, kw), b (Cout,) or None ->
    (N, Cout, OH, OW) with OH = (H - 1) stride - 2 padding + dilation (kh - 1) + 1 +
    output_padding."""

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1), groups=1):
        n, cin, h, wd = x.shape
        _, cout_g, kh, kw = w.shape
        out_hw = tuple((s - 1) * st - 2 * p + d * (k - 1) + 1 + op for s, st, p, d, k, op in
                       zip((h, wd), stride, padding, dilation, (kh, kw), output_padding))
        self.pads = (padding[0], padding[0], padding[1], padding[1])
        self.x, self.w, self.geom = x, w, (groups, stride, dilation)
        out = input_grad(channels_last(x), w, (n, cout_g * groups) + out_hw, (h, wd), stride,
                         self.pads, dilation, groups)
        if b is not None:
            out += b.reshape(-1, 1, 1)
        return out

    def backward(self, grad):
        need_x, need_w, need_b = self.needs_input_grad
        groups, stride, dilation = self.geom
        x, w = self.x, self.w
        grad_x = grad_w = grad_b = None
        if need_x:
            # an output_padding not below the stride (allowed under a larger dilation) leaves
            # windows past the input's end: they are cut off
            h, wd = x.shape[2:]
            grad_x = convolve(grad, w, stride, self.pads, dilation, groups)[:, :, :h, :wd]
        if need_w:
            grad_w = weight_grad(padded_nhwc(grad, self.pads), channels_last(x), w.shape,
                                 x.shape[2:], stride, dilation, groups)
        if need_b:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b
