"""F.scaled_dot_product_attention: parity with torch (values and every gradient, float64) over
masks, causal shapes, GQA, broadcasting and scale; gradcheck; dropout; fully masked rows;
memory kept for backward; dtypes; errors."""
import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from chainrule.ops.attention import ScaledDotProductAttention

pytestmark = pytest.mark.filterwarnings("error")


def _sdpa_parity(parity, torch, shapes, mask=None, mask_grad=False, **kw):
    inputs = [np.random.default_rng(len(s)).standard_normal(s) for s in shapes]
    grad_of = (0, 1, 2)
    if mask is not None:
        inputs.append(mask)
        if mask_grad:
            grad_of = (0, 1, 2, 3)

    def ours(q, k, v, m=None):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)

    def theirs(q, k, v, m=None):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)
    parity(ours, theirs, inputs, grad_of=grad_of)


@pytest.mark.parametrize("L, S", [(4, 6), (6, 4), (5, 5), (1, 3)])
@pytest.mark.parametrize("causal", [False, True])
def test_parity_shapes_and_causal(module_parity, torch, L, S, causal):
    # torch's is_causal is the top-left aligned tril of ones(L, S), also when L != S
    _sdpa_parity(module_parity, torch, [(2, 3, L, 5), (2, 3, S, 5), (2, 3, S, 7)],
                 is_causal=causal)


@pytest.mark.parametrize("block", [2, 3, 64])
def test_causal_row_blocks_match_torch(module_parity, torch, monkeypatch, block):
    # the causal kernel cuts query rows into blocks that skip unseen keys; any block size
    # must give the same result
    monkeypatch.setattr(ScaledDotProductAttention, "block", block)
    for shapes in ([(2, 2, 7, 4), (2, 2, 7, 4), (2, 2, 7, 3)],
                   [(2, 2, 9, 4), (2, 2, 5, 4), (2, 2, 5, 3)]):
        _sdpa_parity(module_parity, torch, shapes, is_causal=True)


@pytest.mark.parametrize("mask_shape", [(4, 6), (3, 1, 6), (2, 3, 4, 6), (1, 6)])
def test_bool_mask_broadcasts(module_parity, torch, rng, mask_shape):
    mask = rng.random(mask_shape) > 0.3
    mask[..., 0] = True       # every row keeps a key (fully masked rows: see below)
    _sdpa_parity(module_parity, torch, [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)], mask=mask)


@pytest.mark.parametrize("mask_shape", [(4, 6), (3, 4, 1), (2, 1, 4, 6)])
def test_float_mask_is_added_and_gets_a_gradient(module_parity, torch, rng, mask_shape):
    _sdpa_parity(module_parity, torch, [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)],
                 mask=rng.standard_normal(mask_shape), mask_grad=True)


def test_float_mask_with_minus_inf(module_parity, torch, rng):
    mask = np.where(rng.random((4, 6)) > 0.4, 0.0, -np.inf)
    mask[:, 0] = 0.0
    _sdpa_parity(module_parity, torch, [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)], mask=mask)


@pytest.mark.parametrize("kv_shape", [(2, 2, 6, 5), (1, 3, 6, 5)])
def test_grouped_query_attention(module_parity, torch, kv_shape):
    q_shape = (2, 6, 4, 5)
    v_shape = kv_shape[:-1] + (3,)
    _sdpa_parity(module_parity, torch, [q_shape, kv_shape, v_shape], enable_gqa=True)
    _sdpa_parity(module_parity, torch, [q_shape, kv_shape, v_shape], enable_gqa=True,
                 is_causal=True)


def test_broadcast_batch_dims_scale_and_unbatched(module_parity, torch):
    _sdpa_parity(module_parity, torch, [(2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 2)], scale=0.7)
    _sdpa_parity(module_parity, torch, [(4, 5), (6, 5), (6, 3)])
    _sdpa_parity(module_parity, torch, [(2, 2, 2, 4, 5), (2, 2, 2, 6, 5), (2, 2, 2, 6, 3)],
                 is_causal=True)


def test_gradcheck(rng):
    q, k, v = (chainrule.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    mask = chainrule.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                     (q, k, v, mask))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                     (q, k, v))


