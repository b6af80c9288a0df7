"""Each op family exported alone, with a dynamic batch (and length where it applies)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


class Fn(nn.Module):
    def __init__(self, fn, *modules):
        super().__init__()
        self.fn, self.mods = fn, nn.ModuleList(modules)

    def forward(self, *xs):
        return self.fn(*xs, *self.mods)


def _check(roundtrip, model, shapes, dyn_axes=(0,), n_out=1, make=cr.randn):
    sets = []
    for grow in (0, 2):
        sets.append(tuple(make(*[s + grow if i in dyn_axes else s for i, s in enumerate(shape)])
                          for shape in shapes))
    names = [f"x{i}" for i in range(len(shapes))]
    outs = [f"y{i}" for i in range(n_out)]
    dyn = {n: {a: f"d{a}" for a in dyn_axes} for n in names}
    roundtrip(model, sets[0], sets, names, outs, dyn)


ELEMENTWISE = {
    "arithmetic": lambda x, y: (x + y) * 2.0 - x / (y.abs() + 1) + 3 ** (x.clamp(-1, 1)),
    "broadcast": lambda x, y: x * y[:, :1] + y.mean(dim=1, keepdim=True),
    "math": lambda x, y: x.exp().log1p() + y.sin() * y.cos() + (x * x + 1).sqrt().rsqrt()
    + cr.maximum(x, y) - cr.minimum(x, y) + x.pow(2) + (y.abs() + 1).log2(),
    "compare_where": lambda x, y: cr.where(x > y, x, y) + (x <= 0).float()
    + x.masked_fill(y < 0, -1.0),
    "reductions": lambda x, y: cr.stack([x.sum(1), x.mean(1), x.amax(1), x.amin(1),
                                         x.var(1), x.logsumexp(1), x.prod(1),
                                         x.norm(dim=1)], 1).sum(0, keepdim=True) + y.sum(),
    "cumsum": lambda x, y: x.cumsum(1) + y.flip(1),
    "atan2_cdist": lambda x, y: cr.atan2(x, y) + cr.atan2(x, y * 0) + cr.cdist(
        x, y, compute_mode="use_mm_for_euclid_dist").sum(-1, keepdim=True),
    "var_over_batch": lambda x, y: x.var(0, keepdim=True) + y.std(0, keepdim=True)
    + x.var(correction=0),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_and_reductions(roundtrip, name):
    _check(roundtrip, Fn(ELEMENTWISE[name]), [(2, 5), (2, 5)])


_ACTS = [("ReLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("GELU", {}),
         ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("ELU", {"alpha": 0.7}),
         ("LeakyReLU", {"negative_slope": 0.2}), ("Softplus", {"beta": 2.0, "threshold": 3.0}),
         ("LogSigmoid", {}), ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}),
         # (those another branch adds are tested once they exist)
         ("Hardtanh", {}), ("Mish", {}), ("Hardswish", {}), ("Hardsigmoid", {}), ("ReLU6", {}),
         ("PReLU", {}), ("SELU", {}), ("CELU", {}), ("Softsign", {}), ("Tanhshrink", {}),
         ("Softmin", {"dim": 1}), ("GLU", {}), ("Softshrink", {}), ("Hardshrink", {}),
         ("Threshold", {"threshold": 0.1, "value": 2.0}), ("RReLU", {})]
ACTIVATIONS = [getattr(nn, n)(**kw) for n, kw in _ACTS if hasattr(nn, n)]


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda m: repr(m))
def test_activations(roundtrip, act):
    _check(roundtrip, Fn(lambda x, m: m(x * 3), act), [(2, 6)])


SHAPES = {
    "reshape_transpose": lambda x: x.reshape(x.shape[0], -1, 2).transpose(1, 2).flatten(1),
    "permute_unsqueeze": lambda x: x.permute(1, 0, 2).unsqueeze(0).squeeze(0).sum(1),
    "indexing": lambda x: x[:, 1:3] * 2 + x[:, -1:, ::2].sum(-1, keepdim=True)
    + x[..., 0][:, None, 1:2],
    "gather_index": lambda x: x[:, [0, 2, 1]] + x.index_select(1, cr.tensor([2, 0, 1]))
    + x.gather(1, cr.zeros(1, 3, 4, dtype=cr.int64).expand(x.shape[0], 3, 4)),
    "cat_stack_split": lambda x: cr.cat([*x.split(1, dim=1), x], 1)
    + cr.stack([x, x], 1).sum(1).repeat(1, 2, 1),
    "chunk_expand": lambda x: x.chunk(3, dim=1)[2] * x[:, :1].expand(-1, 1, 4),
    "tril": lambda x: x.tril() + x.triu(1),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_ops(roundtrip, name):
    _check(roundtrip, Fn(SHAPES[name]), [(2, 3, 4)])


NORMS_POOLS = [
    (nn.LayerNorm([4, 5]), (2, 3, 4, 5)), (nn.GroupNorm(2, 4), (2, 4, 5)),
    (nn.GroupNorm(2, 4, affine=False), (2, 4, 3, 3)), (nn.InstanceNorm1d(4), (2, 4, 6)),
    (nn.BatchNorm1d(4), (2, 4)), (nn.BatchNorm1d(4), (2, 4, 5)),
    (nn.MaxPool1d(2), (2, 3, 8)), (nn.MaxPool2d(3, 2, padding=1), (2, 3, 7, 7)),
    (nn.AvgPool2d(2, ceil_mode=True), (2, 3, 5, 5)),
    (nn.AvgPool2d(3, 1, padding=1, count_include_pad=False), (2, 3, 4, 4)),
    (nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)), (nn.AdaptiveAvgPool2d(2), (2, 3, 4, 4)),
    (nn.AdaptiveMaxPool1d(2), (2, 3, 6)), (nn.RMSNorm(5), (2, 3, 5)),
]


@pytest.mark.parametrize("layer,shape", NORMS_POOLS, ids=lambda v: repr(v))
def test_norms_and_pooling(roundtrip, layer, shape):
    for name, b in layer.named_buffers():
        if name == "running_var":
            b.copy_(cr.rand(*b.shape) + 0.5)
        elif name == "running_mean":
            b.copy_(cr.randn(*b.shape))
    _check(roundtrip, layer, [shape])


CONVS = [
    (nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 6)),
    (nn.Conv2d(4, 4, 3, stride=2, dilation=1, groups=2), (2, 4, 7, 7)),
    (nn.Conv2d(4, 4, 3, groups=4, padding="same"), (2, 4, 5, 5)),
    (nn.Conv1d(3, 5, 3, padding=2, dilation=2), (2, 3, 9)),
    (nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    (nn.ConvTranspose1d(3, 2, 4, stride=2), (2, 3, 5)),
    (Fn(lambda x: F.pad(x, (1, 2, 0, 1))), (2, 3, 4, 4)),
    (Fn(lambda x: F.pad(x, (2, 1), mode="reflect")), (2, 3, 5)),
    (Fn(lambda x: F.pad(x, (1, 1, 1, 1), mode="replicate")), (2, 3, 4, 4)),
    (nn.Upsample(scale_factor=2), (2, 3, 4, 4)),
    (nn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4, 4)),
    (nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (2, 3, 3, 3)),
    (Fn(lambda x: F.interpolate(x, size=7, mode="nearest-exact")), (2, 3, 4)),
]


@pytest.mark.parametrize("layer,shape", CONVS, ids=lambda v: repr(v))
def test_convolution_padding_resize(roundtrip, layer, shape):
    _check(roundtrip, layer, [shape])


def test_embedding_and_dropouts(roundtrip):
    model = Fn(lambda i, e, d, d2: d2(d(e(i)).transpose(1, 2)), nn.Embedding(10, 4, padding_idx=0),
               nn.Dropout(0.3), nn.Dropout1d(0.5))
    _check(roundtrip, model, [(2, 5)], dyn_axes=(0, 1), make=lambda *s: cr.randint(0, 10, s))


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_with_weights_and_masks(roundtrip, batch_first):
    mha = nn.MultiheadAttention(8, 2, batch_first=batch_first)

    def f(q, kv, m):
        return m(q, kv, kv, need_weights=True)
    _check(roundtrip, Fn(f, mha), [(3, 2, 8), (3, 2, 8)], dyn_axes=(0, 1), n_out=2)


def test_sdpa_with_float_and_bool_masks(roundtrip):
    def f(q, k, v):
        bias = (q[..., :1] * k[..., :1].transpose(-2, -1))          # traced float mask
        keep = k.sum(-1, keepdim=True).transpose(-2, -1) > -1.0     # traced bool mask
        return (F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
                + F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=0.3))
    _check(roundtrip, Fn(f), [(2, 2, 3, 4)] * 3, dyn_axes=(0, 2))


def test_ops_outside_functions_argmax_max_dim_any_logical(roundtrip):
    class Picks(nn.Module):
        def forward(self, x):
            values, indices = x.max(dim=1)
            low = x.min(1, keepdim=True).values
            mask = (x > 0) & ~(x > 1) | (x < -1)
            hits = mask.any(1).float() + mask.all(1).float()
            return (values + low.squeeze(1) + hits + x.argmax(1).float()
                    + x.argmin(dim=1).float(), indices.float())
    _check(roundtrip, Picks(), [(3, 5)], n_out=2)


def test_integer_inputs_and_mixed_dtype_comparisons(roundtrip):
    class Count(nn.Module):
        def forward(self, x):
            idx = (x * 3).long()
            return ((idx >= 1) & (idx.float() < x + 1)).float() + idx.float()
    _check(roundtrip, Count(), [(3, 5)])


def test_one_hot_and_floor_divide(roundtrip):
    class Codes(nn.Module):
        def forward(self, x):
            idx = (x.abs() * 2).long() // 2 + x.long() // -3
            code = F.one_hot(idx.clamp(0, 4), 5).float() * cr.arange(5.0)
            return code.sum(-1) + x // 0.5
    _check(roundtrip, Codes(), [(3, 4)])


def test_roll_take_along_dim_einsum_frac_hypot(roundtrip):
    class Mix(nn.Module):
        def forward(self, x, w):
            idx = x.argsort(dim=1) if False else (x * 0).long() + 1
            y = x.roll(1, 1) + x.roll((2, -1), (0, 1)) + cr.take_along_dim(x, idx[:, :1], 1)
            z = cr.einsum("bi,bj->bij", x, w).sum(-1) + cr.einsum("bi->b", w)[:, None]
            return y + z + x.frac() + cr.hypot(x, w)
    _check(roundtrip, Mix(), [(3, 4), (3, 4)])


def test_in_place_updates_are_recorded(roundtrip):
    class Residual(nn.Module):     # torchvision's BasicBlock style: out += identity
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            out = self.fc(x)
            out += x
            out.mul_(2).clamp_(-1.5, 1.5)
            out.masked_fill_(x > 1, 0.0)
            acc = cr.zeros(4)
            acc += out.sum(0)
            buf = cr.empty(x.shape)
            buf.copy_(out)
            return buf.relu() + acc
    _check(roundtrip, Residual(), [(3, 4)])


def test_constant_causal_masks_follow_the_length(roundtrip):
    mha = nn.MultiheadAttention(8, 2, batch_first=True)

    def f(x, m):
        T = x.shape[1]
        float_mask = nn.Transformer.generate_square_subsequent_mask(T)
        bool_keep = cr.from_numpy(np.tril(np.ones((T, T), bool)))       # SDPA: True = keep
        q = x.view(x.shape[0], T, 2, 4).transpose(1, 2)
        sdpa = F.scaled_dot_product_attention(q, q, q, attn_mask=bool_keep)
        return m(x, x, x, attn_mask=float_mask, need_weights=False)[0] + \
            sdpa.transpose(1, 2).reshape(x.shape)
    _check(roundtrip, Fn(f, mha), [(2, 3, 8)], dyn_axes=(0, 1))
