"""Converters: scaled_dot_product_attention (the Function) and nn.MultiheadAttention (whole).

Both write softmax(q k^T * scale + mask) v with MatMul/Softmax. Masks follow each API: SDPA's
bool mask is True where a key takes part, MultiheadAttention's is True where it may not. A
causal mask is built at run time from the query and key lengths, so the sequence length stays
dynamic. A query row with every key masked gives zeros, as chainrule (and torch's SDPA) do.
"""
import numpy as np

from ..nn.attention import MultiheadAttention
from ..ops.attention import ScaledDotProductAttention
from .registry import ExportError, converts, converts_module


def _causal_blocked(g, q, k):
    """(L, S) bool, True where key j comes after query i."""
    zero, one = g.const(np.asarray(0, np.int64)), g.const(np.asarray(1, np.int64))
    rows = g.node("Range", [zero, g.squeeze(g.node("Shape", [q], start=-2, end=-1), [0]), one])
    cols = g.node("Range", [zero, g.squeeze(g.node("Shape", [k], start=-2, end=-1), [0]), one])
    return g.node("Greater", [g.unsqueeze(cols, [0]), g.unsqueeze(rows, [1])])


def attend(g, q, k, v, rank, scale, dtype, blocked=None, additive=None, causal=False):
    """(output, weights) value names for softmax(q k^T scale + additive, blocked -> -inf) v."""
    perm = list(range(rank))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    qs = g.node("Mul", [q, g.const(np.asarray(scale, dtype), "scale")])
    s = g.node("MatMul", [qs, g.node("Transpose", [k], perm=perm)])
    if additive is not None:
        s = g.node("Add", [s, additive])
    if causal:
        c = _causal_blocked(g, q, k)
        blocked = c if blocked is None else g.node("Or", [blocked, c])
    if blocked is not None:
        s = g.node("Where", [blocked, g.const(np.asarray(-np.inf, dtype), "neg_inf"), s])
    p = g.node("Softmax", [s], axis=-1)
    if blocked is not None or additive is not None:
        p = g.node("Where", [g.node("IsNaN", [p]), g.const(np.asarray(0, dtype)), p])
    return g.node("MatMul", [p, v]), p


def causal_constant(g, mask, blocked_value):
    """True when ``mask`` is a constant (L, L) causal mask: blocked (``blocked_value`` for
    bool masks, -inf for float ones) exactly above the diagonal. Such a mask, made from the
    example's length (``generate_square_subsequent_mask(T)``), is rebuilt at run time so the
    length stays dynamic."""
    if mask is None or g.is_traced(mask):
        return False
    m = mask._data if hasattr(mask, "_data") else np.asarray(mask)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
        return False
    above = np.triu(np.ones(m.shape, bool), 1)
    if m.dtype == np.bool_:
        blocked = m if blocked_value else ~m
        return bool(np.array_equal(blocked, above))
    return bool(np.all(np.isneginf(m[above])) and np.all(m[~above] == 0))


@converts(ScaledDotProductAttention)
def _sdpa(g, args, options, outs):
    q, k, v = args[:3]
    mask = args[3] if len(args) > 3 else options.get("mask")
    if options.get("groups", 1) != 1:
        raise ExportError(f"onnx.export: grouped-query attention (enable_gqa, module "
                          f"'{g.path}') has no ONNX conversion here")
    dtype = q._data.dtype
    blocked = additive = None
    causal = options.get("causal", False)
    if causal_constant(g, mask, blocked_value=False):
        mask, causal = None, True
    if mask is not None:
        if _dtype(mask) == np.bool_:
            blocked = g.node("Not", [g.name_of(mask)])
        else:
            additive = g.name_of(mask, dtype=dtype)
    out, p = attend(g, g.name_of(q), g.name_of(k), g.name_of(v), q._data.ndim,
                    options["scale"], dtype, blocked, additive, causal)
    return [out, p] if options.get("need_weights") else [out]


def _dtype(x):
    return x._data.dtype if hasattr(x, "_data") else np.asarray(x).dtype


