"""Single-step recurrent cells RNNCell, LSTMCell and GRUCell, as torch.nn.

Each step runs the fused whole-sequence kernel of its layer (chainrule/ops/recurrent_*.py) on a
sequence of length one, so a cell and its layer share one implementation and one backward.
"""
import math
import numbers

from .._backend import xp
from .._device import layer_dtype
from ..ops.recurrent_gru import GRUFunction
from ..ops.recurrent_lstm import LSTMFunction
from ..ops.recurrent_rnn import RNNFunction
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def check_input_dtype(name, input, weight):
    """The layers and cells compute in their parameters' dtype: a mismatched input is refused
    (as torch does) rather than silently promoted."""
    if input.dtype != weight.dtype:
        raise TypeError(f"{name}: input is {input.dtype} but the parameters are "
                        f"{weight.dtype}; convert the input or the module "
                        "(.float() / .double())")


def reset_uniform_by_hidden(module):
    """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """Parameters weight_ih (G * hidden_size, input_size), weight_hh (G * hidden_size,
    hidden_size), bias_ih and bias_hh (G * hidden_size,), all ~ U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)); G = 1, 4, 3 for RNN, LSTM, GRU."""

    _gates = 1
    _has_cell = False

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dtype = layer_dtype(name, device, dtype)
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{name}: {arg} should be of type int, got: "
                                f"{type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name}: {arg} must be greater than zero, got {value}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        G = self._gates
        self.weight_ih = Parameter(xp.empty((G * hidden_size, input_size), dtype))
        self.weight_hh = Parameter(xp.empty((G * hidden_size, hidden_size), dtype))
        if bias:
            self.bias_ih = Parameter(xp.empty((G * hidden_size,), dtype))
            self.bias_hh = Parameter(xp.empty((G * hidden_size,), dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_uniform_by_hidden(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (", bias=False" if not self.bias else "")

    def forward(self, input, hx=None):
        """One step. input: (B, input_size) or unbatched (input_size,); hx: the state of the
        same batchedness, (B, hidden_size) (LSTMCell: a pair (h, c)), zeros when None.
        Returns the new state (LSTMCell: the pair (h', c'))."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D "
                             "instead")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input has inconsistent input_size: got "
                             f"{input.shape[-1]} expected {self.input_size}")
        check_input_dtype(name, input, self.weight_ih)
        batched = input.ndim == 2
        states = self._states(hx)
        B = input.shape[0] if batched else 1
        for k, s in enumerate(states):
            if s.ndim != input.ndim:
                raise ValueError(f"{name}: Expected hidden to be {input.ndim}D like the input "
                                 f"(batched and unbatched cannot be mixed), got {s.ndim}D")
            if s.shape[-1] != self.hidden_size:
                raise ValueError(f"{name}: hidden{k} has inconsistent hidden_size: got "
                                 f"{s.shape[-1]}, expected {self.hidden_size}")
            if batched and s.shape[0] != B:
                raise ValueError(f"{name}: Input batch size {B} doesn't match hidden{k} batch "
                                 f"size {s.shape[0]}")
        x = input.reshape(1, B, self.input_size)
        states = [s.reshape(B, self.hidden_size) for s in states] or [None] * (
            2 if self._has_cell else 1)
        _, *new = self._step(x, *states, self.weight_ih, self.weight_hh, self.bias_ih,
                             self.bias_hh)
        if not batched:
            new = [s.reshape(self.hidden_size) for s in new]
        return tuple(new) if self._has_cell else new[0]

    def _states(self, hx):
        name = type(self).__name__
        if hx is None:
            return []
        if self._has_cell:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h, c), got {type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        for s in states:
            if not isinstance(s, Tensor):
                raise TypeError(f"{name}: hidden states must be Tensors, got "
                                f"{type(s).__name__}")
        return states


class RNNCell(RNNCellBase):
    r"""Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)   (or relu).

    Args: input_size, hidden_size, bias=True, nonlinearity="tanh" or "relu", dtype=None.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _step(self, x, h, w_ih, w_hh, b_ih, b_hh):
        return RNNFunction.apply(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity=self.nonlinearity)

    def extra_repr(self):
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTMCell(RNNCellBase):
    r"""LSTM cell, gates in torch's order (i, f, g, o):

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + b_if + W_hf h + b_hf)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + b_io + W_ho h + b_ho)
        c' = f * c + i * g                             h' = o * tanh(c')

    Args: input_size, hidden_size, bias=True, dtype=None. forward(input, (h, c)) -> (h', c').
    """

    _gates = 4
    _has_cell = True

    def _step(self, x, h, c, w_ih, w_hh, b_ih, b_hh):
        return LSTMFunction.apply(x, h, c, w_ih, w_hh, b_ih, b_hh)


class GRUCell(RNNCellBase):
    r"""GRU cell, gates in torch's order (r, z, n):

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h

    Args: input_size, hidden_size, bias=True, dtype=None.
    """

    _gates = 3

    def _step(self, x, h, w_ih, w_hh, b_ih, b_hh):
        return GRUFunction.apply(x, h, w_ih, w_hh, b_ih, b_hh)
