"""nn.MultiheadAttention: a torch state_dict loads and gives torch's outputs, weights and every
gradient (float64) over layouts, projections, masks and options; init; fully masked rows;
dropout; errors."""
import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from attn_testutil import copy_weights, randomize

pytestmark = pytest.mark.filterwarnings("error")

E, H, L, S, N = 8, 2, 4, 5, 3


def _pair(torch, **kw):
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
    randomize(torch, theirs)
    ours = nn.MultiheadAttention(E, H, dtype=chainrule.float64, **kw)
    copy_weights(ours, theirs)
    return ours, theirs


def _inputs(rng, batched=True, batch_first=False, kdim=E, vdim=E):
    def shape(length, width):
        if not batched:
            return (length, width)
        return (N, length, width) if batch_first else (length, N, width)
    return (rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kdim)),
            rng.standard_normal(shape(S, vdim)))


@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"add_bias_kv": True},
                                {"add_zero_attn": True}, {"kdim": 6, "vdim": 7},
                                {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3}])
def test_parity_options(module_parity, torch, rng, kw):
    ours, theirs = _pair(torch, **kw)
    q, k, v = _inputs(rng, kdim=kw.get("kdim", E), vdim=kw.get("vdim", E))
    module_parity(ours, theirs, [q, k, v])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("sharing", ["self", "kv", "none"])
def test_parity_layouts_and_packed_projection(module_parity, torch, rng, batch_first, sharing):
    ours, theirs = _pair(torch, batch_first=batch_first)
    q, k, v = _inputs(rng, batch_first=batch_first)
    if sharing == "self":
        k = v = q
    elif sharing == "kv":
        v = k
    module_parity(ours, theirs, [q, k, v])


def test_parity_unbatched(module_parity, torch, rng):
    ours, theirs = _pair(torch)
    q, k, v = _inputs(rng, batched=False)
    kpm = rng.random(S) < 0.3
    kpm[0] = False
    module_parity(ours, theirs, [q, k, v],
                  kwargs={"key_padding_mask": kpm, "attn_mask": rng.random((H, L, S)) < 0.3})


@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_parity_weights(module_parity, torch, rng, need_weights, average):
    ours, theirs = _pair(torch)
    out, _ = module_parity(ours, theirs, list(_inputs(rng)),
                           kwargs={"need_weights": need_weights, "average_attn_weights": average})
    weights = out[1]
    if need_weights:
        assert weights.shape == ((N, L, S) if average else (N, H, L, S))
        np.testing.assert_allclose(weights._data.sum(-1), 1.0)
    else:
        assert weights is None


