"""Recurrent layers RNN, LSTM and GRU with PyTorch's constructor, call signature, parameter
names, gate layouts and initialisation, so a torch state_dict loads and gives the same outputs.

Every layer-direction runs as one fused Function over the whole sequence
(chainrule/ops/recurrent_*.py). The cells RNNCell, LSTMCell and GRUCell are in rnn_cells.py.
"""
import numbers
import warnings

from .._backend import xp
from .._device import layer_dtype
from ..ops.recurrent import check_lengths
from .utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from ..ops.recurrent_gru import GRUFunction
from ..ops.recurrent_lstm import LSTMFunction
from ..ops.recurrent_rnn import RNNFunction
from ..ops.shape import cat, stack
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter
from .rnn_cells import check_input_dtype, reset_uniform_by_hidden

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, argument checks and the layer loop.

    Subclasses set ``_gates`` (gate blocks per hidden unit) and ``_has_cell`` and implement
    ``_layer(x, *states, w_ih, w_hh, b_ih, b_hh, reverse, lengths)``, one fused layer-direction
    returning (output, *final_states).
    """

    _gates = 1
    _has_cell = False

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dtype = layer_dtype(name, device, dtype)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for arg, value in (("bias", bias), ("batch_first", batch_first),
                           ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {arg} should be of type bool, got: "
                                f"{type(value).__name__}")
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{name}: {arg} should be of type int, got: "
                                f"{type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name}: {arg} must be greater than zero, got {value}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size (LSTM with projections) is not "
                                      "supported; use proj_size=0")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        G, H = self._gates, hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else H * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (G * H, layer_input)), ("weight_hh", (G * H, H))]
                if bias:
                    shapes += [("bias_ih", (G * H,)), ("bias_hh", (G * H,))]
                for pname, shape in shapes:
                    setattr(self, pname + suffix, Parameter(xp.empty(shape, dtype)))
                    self._flat_weights_names.append(pname + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        reset_uniform_by_hidden(self)

    def flatten_parameters(self):
        """Kept for torch compatibility: parameters are always used in place."""

    @property
    def all_weights(self):
        """The parameters as a list per layer-direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        per = 4 if self.bias else 2
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[k:k + per]] for k in range(0, len(names), per)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ---- forward ----------------------------------------------------------------------------
    def forward(self, input, hx=None, lengths=None):
        """Run the layers over a whole sequence.

        Args:
            input: (T, B, input_size), or (B, T, input_size) with batch_first, or unbatched
                (T, input_size).
            hx: initial state (num_layers * num_directions, B, hidden_size) ((.., hidden_size)
                without the batch dim for unbatched input); for LSTM a pair (h_0, c_0).
                Zeros when None.
            lengths: optional 1-D int sequence, the valid length of each batch element (a
                chainrule extension instead of torch's PackedSequence). Steps past a
                sequence's length neither change its state nor receive gradient, and its
                output there is zero, exactly as pack_padded_sequence + pad_packed_sequence
                gives in torch; the reverse direction starts at each sequence's own last step.
        Returns:
            (output, h_n), for LSTM (output, (h_n, c_n)). output is (T, B, D * hidden_size)
            (batch first with batch_first), D = 2 if bidirectional else 1; h_n and c_n are
            (num_layers * D, B, hidden_size).
        """
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                             f"instead (shape {tuple(input.shape)})")
        check_input_dtype(name, input, self.weight_ih_l0)
        batched = input.ndim == 3
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {input.shape[-1]}")
        states = self._check_hx(hx, batched)
        if not batched:
            input = input.unsqueeze(1)
            states = [s.unsqueeze(1) for s in states]
        elif self.batch_first:
            input = input.transpose(0, 1)
        T, B = input.shape[0], input.shape[1]
        if T == 0:
            raise ValueError(f"{name}: the input sequence is empty (length 0)")
        D = 2 if self.bidirectional else 1
        expected = (self.num_layers * D, B, self.hidden_size)
        for k, s in enumerate(states):
            if tuple(s.shape) != expected:
                which = f"hidden[{k}]" if self._has_cell else "hidden"
                raise ValueError(f"{name}: Expected {which} size {expected}, got "
                                 f"{list(s.shape)}")
        if lengths is not None:
            if not batched:
                raise ValueError(f"{name}: lengths needs batched (3-D) input")
            lengths = check_lengths(lengths, T, B, name)
        output, finals = self._run_layers(input, states, lengths)
        if not batched:
            output = output.squeeze(1)
            finals = [f.squeeze(1) for f in finals]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(finals) if self._has_cell else finals[0])

    def _forward_packed(self, packed, hx):
        """torch's PackedSequence input: run the padded batch with its lengths (in the caller's
        batch order, so hx and h_n keep that order, as torch's do) and pack the output alike."""
        padded, lengths = pad_packed_sequence(packed)
        output, state = self.forward(padded.transpose(0, 1) if self.batch_first else padded,
                                     hx, lengths=lengths)
        if self.batch_first:
            output = output.transpose(0, 1)
        out = pack_padded_sequence(output, lengths, enforce_sorted=False)
        return packed._replace(data=out.data), state

    def _check_hx(self, hx, batched):
        """hx as a list of state tensors ([h_0] or [h_0, c_0]); [] when None."""
        name = type(self).__name__
        if hx is None:
            return []
        if self._has_cell:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        for s in states:
            if not isinstance(s, Tensor):
                raise TypeError(f"{name}: hidden states must be Tensors, got "
                                f"{type(s).__name__}")
            if s.dtype != self.weight_ih_l0.dtype:
                raise TypeError(f"{name}: hx is {s.dtype} but the parameters are "
                                f"{self.weight_ih_l0.dtype}")
            want = 3 if batched else 2
            if s.ndim != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise ValueError(f"{name}: For {kind} input, hx should also be {want}-D but "
                                 f"got {s.ndim}-D tensor")
        return states

    def _run_layers(self, x, states, lengths):
        D = 2 if self.bidirectional else 1
        weights = self.all_weights
        finals = [[] for _ in range(2 if self._has_cell else 1)]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(D):
                k = layer * D + direction
                w = weights[k] + ([None, None] if not self.bias else [])
                init_states = [s[k] for s in states] or [None] * len(finals)
                out, *last = self._layer(x, *init_states, *w, reverse=direction == 1,
                                         lengths=lengths)
                outs.append(out)
                for acc, s in zip(finals, last):
                    acc.append(s)
            x = outs[0] if D == 1 else cat(outs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [f[0].unsqueeze(0) if len(f) == 1 else stack(f, 0) for f in finals]


class RNN(RNNBase):
    r"""Elman RNN: for each layer and time step

        h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)    (or relu)

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity="tanh" (or "relu"), bias=True,
        batch_first=False, dropout=0.0 (between layers, in training mode),
        bidirectional=False, dtype=None (float32).
    Shape: see ``RNNBase.forward``; weight_ih_l0 is (hidden_size, input_size), weight_hh_lk
    (hidden_size, hidden_size), later layers take D * hidden_size inputs.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _layer(self, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths):
        return RNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse,
                                 lengths=lengths, nonlinearity=self.nonlinearity)


class LSTM(RNNBase):
    r"""Long short-term memory: for each layer and time step, with gates in torch's order

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
        f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
        bidirectional=False, proj_size=0 (only 0 is supported), dtype=None (float32).
    Shape: see ``RNNBase.forward``; hx and the result's state are pairs (h, c).
    weight_ih_lk stacks (W_ii | W_if | W_ig | W_io): (4 * hidden_size, layer input size).
    """

    _gates = 4
    _has_cell = True

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)

    def _layer(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, lengths):
        return LSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse,
                                  lengths=lengths)


class GRU(RNNBase):
    r"""Gated recurrent unit: for each layer and time step, with gates in torch's order

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
        bidirectional=False, dtype=None (float32).
    Shape: see ``RNNBase.forward``; weight_ih_lk stacks (W_ir | W_iz | W_in).
    """

    _gates = 3

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def _layer(self, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, lengths):
        return GRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse,
                                 lengths=lengths)
