"""torch.nn.utils: gradient clipping, L1/L2 penalties, parameter flattening, and ``rnn``
(padded and packed sequences)."""
from . import rnn
from .grads_and_penalties import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                                  get_total_norm, l1_penalty, l2_penalty,
                                  parameters_to_vector, vector_to_parameters)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "l1_penalty", "l2_penalty", "parameters_to_vector", "vector_to_parameters", "rnn"]
