"""Transformer layers: a torch state_dict loads and gives torch's output and every gradient
(float64, dropout off) with and without masks; deep copies; causal mask detection; errors."""
import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from attn_testutil import copy_weights, randomize

pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]

D, NHEAD, FF, L, T, N = 8, 2, 12, 5, 4, 3


def _pair(torch, name, *args, **kw):
    theirs = getattr(torch.nn, name)(*args, dtype=torch.float64, **kw)
    randomize(torch, theirs)
    ours = getattr(nn, name)(*args, dtype=chainrule.float64, **kw)
    copy_weights(ours, theirs)
    return ours, theirs


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


@pytest.mark.parametrize("kw", [{}, {"norm_first": True}, {"batch_first": True},
                                {"activation": "gelu"}, {"bias": False},
                                {"layer_norm_eps": 1e-3, "norm_first": True}])
@pytest.mark.parametrize("masks", [False, True])
def test_encoder_layer_parity(module_parity, torch, rng, kw, masks):
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.1, **kw)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((N, L, D) if kw.get("batch_first") else (L, N, D))
    kwargs = {}
    if masks:
        kpm = rng.random((N, L)) < 0.3
        kpm[:, 0] = False
        kwargs = {"src_mask": np.isinf(_causal(L)), "src_key_padding_mask": kpm}
    module_parity(ours, theirs, [x], kwargs=kwargs)


def test_encoder_layer_training_without_dropout_and_callable_activation(module_parity, torch,
                                                                         rng):
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.0,
                         activation=torch.nn.functional.silu)
    ours.activation = F.silu
    module_parity(ours, theirs, [rng.standard_normal((L, N, D))])
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.0)
    module_parity(ours, theirs, [rng.standard_normal((L, D))],         # unbatched
                  kwargs={"src_mask": _causal(L), "is_causal": True})


@pytest.mark.parametrize("kw", [{}, {"norm_first": True, "batch_first": True}])
def test_decoder_layer_parity(module_parity, torch, rng, kw):
    ours, theirs = _pair(torch, "TransformerDecoderLayer", D, NHEAD, FF, dropout=0.0, **kw)
    bf = kw.get("batch_first", False)
    tgt = rng.standard_normal((N, T, D) if bf else (T, N, D))
    memory = rng.standard_normal((N, L, D) if bf else (L, N, D))
    mkpm = np.where(rng.random((N, L)) < 0.3, -np.inf, 0.0)   # float, as memory_mask
    mkpm[:, 0] = 0.0
    module_parity(ours, theirs, [tgt, memory],
                  kwargs={"tgt_mask": _causal(T), "memory_key_padding_mask": mkpm,
                          "memory_mask": rng.standard_normal((T, L))})


def test_encoder_stack_deep_copies_and_parity(module_parity, torch, rng):
    theirs_layer = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0,
                                                    dtype=torch.float64)
    theirs = torch.nn.TransformerEncoder(theirs_layer, 2,
                                         norm=torch.nn.LayerNorm(D, dtype=torch.float64),
                                         enable_nested_tensor=False)
    randomize(torch, theirs)
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, dtype=chainrule.float64)
    ours = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D, dtype=chainrule.float64))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # deep copies: each layer owns its parameters, none is the given layer's
    a, b = ours.layers[0].linear1.weight, ours.layers[1].linear1.weight
    assert a is not b and a is not layer.linear1.weight
    np.testing.assert_array_equal(a._data, layer.linear1.weight._data)
    copy_weights(ours, theirs)
    assert not np.array_equal(ours.layers[0].linear1.weight._data,
                              ours.layers[1].linear1.weight._data)
    module_parity(ours, theirs, [rng.standard_normal((L, N, D))],
                  kwargs={"mask": _causal(L)})
    module_parity(ours, theirs, [rng.standard_normal((L, N, D))],
                  kwargs={"src_key_padding_mask": rng.random((N, L)) < 0.3 * np.arange(L)})


def test_decoder_stack_parity(module_parity, torch, rng):
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, dtype=torch.float64), 2)
    randomize(torch, theirs)
    ours = nn.TransformerDecoder(
        nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, dtype=chainrule.float64), 2)
    copy_weights(ours, theirs)
    module_parity(ours, theirs, [rng.standard_normal((T, N, D)), rng.standard_normal((L, N, D))],
                  kwargs={"tgt_mask": _causal(T)})


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_parity(module_parity, torch, rng, batch_first):
    kw = dict(d_model=D, nhead=NHEAD, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=FF, dropout=0.0, batch_first=batch_first)
    theirs = torch.nn.Transformer(**kw, dtype=torch.float64)
    ours = nn.Transformer(**kw, dtype=chainrule.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    randomize(torch, theirs)
    copy_weights(ours, theirs)
    src = rng.standard_normal((N, L, D) if batch_first else (L, N, D))
    tgt = rng.standard_normal((N, T, D) if batch_first else (T, N, D))
    kpm = rng.random((N, L)) < 0.3
    kpm[:, 0] = False
    module_parity(ours, theirs, [src, tgt],
                  kwargs={"tgt_mask": _causal(T), "src_key_padding_mask": kpm,
                          "memory_key_padding_mask": kpm})


def test_transformer_init_and_square_subsequent_mask(torch):
    chainrule.manual_seed(0)
    model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=32)
    w = model.encoder.layers[0].linear1.weight._data          # xavier_uniform, as torch
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask._data, expected)
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=chainrule.float64).dtype \
        == np.float64


def test_causal_mask_is_detected(monkeypatch, rng):
    # a float or bool causal mask reaches attention as is_causal=True (the fast causal kernel)
    seen = []
    real = nn.attention.scaled_dot_product_attention

    def spy(*args, **kwargs):
        seen.append(kwargs["is_causal"])
        return real(*args, **kwargs)
    monkeypatch.setattr(nn.attention, "scaled_dot_product_attention", spy)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0), 1)
    x = chainrule.tensor(rng.standard_normal((L, N, D)).astype(np.float32))
    ref = enc(x, mask=chainrule.tensor(_causal(L).astype(np.float32)), is_causal=False)
    for mask in (_causal(L).astype(np.float32), np.triu(np.ones((L, L), bool), 1)):
        out = enc(x, mask=chainrule.tensor(mask))
        np.testing.assert_allclose(out._data, ref._data, rtol=1e-5, atol=1e-6)
    assert seen == [False, True, True]
    enc(x, mask=chainrule.tensor(np.triu(np.ones((L, L), bool), 2)))
    assert seen[-1] is False


def test_errors(rng):
    with pytest.raises(ValueError, match="relu' or 'gelu"):
        nn.TransformerEncoderLayer(D, NHEAD, activation="tanh")
    with pytest.raises(TypeError, match="callable"):
        nn.TransformerDecoderLayer(D, NHEAD, activation=3)
    with pytest.raises(ValueError, match="divisible"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(TypeError, match="layer Module"):
        nn.TransformerEncoder("layer", 2)
    model = nn.Transformer(d_model=D, nhead=NHEAD, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)
    src = chainrule.zeros(L, N, D)
    with pytest.raises(ValueError, match="same batch size"):
        model(src, chainrule.zeros(T, N + 1, D))
    with pytest.raises(ValueError, match="d_model=8"):
        model(src, chainrule.zeros(T, N, D + 1))
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF)
    with pytest.raises(ValueError, match="2-D attn_mask must have shape"):
        layer(src, src_mask=chainrule.zeros(L, L + 1))
