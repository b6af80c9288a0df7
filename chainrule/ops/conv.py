"""Convolution (1-d and 2-d, groups, stride, dilation, zero padding) as one Function.

A 1-d convolution is a 2-d one with a kernel of height 1. The input is copied once into a
zero-padded channels-last buffer (N, Hp, Wp, C); the windows of that buffer are copied into
columns (groups, N * OH * OW, kh * kw * C/groups), one strided block copy per kernel offset,
and the output is one matrix product a group, cols @ W^T, landing channels-last: the returned
(N, O, OH, OW) array is a transposed view of (N, OH, OW, O) memory (every NumPy and chainrule
op accepts it, and the next convolution reads it without a transposing copy). Backward: the
weight gradient is one product (cols^T @ g)^T; a stride-1 input gradient is the convolution of
the output gradient with the flipped kernel, other strides fold g @ W back with one strided add
per kernel offset (col2im). Columns are rebuilt in backward rather than kept, so memory stays
near the activations'; a large batch is processed a few images at a time to cap the buffer.

Layout and GEMM orientation, measured for Conv2d(64, 64, 3, padding=1) on 32 x 64 x 32 x 32
float32 (2-core AMD EPYC, NumPy's OpenBLAS, 2 threads, a busy machine so minima of 7 rounds):
- forward product: NCHW columns with one (64 x 576) @ (576 x 1024) product an image (NumPy's
  batched matmul) took 1068 ms, against 132 ms for the one channels-last (32768 x 576) @
  (576 x 64) product and 160-190 ms for the other orientations: OpenBLAS's two threads are
  started and joined for every small product;
- weight gradient: (cols^T @ g)^T took 153 ms against 970-1650 ms for g^T @ cols, the batched
  per-image form and the NCHW single product;
- window copy: channels-last copies kw * C contiguous floats at a time: 17.8 against 45-61 ms
  for the NCHW columns, 0.15 against 1.1 ms for 64 x 32 x 8 x 8; only for C = 1 is NCHW
  faster (0.33 against 1.36 ms for LeNet's 64 x 1 x 28 x 28, 5 x 5).
"""
from numpy.lib.stride_tricks import as_strided

from .._autotune import fastest
from .._backend import xp
from ..autograd.function import Function

# Column buffers hold at most this many elements (16 MiB of float32); larger batches are
# processed a few images at a time. The ResNet block's peak memory measured 1.04 of PyTorch's
# with 16 MiB and 1.34 with 32 MiB, for 5-10% more time on the lone 3x3 convolution.
CHUNK_ELEMENTS = 1 << 22


def out_size(size, kernel, stride, dilation, pad_total):
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def padded(x, pads):
    """x (N, C, H, W) inside a zero border: pads = (top, bottom, left, right)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    buf = xp.zeros((n, c, h + top + bottom, w + left + right), x.dtype)
    buf[:, :, top:top + h, left:left + w] = x
    return buf


def padded_nhwc(x, pads):
    """x (N, C, H, W), in any memory layout, copied into a zero-padded (N, Hp, Wp, C) buffer."""
    top, bottom, left, right = pads
    n, c, h, w = x.shape
    nhwc = x.transpose(0, 2, 3, 1)
    if not any(pads):
        return xp.ascontiguousarray(nhwc)
    buf = xp.zeros((n, h + top + bottom, w + left + right, c), x.dtype)
    buf[:, top:top + h, left:left + w] = nhwc
    return buf


def _offsets(kernel, stride, dilation, out_hw):
    """(i, j, row slice, column slice) of every kernel offset's window."""
    (kh, kw), (st_h, st_w), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    return [(i, j, slice(i * dh, i * dh + st_h * (oh - 1) + 1, st_h),
             slice(j * dw, j * dw + st_w * (ow - 1) + 1, st_w))
            for i in range(kh) for j in range(kw)]


def columns(xl, groups, kernel, stride, dilation, out_hw):
    """Windows of the padded channels-last xl (N, Hp, Wp, C) as (groups, N*OH*OW, kh*kw*C/g):
    one copy of the strided window view, whose kw * C innermost elements are contiguous
    (measured 2.4x faster than a copy per kernel offset for 32 x 64 x 32 x 32, 3x3)."""
    n, c = xl.shape[0], xl.shape[3]
    sn, sh, sw, sc = xl.strides
    (kh, kw), (st_h, st_w), (dh, dw) = kernel, stride, dilation
    cg = c // groups
    if c == 1:
        # one channel: copy output rows (OW contiguous-ish floats) rather than kw-float runs,
        # and hand over the (N*L, k*k) columns as an F-ordered view (0.33 against 1.36 ms for
        # LeNet's first layer, 64 x 1 x 28 x 28 with 5 x 5)
        view = as_strided(xl, kernel + (n,) + out_hw,
                          (sh * dh, sw * dw, sn, sh * st_h, sw * st_w), writeable=False)
        return view.reshape(kh * kw, -1).T[None]
    view = as_strided(xl, (n,) + out_hw + kernel + (groups, cg),
                      (sn, sh * st_h, sw * st_w, sh * dh, sw * dw, sc * cg, sc), writeable=False)
    if groups > 1:
        view = view.transpose(5, 0, 1, 2, 3, 4, 6)
    return view.reshape(groups, n * out_hw[0] * out_hw[1], kh * kw * cg)