def test_dropout_gradient_uses_the_forward_mask(rng):
    # the mask is redrawn in backward from the saved generator state: reseeding before each
    # call makes the function deterministic, so central differences can check it
    q, k, v = (chainrule.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(2, 4, 3), (2, 5, 3), (2, 5, 2)])

    def fn(q, k, v):
        chainrule.manual_seed(7)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    assert gradcheck(fn, (q, k, v))

    def causal(q, k, v):
        chainrule.manual_seed(7)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4, is_causal=True)
    ScaledDotProductAttention.block, old = 2, ScaledDotProductAttention.block
    try:
        assert gradcheck(causal, (q, k, k))
    finally:
        ScaledDotProductAttention.block = old


def test_dropout_drops_weights_and_rescales(rng):
    q = chainrule.tensor(rng.standard_normal((64, 8, 4)))
    k = chainrule.tensor(rng.standard_normal((64, 16, 4)))
    v = chainrule.tensor(np.ones((64, 16, 1)))
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    # with v = 1 the output is the sum of kept weights / 0.75: mean 1, and not all equal 1
    assert abs(out._data.mean() - 1) < 0.03
    assert out._data.std() > 0.05
    chainrule.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    chainrule.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    np.testing.assert_array_equal(a._data, b._data)
    c = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)    # the generator moved on
    assert not np.array_equal(b._data, c._data)
    same = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
    np.testing.assert_allclose(same._data, 1.0)


