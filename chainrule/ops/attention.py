"""Scaled dot-product attention as one fused Function, with torch's signature and semantics.

    out = softmax(scale * q k^T + mask) v        over the last two dims, batched over the rest

Forward and backward are batched matrix products (np.matmul over the leading dims, the stack
of heads split between two threads by ops/_bmm.py) around one (L, S) matrix per head, the
attention probabilities P, which is all backward keeps of size L x S (under a causal mask,
only the blocks of it that rows can see). Dropout on P is redrawn in backward from the
generator state saved in forward instead of being stored. Rows whose every key is masked out
give zeros (and zero gradients), as torch's SDPA does since 2.5 (its ``_safe_softmax``), never
NaN.
"""
import math

from .._backend import xp
from ._exp import use_exp2
from ..autograd.function import Function
from ._bmm import bmm, run_halves
from ._broadcast import unbroadcast
from .nn_ops import dropout_mask

_LOG2E = 1.4426950408889634
_NEG_INF = float("-inf")
_CAUSAL_CACHE = {}


def _causal_block(L, S):
    """Bool (L, S), True above the diagonal: the keys each query may not see (top-left
    aligned, as torch's ``ones(L, S).tril()``). Cached per shape: built once, not per call."""
    block = _CAUSAL_CACHE.get((L, S))
    if block is None:
        if len(_CAUSAL_CACHE) > 16:
            _CAUSAL_CACHE.clear()
        block = _CAUSAL_CACHE[(L, S)] = xp.triu(xp.ones((L, S), bool), 1)
    return block


def _row_blocks(L, S, causal, block):
    """(r0, r1, hi): query rows r0..r1 see keys 0..hi. Under a causal mask, rows are cut into
    blocks so that keys no row of a block can see are never multiplied, about half the work
    for L = S (torch's CPU kernel skips them likewise); otherwise one block holds everything."""
    if not causal or L <= block:
        return [(0, L, min(S, L) if causal else S)]
    return [(r0, min(r0 + block, L), min(S, r0 + block)) for r0 in range(0, L, block)]