def fold_nhwc(buf, gcols, kernel, stride, dilation, out_hw):
    """buf (N, Hp, Wp, C) += the columns gcols (groups, N*OH*OW, kh*kw*C/g) at their windows."""
    groups = gcols.shape[0]
    n = buf.shape[0]
    cg = buf.shape[3] // groups
    g6 = gcols.reshape((groups, n) + out_hw + kernel + (cg,))
    dst = buf.reshape(buf.shape[:3] + (groups, cg)).transpose(3, 0, 1, 2, 4)
    for i, j, rows, cols_ in _offsets(kernel, stride, dilation, out_hw):
        dst[:, :, rows, cols_] += g6[:, :, :, :, i, j]
    return buf


def chunks(n, per_image):
    """Batch ranges whose column buffers stay under CHUNK_ELEMENTS."""
    step = max(1, CHUNK_ELEMENTS // max(per_image, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def grouped_weight(w, groups):
    """w (O, C/g, kh, kw) as (g, O/g, kh*kw*C/g), the column order of ``columns``."""
    o, cg, kh, kw = w.shape
    return w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2).reshape(
        groups, o // groups, kh * kw * cg)


def matmul_groups(cols, wg):
    """(N*L, O), channels-last: cols[g] @ wg[g]^T for each group. (No out=: NumPy's matmul
    with out= and a transposed operand took 11.7 against 2.1 ms for (9216 x 400) @ (400 x 6).)"""
    if cols.shape[0] == 1:
        return cols[0] @ wg[0].T
    return xp.matmul(cols, wg.swapaxes(1, 2)).transpose(1, 0, 2).reshape(cols.shape[1], -1)


def convolve(x, w, stride, pads, dilation, groups, xl=None):
    """x (N, C, H, W) convolved with w (O, C/groups, kh, kw), no bias: an (N, O, OH, OW) view
    of channels-last memory. ``xl``: x already padded channels-last, if at hand."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    out_hw = (out_size(h, kh, stride[0], dilation[0], pads[0] + pads[1]),
              out_size(wd, kw, stride[1], dilation[1], pads[2] + pads[3]))
    wg = grouped_weight(w, groups)
    if xl is None:
        xl = padded_nhwc(x, pads)
    length = out_hw[0] * out_hw[1]
    parts = chunks(n, c * kh * kw * length)
    out = None if len(parts) == 1 else xp.empty((n * length, o), x.dtype)
    for lo, hi in parts:
        part = matmul_groups(columns(xl[lo:hi], groups, (kh, kw), stride, dilation, out_hw),
                             wg)
        if out is None:
            out = part
        else:
            out[lo * length:hi * length] = part
    return out.reshape(n, out_hw[0], out_hw[1], o).transpose(0, 3, 1, 2)


def input_grad(gl, w, x_shape, out_hw, stride, pads, dilation, groups):
    """The input gradient of a convolution from gl, the output gradient (N, OH, OW, O)."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    reach = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
    # zero padding of the output gradient that makes the stride-1 shortcut's output h x wd
    back = (reach[0] - pads[0], h - out_hw[0] + pads[0], reach[1] - pads[2],
            wd - out_hw[1] + pads[2])
    def flipped():
        # A stride-1 convolution's input gradient is the convolution of the output gradient,
        # zero-padded by the kernel's reach less the forward padding, with the flipped,
        # channel-transposed kernel: one product over columns and no col2im pass (measured
        # 1.3-1.6x faster than g @ W and the fold, 3x3 on 32 x 64 x 32 x 32).
        wf = w.reshape(groups, o // groups, cg, kh, kw).swapaxes(1, 2)[..., ::-1, ::-1]
        wf = xp.ascontiguousarray(wf).reshape(c, o // groups, kh, kw)
        return convolve(gl.transpose(0, 3, 1, 2), wf, (1, 1), back, dilation, groups)

    def folded():
        # other strides: g @ W as columns, folded back with one strided add per offset
        buf = xp.zeros((n, h + pads[0] + pads[1], wd + pads[2] + pads[3], c), gl.dtype)
        wg = grouped_weight(w, groups)
        length = out_hw[0] * out_hw[1]
        g2 = gl.reshape(n * length, groups, o // groups).transpose(1, 0, 2)
        for lo, hi in chunks(n, c * kh * kw * length):
            gcols = xp.matmul(g2[:, lo * length:hi * length], wg)
            fold_nhwc(buf[lo:hi], gcols, (kh, kw), stride, dilation, out_hw)
            del gcols
        return buf[:, pads[0]:pads[0] + h, pads[2]:pads[2] + wd].transpose(0, 3, 1, 2)

    usual = flipped if stride == (1, 1) and min(back) >= 0 else folded
    if groups > 1:
        return usual()
    # With few input channels the columns of either are many times the gradient (LeNet's
    # conv2: 14.7 MB of them, and a product with 6 output columns that OpenBLAS runs at a third
    # of its speed); a product per kernel offset added in place measured 2.3x faster there
    # (1.3 against 3.0 ms). Which wins depends on the shape and the CPU: measured.
    return fastest(("conv dx", gl.shape, w.shape, stride, pads, dilation, gl.dtype.char), usual,
                   lambda: _input_grad_per_offset(gl, w, x_shape, out_hw, stride, pads,
                                                  dilation))


def _input_grad_per_offset(gl, w, x_shape, out_hw, stride, pads, dilation):
    """The input gradient (groups == 1) as, for each kernel offset (i, j), the product
    g @ W[:, :, i, j] added into the padded channels-last gradient at that offset's window
    positions: no columns, and a buffer the size of the input gradient."""
    n, c, h, wd = x_shape
    o, _, kh, kw = w.shape
    buf = xp.zeros((n, h + pads[0] + pads[1], wd + pads[2] + pads[3], c), gl.dtype)
    g2 = gl.reshape(-1, o)
    w_offsets = xp.ascontiguousarray(w.transpose(2, 3, 0, 1))      # (kh, kw, O, C)
    part = xp.empty((g2.shape[0], c), gl.dtype)
    part4 = part.reshape(n, out_hw[0], out_hw[1], c)
    for i, j, rows, cols_ in _offsets((kh, kw), stride, dilation, out_hw):
        xp.matmul(g2, w_offsets[i, j], out=part)
        buf[:, rows, cols_] += part4
    return buf[:, pads[0]:pads[0] + h, pads[2]:pads[2] + wd].transpose(0, 3, 1, 2)


def weight_grad(xl, gl, w_shape, out_hw, stride, dilation, groups):
    """The weight gradient from the padded channels-last input and output gradient."""
    o, cg, kh, kw = w_shape
    n = xl.shape[0]
    length = out_hw[0] * out_hw[1]
    g2 = gl.reshape(n * length, groups, o // groups)
    total = xp.zeros((groups, kh * kw * cg, o // groups), gl.dtype)
    for lo, hi in chunks(n, xl.shape[3] * kh * kw * length):
        cols = columns(xl[lo:hi], groups, (kh, kw), stride, dilation, out_hw)
        for k in range(groups):
            # (cols^T @ g)^T: the fast orientation of OpenBLAS's threaded kernel (see above)
            total[k] += cols[k].T @ g2[lo * length:hi * length, k]
        del cols        # free this chunk's columns before the next chunk's are made
    return total.reshape(groups, kh, kw, cg, o // groups).transpose(0, 4, 3, 1, 2).reshape(
        w_shape)


def channels_last(grad):
    """grad (N, O, OH, OW) as a contiguous (N, OH, OW, O) array (free for conv outputs)."""
    return xp.ascontiguousarray(grad.transpose(0, 2, 3, 1))


class Conv2d(Function):
    """out = conv(x, w) + b on 4-D arrays; pads = (top, bottom, left, right) zero padding.

    x (N, C, H, W), w (O, C/groups, kh, kw), b (O,) or None -> (N, O, OH, OW).
    """

    def forward(self, x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1),
                groups=1):
        # backward needs the padded channels-last copy rather than x itself: keep only that
        self.xl, self.x_shape, self.w = padded_nhwc(x, pads), x.shape, w
        self.geom = (groups, stride, dilation, pads)
        out = convolve(x, w, stride, pads, dilation, groups, self.xl)
        if b is not None:
            out += b.reshape(-1, 1, 1)
        return out

    def backward(self, grad):
        need_x, need_w, need_b = self.needs_input_grad
        groups, stride, dilation, pads = self.geom
        w = self.w
        out_hw = grad.shape[2:]
        gl = channels_last(grad)
        grad_x = grad_w = grad_b = None
        if need_w:
            grad_w = weight_grad(self.xl, gl, w.shape, out_hw, stride, dilation, groups)
        if need_x:
            grad_x = input_grad(gl, w, self.x_shape, out_hw, stride, pads, dilation, groups)
        if need_b:
            # column sums as one BLAS product: NumPy's sum over axis 0 of (N*L, O) took 0.9 of
            # LeNet's 12 ms step (O = 6 and 16), the product a tenth of that
            g2 = gl.reshape(-1, gl.shape[3])
            grad_b = xp.ones(g2.shape[0], g2.dtype) @ g2
        return grad_x, grad_w, grad_b
