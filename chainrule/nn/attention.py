"""Multi-head attention, as torch.nn.MultiheadAttention and F.multi_head_attention_forward.

The heads run through the fused scaled_dot_product_attention Function (chainrule/ops/
attention.py); around it, one packed input projection whose output is cut into heads as
strided views, and the output projection. Masks follow torch's MultiheadAttention convention:
a bool True means "may NOT attend" (the opposite of scaled_dot_product_attention's), a float
mask is added to the logits.

A query whose every key is masked (for example a key_padding_mask that masks a whole sequence)
gets zero attention weights and so the output projection's bias, with zero gradients: that is
what torch's scaled_dot_product_attention (its need_weights=False path) gives too; torch's
need_weights=True path gives NaN rows instead, which chainrule never does.
"""
import warnings

from .._backend import xp
from .._device import check_device
from ..autograd.function import Function
from ..ops.attention import scaled_dot_product_attention
from ..ops.linalg import linear
from ..ops.shape import cat
from ..tensor import Tensor
from . import init
from .layers import Linear, _dtype
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear",
           "multi_head_attention_forward"]


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's output projection: a plain Linear."""


class _SplitHeads(Function):
    """(L, N, n * E) projections -> n tensors (N, H, L, E / H), strided views of the input;
    backward writes the n gradients back into one (L, N, n * E) array in a single pass."""

    materialize_grads = False

    def forward(self, x, n, heads):
        L, N, width = x.shape
        self.split_shape = (L, N, n, heads, width // (n * heads))
        self.dtype = x.dtype
        parts = x.reshape(self.split_shape).transpose(2, 1, 3, 0, 4)
        return tuple(parts) if n > 1 else parts[0]

    def backward(self, *grads):
        out = xp.empty(self.split_shape, self.dtype)
        view = out.transpose(2, 1, 3, 0, 4)
        for i, g in enumerate(grads):
            view[i] = 0 if g is None else g
        L, N, n, H, D = self.split_shape
        return out.reshape(L, N, n * H * D), None, None


def _split_heads(x, n, heads):
    out = _SplitHeads.apply(x, n, heads)
    return out if n > 1 else (out,)


# ---- masks ----------------------------------------------------------------------------------
def _check_mask(op, name, mask, query):
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = Tensor._from_array(xp.asarray(mask))
    query_dtype = query.dtype if isinstance(query, Tensor) else None
    if mask.dtype != bool and mask.dtype.kind != "f":
        raise TypeError(f"{op}: only bool and floating point {name} are supported, got dtype "
                        f"{mask.dtype}")
    if mask.dtype.kind == "f" and query_dtype is not None and mask.dtype != query_dtype:
        raise TypeError(f"{op}: a float {name} must have the query's dtype ({query_dtype}), "
                        f"got {mask.dtype}")
    return mask


def _merge_masks(op, attn_mask, key_padding_mask, shape, pad):
    """One mask for scaled_dot_product_attention, broadcastable to (N, H, L, S), or None.

    Bool masks stay bool (SDPA's convention: True = attend); when either is float both become
    additive floats (-inf where torch's bool says "masked"), as torch does."""
    N, H, L, S = shape
    masks = []
    if attn_mask is not None:
        masks.append(attn_mask if attn_mask.ndim == 2 else attn_mask.reshape(N, H, L, S - pad))
    if key_padding_mask is not None:
        masks.append(key_padding_mask.reshape(N, 1, 1, S - pad))
    if not masks:
        return None
    kinds = {m.dtype == bool for m in masks}
    if len(kinds) > 1:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use "
                      "same type for both instead.", stacklevel=4)
    if kinds == {True}:
        keep = ~masks[0]._data
        for m in masks[1:]:
            keep = keep & ~m._data
        if pad:
            keep = xp.concatenate([keep, xp.ones(keep.shape[:-1] + (pad,), bool)], axis=-1)
        return Tensor._from_array(keep)
    merged = None
    for m in masks:
        if m.dtype == bool:
            dtype = next(x.dtype for x in masks if x.dtype != bool)
            m = Tensor._from_array(xp.where(m._data, dtype.type(-xp.inf), dtype.type(0)))
        merged = m if merged is None else merged + m
    if pad:
        merged = cat([merged, Tensor._from_array(xp.zeros(merged.shape[:-1] + (pad,),
                                                          merged.dtype))], dim=-1)
    return merged


