"""F.unfold (im2col) and F.fold (col2im) as Functions, each the other's backward, in torch's
NCHW column order (convolutions use channels-last columns, see chainrule.ops.conv)."""
from .._backend import xp
from ..autograd.function import Function
from .conv import out_size, padded


def columns(xp_, groups, kernel, stride, dilation, out_hw):
    """The windows of the padded input xp_ (N, C, Hp, Wp) copied into columns of shape
    (N, groups, C/groups * kh * kw, OH * OW), one strided block copy per kernel offset."""
    n, c = xp_.shape[:2]
    (kh, kw), (st_h, st_w), (dh, dw) = kernel, stride, dilation
    oh, ow = out_hw
    cols = xp.empty((n, c, kh, kw, oh, ow), xp_.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp_[:, :, i * dh:i * dh + st_h * (oh - 1) + 1:st_h,
                                   j * dw:j * dw + st_w * (ow - 1) + 1:st_w]
    return cols.reshape(n, groups, (c // groups) * kh * kw, oh * ow)


def fold_into(buf, cols, kernel, stride, dilation, out_hw):
    """buf (N, C, Hp, Wp) += the columns cols (N, C, kh, kw, OH, OW) put back at their windows:
    one strided add per kernel offset."""
    (kh, kw), (st_h, st_w), (dh, dw) = kernel, stride, dilation
    oh, ow = out_hw
    for i in range(kh):
        for j in range(kw):
            buf[:, :, i * dh:i * dh + st_h * (oh - 1) + 1:st_h,
                j * dw:j * dw + st_w * (ow - 1) + 1:st_w] += cols[:, :, i, j]
    return buf


def _blocks(op, spatial, kernel, dilation, padding, stride):
    blocks = tuple(out_size(s, k, st, d, 2 * p) for s, k, st, d, p in
                   zip(spatial, kernel, stride, dilation, padding))
    if min(blocks) < 1:
        raise ValueError(f"{op}: kernel {kernel} (dilation {dilation}) does not fit the padded "
                         f"spatial size {spatial} with padding {padding}: no sliding block")
    return blocks


class Unfold(Function):
    """x (N, C, H, W) -> (N, C * kh * kw, L): every sliding block as a column."""

    def forward(self, x, kernel=(1, 1), dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
        self.shape, self.geom = x.shape, (kernel, dilation, padding, stride)
        blocks = _blocks("unfold", x.shape[2:], kernel, dilation, padding, stride)
        self.blocks = blocks
        pads = (padding[0], padding[0], padding[1], padding[1])
        cols = columns(padded(x, pads), 1, kernel, stride, dilation, blocks)
        return cols.reshape(x.shape[0], -1, blocks[0] * blocks[1])

    def backward(self, grad):
        (kernel, dilation, padding, stride), (n, c, h, w) = self.geom, self.shape
        buf = xp.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), grad.dtype)
        fold_into(buf, grad.reshape((n, c) + kernel + self.blocks), kernel, stride, dilation,
                  self.blocks)
        return buf[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


class Fold(Function):
    """cols (N, C * kh * kw, L) -> (N, C, H, W), overlapping values summed."""

    def forward(self, cols, output_size=(1, 1), kernel=(1, 1), dilation=(1, 1),
                padding=(0, 0), stride=(1, 1)):
        blocks = _blocks("fold", output_size, kernel, dilation, padding, stride)
        n, ck, length = cols.shape
        if ck % (kernel[0] * kernel[1]) or length != blocks[0] * blocks[1]:
            raise ValueError(f"fold: expected input of shape (N, C * {kernel[0] * kernel[1]}, "
                             f"{blocks[0] * blocks[1]}) for output_size {output_size}, kernel "
                             f"{kernel}, got {cols.shape}")
        c = ck // (kernel[0] * kernel[1])
        self.geom, self.blocks = (kernel, dilation, padding, stride), blocks
        h, w = output_size
        buf = xp.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), cols.dtype)
        fold_into(buf, cols.reshape((n, c) + kernel + blocks), kernel, stride, dilation, blocks)
        return xp.ascontiguousarray(buf[:, :, padding[0]:padding[0] + h,
                                        padding[1]:padding[1] + w])

    def backward(self, grad):
        kernel, dilation, padding, stride = self.geom
        pads = (padding[0], padding[0], padding[1], padding[1])
        cols = columns(padded(grad, pads), 1, kernel, stride, dilation, self.blocks)
        return cols.reshape(grad.shape[0], -1, self.blocks[0] * self.blocks[1])


def _args(op, kernel_size, dilation, padding, stride):
    from ..nn.functional_conv import ntuple
    return tuple(ntuple(op, name, v, 2) for name, v in (
        ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
        ("stride", stride)))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: (N, C, H, W) or (C, H, W) -> (N, C * prod(k), L)."""
    kernel, dilation, padding, stride = _args("unfold", kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise ValueError(f"unfold: expected a 3-D (unbatched) or 4-D (batched) input, got "
                         f"shape {tuple(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    out = Unfold.apply(x, kernel=kernel, dilation=dilation, padding=padding, stride=stride)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: (N, C * prod(k), L) or (C * prod(k), L) -> (N, C, H, W)."""
    from ..nn.functional_conv import ntuple
    output_size = ntuple("fold", "output_size", output_size, 2)
    kernel, dilation, padding, stride = _args("fold", kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3):
        raise ValueError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input, got "
                         f"shape {tuple(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    out = Fold.apply(x, output_size=output_size, kernel=kernel, dilation=dilation,
                     padding=padding, stride=stride)
    return out.squeeze(0) if input.ndim == 2 else out