def _masks(rng, kind):
    attn_bool = rng.random((L, S)) < 0.3
    kpm_bool = rng.random((N, S)) < 0.3
    attn_bool[:, 0] = kpm_bool[:, 0] = False          # no query loses every key
    if kind == "bool 2-D":
        return {"attn_mask": attn_bool}
    if kind == "bool 3-D":
        m = rng.random((N * H, L, S)) < 0.3
        m[..., 0] = False
        return {"attn_mask": m}
    if kind == "float 2-D":
        return {"attn_mask": rng.standard_normal((L, S))}
    if kind == "float 3-D":
        return {"attn_mask": rng.standard_normal((N * H, L, S))}
    if kind == "padding":
        return {"key_padding_mask": kpm_bool}
    if kind == "padding + bool":
        return {"key_padding_mask": kpm_bool, "attn_mask": attn_bool}
    if kind == "padding + float":
        return {"key_padding_mask": rng.standard_normal((N, S)),
                "attn_mask": rng.standard_normal((L, S))}
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["bool 2-D", "bool 3-D", "float 2-D", "float 3-D", "padding",
                                  "padding + bool", "padding + float"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_parity_masks(module_parity, torch, rng, kind, need_weights):
    ours, theirs = _pair(torch, add_zero_attn=kind == "padding + bool")
    module_parity(ours, theirs, list(_inputs(rng)),
                  kwargs={**_masks(rng, kind), "need_weights": need_weights})


@pytest.mark.parametrize("need_weights", [True, False])
def test_parity_is_causal_hint(module_parity, torch, rng, need_weights):
    ours, theirs = _pair(torch)
    x = rng.standard_normal((L, N, E))
    causal = np.triu(np.ones((L, L), bool), 1)
    module_parity(ours, theirs, [x, x, x], kwargs={"attn_mask": causal, "is_causal": True,
                                                   "need_weights": need_weights})


def test_mismatched_mask_types_warn_as_torch(rng):
    ours = nn.MultiheadAttention(E, H, dtype=chainrule.float64)
    q, k, v = (chainrule.tensor(a) for a in _inputs(rng))
    with pytest.warns(UserWarning, match="mismatched"):
        ours(q, k, v, key_padding_mask=chainrule.tensor(np.zeros((N, S), bool)),
             attn_mask=chainrule.zeros(L, S, dtype=chainrule.float64))


def test_fully_masked_row(torch, rng):
    """A key_padding_mask that masks a whole sequence: chainrule gives zero weights and the
    output projection's bias (gradient zero through the masked part), as torch's
    need_weights=False path; torch's need_weights=True path gives NaN instead."""
    ours, theirs = _pair(torch)
    q, k, v = _inputs(rng)
    kpm = np.zeros((N, S), bool)
    kpm[1] = True
    for need_weights in (True, False):
        qt = chainrule.tensor(q, requires_grad=True)
        out, w = ours(qt, chainrule.tensor(k), chainrule.tensor(v),
                      key_padding_mask=chainrule.tensor(kpm), need_weights=need_weights)
        assert np.isfinite(out._data).all()
        np.testing.assert_allclose(out._data[:, 1], np.broadcast_to(ours.out_proj.bias._data,
                                                                    (L, E)))
        if need_weights:
            assert not w._data[1].any()
        out.sum().backward()
        assert not qt.grad._data[:, 1].any()
        with torch.no_grad():
            out_t, _ = theirs(*(torch.tensor(a) for a in (q, k, v)),
                              key_padding_mask=torch.tensor(kpm), need_weights=need_weights)
        out_t = out_t.numpy()
        if need_weights:
            assert np.isnan(out_t[:, 1]).all()           # torch's explicit-softmax path
            np.testing.assert_allclose(out._data[:, [0, 2]], out_t[:, [0, 2]], rtol=1e-10)
        else:
            np.testing.assert_allclose(out._data, out_t, rtol=1e-10, atol=1e-12)


def test_state_dict_keys_and_init(torch):
    for kw in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        ours = nn.MultiheadAttention(16, 4, **kw)
        theirs = torch.nn.MultiheadAttention(16, 4, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            assert ours.state_dict()[key].shape == tuple(value.shape)
            assert ours.state_dict()[key].dtype == np.float32
        assert type(ours.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(ours.out_proj, nn.Linear)
    chainrule.manual_seed(0)
    mha = nn.MultiheadAttention(256, 4)
    w = mha.in_proj_weight._data
    bound = math.sqrt(6 / (256 + 3 * 256))                 # xavier_uniform on (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert not mha.in_proj_bias._data.any() and not mha.out_proj.bias._data.any()
    kv = nn.MultiheadAttention(256, 4, add_bias_kv=True)
    # xavier_normal on (1, 1, E): fan_in = fan_out = E (the trailing dim is the receptive field)
    assert abs(kv.bias_k._data.std() - math.sqrt(2 / 512)) < 0.15 * math.sqrt(2 / 512)


def test_dropout_only_in_training(rng):
    chainrule.manual_seed(0)
    mha = nn.MultiheadAttention(E, H, dropout=0.5, dtype=chainrule.float64)
    q, k, v = (chainrule.tensor(a) for a in _inputs(rng))
    a, wa = mha(q, k, v)
    b, wb = mha(q, k, v)
    assert not np.allclose(a._data, b._data)
    assert (wa._data == 0).any() or not np.allclose(wa._data, wb._data)
    mha.eval()
    c, _ = mha(q, k, v)
    d, wd = mha(q, k, v)
    np.testing.assert_array_equal(c._data, d._data)
    np.testing.assert_allclose(wd._data.sum(-1), 1.0)


def test_errors(rng):
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 1)
    with pytest.raises(RuntimeError, match="CPU"):
        nn.MultiheadAttention(8, 2, device="cuda")
    mha = nn.MultiheadAttention(E, H, dtype=chainrule.float64)
    q, k, v = (chainrule.tensor(a) for a in _inputs(rng))
    with pytest.raises(ValueError, match="2-D attn_mask must have shape"):
        mha(q, k, v, attn_mask=chainrule.zeros(L, L, dtype=chainrule.float64))
    with pytest.raises(ValueError, match="3-D attn_mask must have shape"):
        mha(q, k, v, attn_mask=chainrule.zeros(H, L, S, dtype=chainrule.float64))
    with pytest.raises(ValueError, match="attn_mask must be 2-D"):
        mha(q, k, v, attn_mask=chainrule.zeros(1, 1, L, S, dtype=chainrule.float64))
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        mha(q, k, v, key_padding_mask=chainrule.tensor(np.zeros((N, L), bool)))
    with pytest.raises(ValueError, match="key_padding_mask must be 2-D"):
        mha(q, k, v, key_padding_mask=chainrule.tensor(np.zeros(S, bool)))
    with pytest.raises(TypeError, match="only bool and floating point"):
        mha(q, k, v, attn_mask=chainrule.zeros(L, S, dtype=chainrule.int64))
    with pytest.raises(TypeError, match="must have the query's dtype"):
        mha(q, k, v, attn_mask=chainrule.zeros(L, S, dtype=chainrule.float32))
    with pytest.raises(RuntimeError, match="is_causal=True needs attn_mask"):
        mha(q, q, q, is_causal=True)
    with pytest.raises(ValueError, match="embed_dim=8"):
        mha(chainrule.zeros(L, N, 6, dtype=chainrule.float64), k, v)
    with pytest.raises(ValueError, match="batch size"):
        mha(q, k[:, :2], v[:, :2])
    with pytest.raises(ValueError, match="key and value must be 3-D"):
        mha(q, k[:, 0], v)
    with pytest.raises(TypeError, match="parameters are float64"):
        mha(q.float(), k.float(), v.float())