def test_fully_masked_row_gives_zeros_as_torch(torch, rng):
    """A query row whose every key is masked: torch's SDPA (all its CPU paths, since 2.5)
    returns zeros there with zero gradients; chainrule does the same, never NaN."""
    q, k, v = (rng.standard_normal(s) for s in [(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)])
    for mask in (np.ones((3, 5), bool), np.zeros((3, 5))):
        if mask.dtype == bool:
            mask[1] = False
        else:
            mask[1] = -np.inf
        ours = [chainrule.tensor(a, requires_grad=True) for a in (q, k, v)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
        out = F.scaled_dot_product_attention(*ours, attn_mask=chainrule.tensor(mask))
        out_t = torch.nn.functional.scaled_dot_product_attention(*theirs,
                                                                 attn_mask=torch.tensor(mask))
        assert np.isfinite(out._data).all()
        assert not out._data[:, :, 1].any()
        np.testing.assert_allclose(out._data, out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
        out.sum().backward()
        out_t.sum().backward()
        assert not ours[0].grad._data[:, :, 1].any()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def _arrays(nested):
    """The arrays in a list of arrays and lists (the P blocks of each half of the heads)."""
    for a in nested:
        if isinstance(a, list):
            yield from _arrays(a)
        elif isinstance(a, np.ndarray):
            yield a


def test_backward_keeps_one_weights_matrix(rng):
    q, k, v = (chainrule.tensor(rng.standard_normal((2, 3, 16, 4)).astype(np.float32),
                                requires_grad=True) for _ in range(3))
    for kw in ({}, {"dropout_p": 0.5}, {"attn_mask": chainrule.tensor(np.tril(np.ones((16, 16),
                                                                               bool)))}):
        out = F.scaled_dot_product_attention(q, k, v, **kw)
        saved = [a for a in vars(out.grad_fn).values() if isinstance(a, np.ndarray)]
        saved += [a for lst in vars(out.grad_fn).values() if isinstance(lst, list)
                  for a in _arrays(lst)]
        big = sum(a.size for a in saved if a.shape[-2:] == (16, 16))
        assert big == 2 * 3 * 16 * 16, kw      # the probabilities only (no mask, no dropout)
    # causal blocks keep even less: only the part of each row block that can be seen
    ScaledDotProductAttention.block, old = 4, ScaledDotProductAttention.block
    try:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    finally:
        ScaledDotProductAttention.block = old
    kept = sum(p.size for p in _arrays(out.grad_fn.P))
    assert kept == 2 * 3 * 4 * (4 + 8 + 12 + 16)


def test_float32_stays_float32(rng):
    q, k, v = (chainrule.tensor(rng.standard_normal((2, 2, 5, 4)).astype(np.float32),
                                requires_grad=True) for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert out.dtype == np.float32
    out.sum().backward()
    assert q.grad.dtype == k.grad.dtype == v.grad.dtype == np.float32
    ref = F.scaled_dot_product_attention(*(t.double() for t in (q, k, v)), is_causal=True)
    np.testing.assert_allclose(out._data, ref._data, rtol=1e-5, atol=1e-6)


def test_errors(rng):
    q = chainrule.tensor(rng.standard_normal((2, 4, 3, 8)))
    k = chainrule.tensor(rng.standard_normal((2, 4, 5, 8)))
    v = chainrule.tensor(rng.standard_normal((2, 4, 5, 6)))
    sdpa = F.scaled_dot_product_attention
    with pytest.raises(ValueError, match="same last dim"):
        sdpa(q, k[..., :4], v)
    with pytest.raises(ValueError, match="every dim but the last"):
        sdpa(q, k, v[:, :, :4])
    with pytest.raises(TypeError, match="same dtype"):
        sdpa(q, k.float(), v)
    with pytest.raises(ValueError, match="does not broadcast"):
        sdpa(q, k, v, attn_mask=chainrule.ones(3, 4, dtype=chainrule.bool))
    with pytest.raises(TypeError, match="bool or of the query's dtype"):
        sdpa(q, k, v, attn_mask=chainrule.ones(3, 5, dtype=chainrule.int64))
    with pytest.raises(TypeError, match="bool or of the query's dtype"):
        sdpa(q, k, v, attn_mask=chainrule.ones(3, 5, dtype=chainrule.float32))
    with pytest.raises(ValueError, match="not both"):
        sdpa(q, k, v, attn_mask=chainrule.ones(3, 5, dtype=chainrule.bool), is_causal=True)
    with pytest.raises(ValueError, match="enable_gqa"):
        sdpa(q, k[:, :2], v[:, :2])
    with pytest.raises(ValueError, match="multiple"):
        sdpa(q, k[:, :3], v[:, :3], enable_gqa=True)
    with pytest.raises(ValueError, match="dropout_p"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="floating point"):
        sdpa(q, k, chainrule.ones(2, 4, 5, 6, dtype=chainrule.int64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_logits_stay_stable(torch, rng, dtype):
    # logits of several thousand: the softmax must shift by the row max (the unshifted fast
    # path is only taken when a bound on the logits proves it safe)
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in [(2, 3, 4, 8), (2, 3, 6, 8),
                                                               (2, 3, 6, 5)])
    q *= 300
    for causal in (False, True):
        out = F.scaled_dot_product_attention(*(chainrule.tensor(a) for a in (q, k, v)),
                                             is_causal=causal)
        ref = torch.nn.functional.scaled_dot_product_attention(
            *(torch.tensor(a) for a in (q, k, v)), is_causal=causal).numpy()
        assert np.isfinite(out._data).all()
        np.testing.assert_allclose(out._data, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", [
    dict(shapes=[(2, 3, 7, 4), (2, 3, 7, 4), (2, 3, 7, 5)], is_causal=True),
    dict(shapes=[(3, 4, 5, 4), (3, 4, 6, 4), (3, 4, 6, 3)], mask=(3, 1, 5, 6)),
    dict(shapes=[(1, 4, 5, 4), (1, 4, 6, 4), (1, 4, 6, 3)], mask=(5, 6), float_mask=True),
    dict(shapes=[(2, 4, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3)], enable_gqa=True, is_causal=True),
    dict(shapes=[(4, 5, 4), (5, 4), (5, 3)]),                          # broadcast batch
])
def test_heads_run_in_two_halves_match_torch(module_parity, torch, rng, monkeypatch, case):
    # large inputs run forward and backward per half of the heads on two threads
    # (_bmm.run_halves); with no size threshold every case here takes that path
    from chainrule.ops import _bmm
    monkeypatch.setattr(_bmm, "MIN_WORK", 0)
    monkeypatch.setattr(ScaledDotProductAttention, "block", 2)
    calls = []
    real = _bmm.run_halves


    def recorded(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result is not None)
        return result
    monkeypatch.setattr("chainrule.ops.attention.run_halves", recorded)
    case = dict(case)
    shapes, mask = case.pop("shapes"), case.pop("mask", None)
    if mask is not None:
        mask = rng.standard_normal(mask) if case.pop("float_mask", False) else \
            rng.random(mask) > 0.3
        if mask.dtype == bool:
            mask[..., 0] = True
    _sdpa_parity(module_parity, torch, shapes, mask=mask, **case)
    assert calls and all(calls)      # forward (and backward) ran in halves