# ---- the functional form ----------------------------------------------------------------------
def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """torch.nn.functional.multi_head_attention_forward, sequence first.

    Shapes: query (L, N, E) or unbatched (L, E); key (S, N, kdim), value (S, N, vdim);
    key_padding_mask (N, S) or (S); attn_mask (L, S) or (N * num_heads, L, S). Returns
    (output (L, N, E), weights (N, L, S) averaged over heads, (N, H, L, S) with
    average_attn_weights=False, or None without need_weights).
    """
    op = "MultiheadAttention"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}: static_k / static_v are not supported")
    key_padding_mask = _check_mask(op, "key_padding_mask", key_padding_mask, query)
    attn_mask = _check_mask(op, "attn_mask", attn_mask, query)
    batched = _check_shapes(op, query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise ValueError(f"{op}: expected the query's last dim to be embed_dim="
                         f"{embed_dim_to_check}, got {E} (query shape {tuple(query.shape)})")
    if E % num_heads:
        raise ValueError(f"{op}: embed_dim {E} is not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise ValueError(f"{op}: key {tuple(key.shape)} and value {tuple(value.shape)} must "
                         "agree in sequence length and batch size")
    if key.shape[1] != N:
        raise ValueError(f"{op}: query batch size {N} differs from key batch size "
                         f"{key.shape[1]}")
    params = [w for w in (in_proj_weight, q_proj_weight, out_proj_weight) if w is not None]
    if query.dtype != params[0].dtype:
        raise TypeError(f"{op}: query is {query.dtype} but the layer's parameters are "
                        f"{params[0].dtype}; convert one of them (x.to(dtype) or layer.to())")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{op}: is_causal=True needs attn_mask too (it is a hint that "
                           "attn_mask is the causal mask); Transformer."
                           "generate_square_subsequent_mask builds one")
    causal = is_causal and key_padding_mask is None and not need_weights
    if causal:
        attn_mask = None    # the hint lets the causal kernel skip the masked half
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
        raise ValueError(f"{op}: key_padding_mask must have shape {(N, S)} (batch, source "
                         f"length), got {tuple(key_padding_mask.shape)}")
    if attn_mask is not None:
        want = (L, S) if attn_mask.ndim == 2 else (N * num_heads, L, S)
        if tuple(attn_mask.shape) != want:
            raise ValueError(f"{op}: a {attn_mask.ndim}-D attn_mask must have shape {want}, got "
                             f"{tuple(attn_mask.shape)}")

    q, k, v = _project(query, key, value, E, num_heads, in_proj_weight, in_proj_bias,
                       use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                       bias_k, bias_v)
    pad = (bias_k is not None) + bool(add_zero_attn)
    if add_zero_attn:
        zeros = Tensor._from_array(xp.zeros(k.shape[:2] + (1, k.shape[3]), k.dtype))
        k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
    mask = _merge_masks(op, attn_mask, key_padding_mask, (N, num_heads, L, S + pad), pad)
    if mask is not None and mask.dtype == bool:
        mask = mask._data
    out = scaled_dot_product_attention(q, k, v, mask, dropout_p if training else 0.0,
                                       is_causal=causal, _need_weights=need_weights)
    weights = None
    if need_weights:
        out, weights = out
        if average_attn_weights:
            weights = weights.mean(dim=1)
    out = linear(out.permute(2, 0, 1, 3).reshape(L * N, E), out_proj_weight, out_proj_bias)
    out = out.reshape(L, N, E)
    if not batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _check_shapes(op, query, key, value, key_padding_mask, attn_mask, num_heads):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a chainrule.Tensor, got {type(t).__name__}")
    if query.ndim not in (2, 3):
        raise ValueError(f"{op}: query must be batched 3-D or unbatched 2-D, got shape "
                         f"{tuple(query.shape)}")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{op}: for a {kind} query, key and value must be {query.ndim}-D too, "
                         f"got shapes {tuple(key.shape)} and {tuple(value.shape)}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ValueError(f"{op}: for a {kind} query, key_padding_mask must be "
                         f"{query.ndim - 1}-D, got shape {tuple(key_padding_mask.shape)}")
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise ValueError(f"{op}: attn_mask must be 2-D (L, S) or 3-D (N * num_heads, L, "
                             f"S), got shape {tuple(attn_mask.shape)}")
        if not batched and attn_mask.ndim == 3:
            want = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != want:
                raise ValueError(f"{op}: for an unbatched query a 3-D attn_mask must have shape "
                                 f"{want}, got {tuple(attn_mask.shape)}")
    return batched