class ScaledDotProductAttention(Function):
    """Inputs q (*, Hq, L, E), k (*, Hk, S, E), v (*, Hk, S, Ev), mask (None, or bool / float
    broadcastable to (*, Hq, L, S)). ``groups`` = Hq / Hk query heads share a key/value head
    (grouped-query attention). With ``need_weights`` a second output holds the (dropped-out)
    attention weights, as torch's MultiheadAttention returns them."""

    materialize_grads = False
    block = 64

    def forward(self, q, k, v, mask, scale, causal=False, dropout_p=0.0, rng=None, groups=1,
                need_weights=False):
        dtype = q.dtype
        # exp(x) as 2^(x log2 e) where NumPy's float32 exp2 is the faster (AVX-512, _exp.py);
        # the log2 e rides on the scale of q (an L x E array) and on the mask, never on L x S.
        base2 = use_exp2(dtype)
        c = _LOG2E if base2 else 1.0
        if groups > 1:
            k, v = xp.repeat(k, groups, axis=-3), xp.repeat(v, groups, axis=-3)
        L, S = q.shape[-2], k.shape[-2]
        batch = xp.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        blocks = _row_blocks(L, S, causal and not need_weights, self.block)
        if mask is not None and mask.dtype != bool and base2:
            mask = mask * dtype.type(c)
        qs = q * dtype.type(scale * c)
        kt = xp.swapaxes(k, -1, -2)
        # Softmax is shift-invariant; the max is subtracted only to keep exp in range. Without
        # a float mask, |logit| <= max |q_i| max |k_j| (Cauchy-Schwarz) bounds every logit,
        # and when that bound is safely inside exp's range two passes over L x S are skipped.
        shift = mask is not None and mask.dtype != bool or _logit_bound(qs, k) > \
            _safe_bound(dtype, base2)
        has_neg_inf = mask is not None and mask.dtype != bool and bool(xp.isneginf(mask).any())
        out = xp.empty(batch + (L, v.shape[-1]), dtype)
        self.states = []

        def attend(half, qs, kt, v, mask, out):
            """Forward over one half of the heads (or all): the P blocks it keeps."""
            P = []
            for r0, r1, hi in blocks:
                s = bmm(qs[..., r0:r1, :], kt[..., :hi])
                masked = causal
                if mask is not None:
                    if mask.dtype == bool:
                        xp.copyto(s, _NEG_INF, where=~mask)
                        masked = True
                    else:
                        s += mask
                        masked = masked or has_neg_inf
                if causal and hi > r0:     # keys before r0 are seen by every row of the block
                    xp.copyto(s[..., r0:], _NEG_INF, where=_causal_block(L, S)[r0:r1, r0:hi])
                _softmax_rows(s, base2, masked, shift)
                P.append(s)
                p = s
                if dropout_p > 0:
                    self.states.append(rng.bit_generator.state)
                    p = p * dropout_mask(rng, p.shape, dropout_p, dtype)
                out[..., r0:r1, :] = bmm(p, v[..., :hi, :])
            if need_weights:           # one block then; the dropped-out P is returned
                self.weights = p
            return P

        # Without dropout (whose draws must follow one order) the heads are cut in two halves,
        # each run whole, softmax included, on its own thread (_bmm.run_halves).
        arrays = (qs, kt, v, mask, out)
        split = dropout_p == 0 and not need_weights and not self.needs_input_grad[3]
        work = L * S * q.shape[-1] * (out.size // max(out.shape[-1] * L, 1))
        self.P = (run_halves(attend, batch, arrays, work) if split else None) or \
            [attend(0, *arrays)]
        self.blocks, self.q, self.k, self.v, self.out = blocks, q, k, v, out
        self.scale, self.groups, self.dropout_p = scale, groups, dropout_p
        self.mask_shape = None if mask is None or mask.dtype == bool else mask.shape
        return (out, self.weights) if need_weights else out

    def backward(self, grad, grad_weights=None):
        q, k, v, out = self.q, self.k, self.v, self.out
        need_q, need_k, need_v, need_mask = self.needs_input_grad[:4]
        if grad is None:
            grad = xp.zeros_like(out)
        need_dS = need_q or need_k or need_mask
        dq = xp.empty(out.shape[:-1] + q.shape[-1:], q.dtype) if need_q else None
        dk = xp.zeros(out.shape[:-2] + k.shape[-2:], k.dtype) if need_k else None
        dv = xp.zeros(out.shape[:-2] + v.shape[-2:], v.dtype) if need_v else None
        # sum_j P_ij dP_ij (the softmax's correction) equals grad_i . out_i: an (L, Ev)
        # product instead of another pass over L x S.
        D = (grad * out).sum(axis=-1, keepdims=True) if need_dS else None
        scale = q.dtype.type(self.scale)
        qs = q * scale if need_k else None
        vt = xp.swapaxes(v, -1, -2)
        dmask = []

        def back(half, grad, D, k, qs, vt, dq, dk, dv):
            """Backward over the half of the heads that forward ``half`` ran (or all)."""
            for i, (r0, r1, hi) in enumerate(self.blocks):
                P = self.P[half][i]
                keep = None
                if self.states:
                    keep = dropout_mask(self.states[i], P.shape, self.dropout_p, P.dtype)
                pd = P if keep is None else P * keep
                g = grad[..., r0:r1, :]
                if need_v:
                    dv[..., :hi, :] += bmm(xp.swapaxes(pd, -1, -2), g)
                if not need_dS:
                    continue
                dP = bmm(g, vt[..., :hi])
                Di = D[..., r0:r1, :]
                if grad_weights is not None:
                    dP += grad_weights
                    Di = Di + (grad_weights * pd).sum(axis=-1, keepdims=True)
                if keep is not None:
                    dP *= keep
                dP -= Di
                dP *= P                      # dS: the gradient of the logits, mask included
                if need_mask:
                    dmask.append(unbroadcast(dP, self.mask_shape))
                if need_q:
                    dq[..., r0:r1, :] = bmm(dP, k[..., :hi, :])
                if need_k:
                    dk[..., :hi, :] += bmm(xp.swapaxes(dP, -1, -2), qs[..., r0:r1, :])

        arrays = (grad, D, k, qs, vt, dq, dk, dv)
        if len(self.P) == 2:           # forward ran in halves: so does backward
            run_halves(back, out.shape[:-2], arrays, force=True)
        else:
            back(0, *arrays)
        if need_q:
            dq *= scale
            dq = unbroadcast(dq, q.shape)
        return (dq, self._reduce_groups(dk, k.shape), self._reduce_groups(dv, v.shape),
                dmask[0] if dmask else None)

    def _reduce_groups(self, g, shape):
        """Undo the head repetition of grouped-query attention and any batch broadcasting."""
        if g is None:
            return None
        if self.groups > 1:
            g = g.reshape(g.shape[:-3] + (-1, self.groups) + g.shape[-2:]).sum(axis=-3)
            shape = shape[:-3] + (shape[-3] // self.groups,) + shape[-2:]
        return unbroadcast(g, shape)


def _safe_bound(dtype, base2):
    """Largest logit bound for which softmax needs no shift: exp of the bound, summed over up
    to 2^20 keys, stays far from overflow, and the largest entry of a row, at least
    exp(-bound), far from underflow: half the log of the dtype's largest number (float32: 44,
    in base 2 64; float64: 354)."""
    bound = 0.5 * math.log(float(xp.finfo(dtype).max))
    return bound * _LOG2E if base2 else bound


def _logit_bound(qs, k):
    q_norm = xp.einsum("...i,...i->...", qs, qs).max(initial=0.0)
    k_norm = xp.einsum("...i,...i->...", k, k).max(initial=0.0)
    return float(xp.sqrt(q_norm) * xp.sqrt(k_norm))


def _softmax_rows(s, base2, masked, shift=True):
    """Softmax along the last axis in place (base 2 when ``base2``: s holds logits * log2 e),
    shifted by each row's max unless ``shift`` is False. A row with every entry -inf (all keys
    masked) becomes zeros."""
    if shift:
        m = s.max(axis=-1, keepdims=True)
        if masked:
            m[xp.isneginf(m)] = 0      # a fully masked row: exp gives all zeros...
        s -= m
    (xp.exp2 if base2 else xp.exp)(s, out=s)
    total = s.sum(axis=-1, keepdims=True)
    if masked:
        total[total == 0] = 1          # ...and the row stays zero instead of 0 / 0
    xp.divide(1, total, out=total)
    s *= total


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 _need_weights=False):
    """softmax(query key^T * scale + mask) value, as torch.nn.functional's.

    Shapes: query (*, Hq, L, E), key (*, Hk, S, E), value (*, Hk, S, Ev) -> (*, Hq, L, Ev);
    leading dims broadcast. ``attn_mask`` broadcasts to (*, Hq, L, S): bool (True = the key
    takes part) or a float of the query's dtype added to the logits. ``is_causal`` masks key j
    for query i when j > i (top-left aligned when L != S, as torch). ``scale`` defaults to
    1 / sqrt(E). ``dropout_p`` drops attention weights (always: pass 0 in eval). With
    ``enable_gqa``, Hq must be a multiple of Hk and query head h uses key/value head
    h // (Hq / Hk). A query row whose keys are all masked out gives zeros, as torch's.
    """
    op = "scaled_dot_product_attention"
    from ..random import numpy_generator
    from ..tensor import Tensor
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a chainrule.Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be floating point, got dtype {t.dtype}")
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must have at least 2 dims (..., L or S, E), got "
                             f"shape {tuple(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{op}: query, key and value must have the same dtype, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if qs[-1] != ks[-1]:
        raise ValueError(f"{op}: query {qs} and key {ks} must have the same last dim (E)")
    if ks[-2] != vs[-2] or ks[:-2] != vs[:-2]:
        raise ValueError(f"{op}: key {ks} and value {vs} must agree in every dim but the last")
    groups = 1
    if enable_gqa:
        if len(qs) < 3:
            raise ValueError(f"{op}: enable_gqa needs a heads dim (..., H, L, E), got query {qs}")
        if qs[-3] % ks[-3]:
            raise ValueError(f"{op}: enable_gqa needs the query heads ({qs[-3]}) to be a "
                             f"multiple of the key/value heads ({ks[-3]})")
        groups = qs[-3] // ks[-3]
        ks_batch = ks[:-3] + (qs[-3],)
    else:
        ks_batch = ks[:-2]
    try:
        batch = xp.broadcast_shapes(qs[:-2], ks_batch)
    except ValueError:
        hint = "" if enable_gqa or len(qs) < 3 or len(ks) < 3 or qs[-3] == ks[-3] else \
            " (different head counts need enable_gqa=True)"
        raise ValueError(f"{op}: the batch dims of query {qs} and key {ks} do not "
                         f"broadcast{hint}") from None
    weights_shape = batch + (qs[-2], ks[-2])
    mask = attn_mask
    if mask is not None:
        if is_causal:
            raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both (torch "
                             "refuses too)")
        if not isinstance(mask, Tensor):
            mask = Tensor._from_array(xp.asarray(mask))
        if mask.dtype != bool and mask.dtype != query.dtype:
            raise TypeError(f"{op}: attn_mask must be bool or of the query's dtype "
                            f"({query.dtype}), got {mask.dtype}")
        try:
            ok = xp.broadcast_shapes(tuple(mask.shape), weights_shape) == weights_shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{op}: attn_mask of shape {tuple(mask.shape)} does not broadcast "
                             f"to the attention weights' shape {weights_shape} (..., L, S)")
        if mask.dtype == bool:
            mask = mask._data
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    scale = 1.0 / math.sqrt(qs[-1]) if scale is None else float(scale)
    return ScaledDotProductAttention.apply(
        query, key, value, mask, scale=scale, causal=bool(is_causal),
        dropout_p=float(dropout_p), rng=numpy_generator() if dropout_p > 0 else None,
        groups=groups, need_weights=_need_weights)