_MHA_ARGS = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask",
             "average_attn_weights", "is_causal")
_MHA_DEFAULTS = {"key_padding_mask": None, "need_weights": True, "attn_mask": None,
                 "average_attn_weights": True, "is_causal": False}


@converts_module(MultiheadAttention)
def _mha(g, m, args, kwargs, out):
    a = dict(_MHA_DEFAULTS)
    a.update(zip(_MHA_ARGS, args))
    a.update(kwargs)
    query, key, value = a["query"], a["key"], a["value"]
    if m.bias_k is not None or m.add_zero_attn or query._data.ndim != 3:
        raise ExportError(f"onnx.export: MultiheadAttention with add_bias_kv, add_zero_attn "
                          f"or unbatched input (module '{g.path}') has no ONNX conversion here")
    E, H = m.embed_dim, m.num_heads
    dtype = query._data.dtype

    def batch_major(x):
        name = g.name_of(x)
        return name if m.batch_first else g.node("Transpose", [name], perm=[1, 0, 2])

    names = [batch_major(query)]
    names.append(names[0] if key is query else batch_major(key))
    names.append(names[1] if value is key else batch_major(value))
    if m._qkv_same_embed_dim:
        weights = g.node("Split", [g.name_of(m.in_proj_weight),
                                   g.const(np.asarray([E] * 3, np.int64))], n_out=3, axis=0)
    else:
        weights = [g.name_of(w) for w in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)]
    biases = [None] * 3
    if m.in_proj_bias is not None:
        biases = g.node("Split", [g.name_of(m.in_proj_bias),
                                  g.const(np.asarray([E] * 3, np.int64))], n_out=3, axis=0)
    heads = []
    for x, w, b in zip(names, weights, biases):
        y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
        if b is not None:
            y = g.node("Add", [y, b])
        y = g.node("Reshape", [y, g.ints([0, 0, H, E // H])])
        heads.append(g.node("Transpose", [y], perm=[0, 2, 1, 3]))      # (N, H, L, hd)

    # is_causal promises that attn_mask is the causal mask: it is built at run time instead,
    # so that the sequence length stays dynamic
    blocked, additive = [], []
    kpm, mask = a["key_padding_mask"], a["attn_mask"]
    if kpm is not None:
        name = g.unsqueeze(g.name_of(kpm), [1, 2])                       # (N, 1, 1, S)
        (blocked if _dtype(kpm) == np.bool_ else additive).append(
            name if _dtype(kpm) == np.bool_ else g.cast(name, dtype))
    causal = bool(a["is_causal"]) or causal_constant(g, mask, blocked_value=True)
    if mask is not None and not causal:
        name = g.name_of(mask)
        if len(mask.shape) == 3:                                         # (N * H, L, S)
            name = g.node("Reshape", [name, g.ints([-1, H, 0, 0])])
        (blocked if _dtype(mask) == np.bool_ else additive).append(
            name if _dtype(mask) == np.bool_ else g.cast(name, dtype))
    blocked = _combine(g, "Or", blocked)
    additive = _combine(g, "Add", additive)
    o, p = attend(g, *heads, 4, 1.0 / np.sqrt(E // H), dtype, blocked, additive, causal)
    o = g.node("Reshape", [g.node("Transpose", [o], perm=[0, 2, 1, 3]), g.ints([0, 0, E])])
    o = g.node("MatMul", [o, g.node("Transpose", [g.name_of(m.out_proj.weight)], perm=[1, 0])])
    if m.out_proj.bias is not None:
        o = g.node("Add", [o, g.name_of(m.out_proj.bias)])
    if not m.batch_first:
        o = g.node("Transpose", [o], perm=[1, 0, 2])
    g.bind(out[0], o)
    if out[1] is not None:
        g.bind(out[1], g.reduce("ReduceMean", p, [1], False) if a["average_attn_weights"]
               else p)


def _combine(g, op, names):
    if not names:
        return None
    return names[0] if len(names) == 1 else g.node(op, names)