def _project(query, key, value, E, heads, w, b, separate, wq, wk, wv, bias_k, bias_v):
    """The input projections, cut into heads: q (N, H, L, E/H), k and v (N, H, S', E/H)."""
    if not separate and bias_k is None:
        if query is key and key is value:
            return _split_heads(linear(query, w, b), 3, heads)
        if key is value:
            q, = _split_heads(linear(query, w[:E], None if b is None else b[:E]), 1, heads)
            k, v = _split_heads(linear(key, w[E:], None if b is None else b[E:]), 2, heads)
            return q, k, v
    if not separate:
        wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = b[:E], b[E:2 * E], b[2 * E:]
    q, k, v = linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)
    if bias_k is not None:
        if bias_v is None:
            raise ValueError("MultiheadAttention: bias_k is set but bias_v is None")
        N = query.shape[1]
        k = cat([k, bias_k.expand(1, N, E)], dim=0)
        v = cat([v, bias_v.expand(1, N, E)], dim=0)
    return tuple(_split_heads(t, 1, heads)[0] for t in (q, k, v))


# ---- the layer -------------------------------------------------------------------------------
class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of width embed_dim / num_heads (Vaswani et al., 2017).

    Args:
        embed_dim: model width E (of the query and the output).
        num_heads: heads; E must be divisible by it.
        dropout: dropout on the attention weights while training.
        bias: biases on the input and output projections.
        add_bias_kv: learn one extra key and value appended to every sequence.
        add_zero_attn: append an all-zero key and value to every sequence.
        kdim, vdim: widths of key and value (default E); when they differ from E the input
            projections are separate (q_proj_weight, k_proj_weight, v_proj_weight).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).
    Parameters (torch's names and init): in_proj_weight (3E, E) xavier_uniform, in_proj_bias
    (3E) zeros, out_proj (Linear E -> E, bias zeros), bias_k / bias_v (1, 1, E) xavier_normal.
    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None); masks: bool True
    = may not attend, or float added to the logits.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        check_device("MultiheadAttention", device)
        dtype = _dtype(dtype, None, "MultiheadAttention")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than "
                             f"0, got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(xp.empty((3 * embed_dim, embed_dim), dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(xp.empty((embed_dim, embed_dim), dtype))
            self.k_proj_weight = Parameter(xp.empty((embed_dim, self.kdim), dtype))
            self.v_proj_weight = Parameter(xp.empty((embed_dim, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(xp.empty((3 * embed_dim,), dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(xp.empty((1, 1, embed_dim), dtype))
            self.bias_v = Parameter(xp.empty((1, 1, embed_dim), dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = isinstance(query, Tensor) and query.ndim == 3
        if self.batch_first and batched:
            # (N, L, E) -> (L, N, E) as views, keeping "query is key" for the packed projection
            q = query.transpose(0, 1)
            k = q if key is query else key.transpose(0, 1)
            v = k if value is key else value.transpose(0, 1)
            query, key, value = q, k, v
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights
