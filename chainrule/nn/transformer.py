"""Transformer layers, as torch.nn: TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder and Transformer (Vaswani et al., 2017).

Same submodule names, state_dict keys, defaults and mask rules as torch, so a torch state_dict
loads as is. torch's inference fast paths (nested tensors, the fused encoder kernel) compute
the same function; chainrule always runs the plain path, and ``enable_nested_tensor`` and
``mask_check`` are accepted for compatibility only. A causal mask passed as ``mask`` /
``tgt_mask`` is recognised (as torch's _detect_is_causal_mask does) so that attention skips
the masked half instead of adding -inf to it.
"""
import copy

from .._backend import xp
from .._device import check_device
from ..dtypes import default_float
from ..tensor import Tensor
from . import functional as F, init
from .attention import MultiheadAttention
from .container import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _activation(activation, where):
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise ValueError(f"{where}: activation should be 'relu' or 'gelu' (or a callable), not "
                         f"{activation!r}")
    if not callable(activation):
        raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _square_subsequent_mask(size, dtype=None):
    """float (size, size): -inf above the diagonal, 0 on and below it."""
    mask = xp.triu(xp.full((size, size), -xp.inf, xp.dtype(dtype or default_float)), 1)
    return Tensor._from_array(mask)


def _is_causal_mask(mask, is_causal, size):
    """torch's _detect_is_causal_mask: an explicit hint wins; otherwise a mask equal to the
    square subsequent mask of ``size`` (float -inf / 0, or bool True above the diagonal)."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    m = mask._data if isinstance(mask, Tensor) else xp.asarray(mask)
    if m.shape != (size, size):
        return False
    upper = xp.triu(xp.ones((size, size), bool), 1)
    if m.dtype == bool:
        return bool((m == upper).all())
    return bool((m[upper] == -xp.inf).all() and (m[~upper] == 0).all())


def _seq_len(x, batch_first):
    return x.shape[0] if x.ndim == 2 else x.shape[1 if batch_first else 0]


def _add_feedforward_and_norms(layer, d_model, dim_feedforward, dropout, layer_norm_eps,
                               norm_first, bias, dtype, blocks):
    """Register what both layer kinds have after their attention, in torch's order (the
    state_dict keys follow it): linear1, dropout, linear2, then norm1.. and dropout1.., one of
    each per residual block."""
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
    layer.norm_first = norm_first
    for i in range(1, blocks + 1):
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                             dtype=dtype))
    for i in range(1, blocks + 1):
        setattr(layer, f"dropout{i}", Dropout(dropout))


class _LayerBase(Module):
    """The self-attention block the encoder and decoder layers share."""

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)


class TransformerEncoderLayer(_LayerBase):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and
    LayerNorm (after the residual by default; before each block with ``norm_first``).

    Args: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation ('relu', 'gelu' or a
    callable), layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True.
    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False); src (L, N, E),
    (N, L, E) with batch_first, or unbatched (L, E).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        check_device("TransformerEncoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        _add_feedforward_and_norms(self, d_model, dim_feedforward, dropout, layer_norm_eps,
                                   norm_first, bias, dtype, blocks=2)
        self.activation = _activation(activation, "TransformerEncoderLayer")
        self.activation_relu_or_gelu = (1 if self.activation is F.relu else
                                        2 if self.activation is F.gelu else 0)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(_LayerBase):
    """Self-attention over the target, attention over the encoder's output (memory), then a
    feed-forward block; each with dropout, a residual connection and LayerNorm.

    Args as TransformerEncoderLayer. forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        check_device("TransformerDecoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, dtype=dtype)
        _add_feedforward_and_norms(self, d_model, dim_feedforward, dropout, layer_norm_eps,
                                   norm_first, bias, dtype, blocks=3)
        self.activation = _activation(activation, "TransformerDecoderLayer")

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(module, n, where):
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected a layer Module to copy, got "
                        f"{type(module).__name__}")
    if int(n) != n or n < 0:
        raise ValueError(f"{where}: num_layers must be a non-negative integer, got {n!r}")
    # Deep copies, as torch: every layer starts from the given layer's parameters.
    return ModuleList([copy.deepcopy(module) for _ in range(int(n))])


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): with is_causal None, a
    ``mask`` equal to the square subsequent mask is detected as causal, as torch does.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers = int(num_layers)
        self.norm = norm
        # nested tensors are an inference speed-up of torch's; the results are the same
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        batch_first = getattr(getattr(self.layers[0], "self_attn", None), "batch_first", False) \
            if len(self.layers) else False
        is_causal = _is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` applied in turn, then ``norm`` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        batch_first = getattr(getattr(self.layers[0], "self_attn", None), "batch_first", False) \
            if len(self.layers) else False
        tgt_is_causal = _is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer: ``encoder`` (num_encoder_layers layers and a final
    LayerNorm) reads src, ``decoder`` (num_decoder_layers layers and a LayerNorm) reads tgt
    and the encoder's output. Every parameter with more than one dim is re-drawn
    xavier_uniform, as torch's _reset_parameters.

    forward(src, tgt, src_mask, tgt_mask, memory_mask, src_key_padding_mask,
    tgt_key_padding_mask, memory_key_padding_mask, src_is_causal, tgt_is_causal,
    memory_is_causal) -> (T, N, E) ((N, T, E) with batch_first).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        check_device("Transformer", device)
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, dtype=dtype), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, dtype=dtype), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        if src.ndim == 3 and tgt.ndim == 3:
            axis = 0 if self.batch_first else 1
            if src.shape[axis] != tgt.shape[axis]:
                raise ValueError(f"Transformer: src and tgt must have the same batch size, got "
                                 f"src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                                 f"(batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"Transformer: the last dim of src and tgt must be d_model="
                             f"{self.d_model}, got src {tuple(src.shape)} and tgt "
                             f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """A float (sz, sz) mask: -inf above the diagonal (future positions), 0 elsewhere."""
        check_device("Transformer.generate_square_subsequent_mask", device)
        return _square_subsequent_mask(sz, dtype)
