"""Layers: Linear, Embedding, Dropout, Flatten, Identity."""
from .._backend import xp
from .._device import layer_dtype
from ..tensor import Tensor
from . import functional as F, init
from .dropout import _DropoutNd
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Embedding", "Dropout", "Flatten", "Identity"]


def _dtype(dtype, device, name):
    return layer_dtype(name, device, dtype)


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as in torch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features, out_features: sizes of each input and output sample.
        bias: learn an additive bias (default True).
        dtype: parameter dtype (default float32).
    Shape: (*, in_features) -> (*, out_features). weight is (out_features, in_features).
    Init (torch's): W ~ U(-k, k) through kaiming_uniform_(a=sqrt(5)) and b ~ U(-k, k),
    k = 1 / sqrt(in_features), drawn from the default generator.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        dtype = _dtype(dtype, device, "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(xp.empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(xp.empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._reset_weight_and_bias_(self.weight, self.bias)

    def forward(self, input):
        # Straight from the registry: attribute lookup through Module.__getattr__ costs about
        # 0.6 us a parameter, a tenth of a batch-1 layer's whole time.
        params = self._parameters
        return F.linear(input, params["weight"], params["bias"])

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: integer indices -> rows of ``weight`` (num_embeddings, embedding_dim).

    Args:
        num_embeddings, embedding_dim: table size.
        padding_idx: a row that stays zero-initialised and gets no gradient.
        max_norm, norm_type: renormalise looked-up rows to at most ``max_norm`` (in place).
        scale_grad_by_freq: divide gradients by the index frequency in the batch.
        dtype: table dtype (default float32). Init: N(0, 1).
    Shape: (*) -> (*, embedding_dim).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        dtype = _dtype(dtype, device, "Embedding")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported; use sparse=False")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(xp.empty((num_embeddings, embedding_dim), dtype))
            self.reset_parameters()
        else:
            data = _weight._data if isinstance(_weight, Tensor) else xp.asarray(_weight)
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {data.shape}, expected "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = Parameter(data, requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding holding ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        data = embeddings._data if isinstance(embeddings, Tensor) else xp.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type,
                   scale_grad_by_freq, sparse, _weight=data, _freeze=freeze, dtype=data.dtype)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s


class Dropout(_DropoutNd):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    1 / (1 - p) in training mode; the identity in eval mode."""
    _fn = staticmethod(F.dropout)


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one: (N, *dims) -> (N, prod(dims)) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
