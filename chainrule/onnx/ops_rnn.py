"""Converters: nn.RNN, nn.LSTM, nn.GRU as ONNX's own RNN, LSTM and GRU operators.

One ONNX node per layer (both directions in one node). The weights are re-laid out once, at
export: torch's LSTM gate blocks are (i, f, g, o) and ONNX's (i, o, f, c); torch's GRU blocks
are (r, z, n) and ONNX's (z, r, h), with ``linear_before_reset=1`` for torch's form of the new
gate (r multiplies W_hn h + b_hn). ONNX wants sequence-major input (T, B, I); its outputs Y are
(T, directions, B, H), reshaped to torch's (T, B, directions * H).
"""
import numpy as np

from ..nn import rnn
from ..ops.recurrent_gru import GRUFunction
from ..ops.recurrent_lstm import LSTMFunction
from ..ops.recurrent_rnn import RNNFunction
from .registry import ExportError, converts, converts_module

_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _blocks(w, order):
    """Reorder the gate blocks (rows of G * H) of a weight or bias."""
    blocks = np.split(w, len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _layer_weights(m, layer, kind):
    """W (D, G*H, I), R (D, G*H, H), B (D, 2*G*H) of one layer, in ONNX gate order."""
    order = _ORDER[kind]
    Ws, Rs, Bs = [], [], []
    for suffix in ([""] + (["_reverse"] if m.bidirectional else [])):
        w_ih = getattr(m, f"weight_ih_l{layer}{suffix}")._data
        w_hh = getattr(m, f"weight_hh_l{layer}{suffix}")._data
        Ws.append(_blocks(w_ih, order))
        Rs.append(_blocks(w_hh, order))
        if m.bias:
            b_ih = getattr(m, f"bias_ih_l{layer}{suffix}")._data
            b_hh = getattr(m, f"bias_hh_l{layer}{suffix}")._data
            Bs.append(np.concatenate([_blocks(b_ih, order), _blocks(b_hh, order)]))
        else:
            Bs.append(np.zeros(2 * w_ih.shape[0], w_ih.dtype))
    return np.stack(Ws), np.stack(Rs), np.stack(Bs)


def _state_rows(g, state, layer, D):
    """Rows [layer * D, (layer + 1) * D) of an initial state (L * D, B, H)."""
    return g.node("Slice", [state, g.ints([layer * D]), g.ints([(layer + 1) * D]), g.ints([0])])


def _parse(args, kwargs):
    x = args[0]
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    lengths = args[2] if len(args) > 2 else kwargs.get("lengths")
    return x, hx, lengths


def _convert(g, m, args, kwargs, out, kind):
    if getattr(m, "proj_size", 0):
        raise ExportError(f"onnx.export: LSTM with proj_size (module '{g.path}') has no ONNX "
                          "conversion")
    x, hx, lengths = _parse(args, kwargs)
    if not hasattr(x, "_data"):
        raise ExportError(f"onnx.export: {kind} on a {type(x).__name__} (module '{g.path}'): "
                          "export with a padded tensor and lengths= instead of a packed "
                          "sequence")
    batched = x._data.ndim == 3
    D, H = (2 if m.bidirectional else 1), m.hidden_size
    seq = g.name_of(x)
    if not batched:
        seq = g.unsqueeze(seq, [1])
    elif m.batch_first:
        seq = g.node("Transpose", [seq], perm=[1, 0, 2])
    states = [] if hx is None else (list(hx) if isinstance(hx, (tuple, list)) else [hx])
    states = [g.name_of(s) if batched else g.unsqueeze(g.name_of(s), [1]) for s in states]
    seq_lens = "" if lengths is None else g.cast(g.name_of(lengths), np.int32)
    direction = "bidirectional" if D == 2 else "forward"
    finals = [[] for _ in range(2 if kind == "LSTM" else 1)]
    for layer in range(m.num_layers):
        W, R, B = _layer_weights(m, layer, kind)
        prefix = f"{g.path}." if g.path else ""
        inputs = [seq, g.const(W, f"{prefix}W_l{layer}"), g.const(R, f"{prefix}R_l{layer}"),
                  g.const(B, f"{prefix}B_l{layer}"), seq_lens]
        inputs += [_state_rows(g, s, layer, D) for s in states]
        attrs = {"hidden_size": H, "direction": direction}
        if kind == "GRU":
            attrs["linear_before_reset"] = 1
        if kind == "RNN":
            act = "Relu" if m.nonlinearity == "relu" else "Tanh"
            attrs["activations"] = [act] * D
        n_out = 3 if kind == "LSTM" else 2
        outs = g.node(kind, inputs, n_out=n_out, **attrs)
        y = g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3])        # (T, B, D, H)
        seq = g.node("Reshape", [y, g.ints([0, 0, D * H])])
        for k, name in enumerate(outs[1:]):
            finals[k].append(name)
    finals = [names[0] if len(names) == 1 else g.node("Concat", names, axis=0)
              for names in finals]
    if not batched:
        seq = g.squeeze(seq, [1])
        finals = [g.squeeze(f, [1]) for f in finals]
    elif m.batch_first:
        seq = g.node("Transpose", [seq], perm=[1, 0, 2])
    output, final = out
    g.bind(output, seq)
    if kind == "LSTM":
        g.bind(final[0], finals[0])
        g.bind(final[1], finals[1])
    else:
        g.bind(final, finals[0])


@converts_module(rnn.LSTM)
def _lstm(g, m, args, kwargs, out):
    _convert(g, m, args, kwargs, out, "LSTM")


@converts_module(rnn.GRU)
def _gru(g, m, args, kwargs, out):
    _convert(g, m, args, kwargs, out, "GRU")


@converts_module(rnn.RNN)
def _rnn(g, m, args, kwargs, out):
    _convert(g, m, args, kwargs, out, "RNN")


# ---- the recurrent Functions themselves (RNNCell/LSTMCell/GRUCell steps, direct calls) -----
def _function(kind, n_states):
    def convert(g, args, options, outs):
        x, states = args[0], list(args[1:1 + n_states])
        w_ih, w_hh = args[1 + n_states], args[2 + n_states]
        b_ih = args[3 + n_states] if len(args) > 3 + n_states else options.get("b_ih")
        b_hh = args[4 + n_states] if len(args) > 4 + n_states else options.get("b_hh")
        if any(g.is_traced(w) for w in (w_ih, w_hh, b_ih, b_hh)):
            raise ExportError(f"onnx.export: a {kind} whose weights are computed from the "
                              f"inputs (module '{g.path}') has no ONNX conversion")
        order = _ORDER[kind]
        w_ih, w_hh = _array(w_ih), _array(w_hh)
        rows = w_ih.shape[0]
        b_ih = _array(b_ih) if b_ih is not None else np.zeros(rows, w_ih.dtype)
        b_hh = _array(b_hh) if b_hh is not None else np.zeros(rows, w_ih.dtype)
        bias = np.concatenate([_blocks(b_ih, order), _blocks(b_hh, order)])[None]
        lengths = options.get("lengths")
        inputs = [g.name_of(x), g.const(_blocks(w_ih, order)[None], "W"),
                  g.const(_blocks(w_hh, order)[None], "R"), g.const(bias, "B"),
                  "" if lengths is None else g.name_of(lengths, dtype=np.int32)]
        inputs += ["" if s is None else g.unsqueeze(g.name_of(s), [0]) for s in states]
        attrs = {"hidden_size": int(w_hh.shape[1]),
                 "direction": "reverse" if options.get("reverse") else "forward"}
        if kind == "GRU":
            attrs["linear_before_reset"] = 1
        if kind == "RNN":
            attrs["activations"] = ["Relu" if options.get("nonlinearity") == "relu" else "Tanh"]
        names = g.node(kind, inputs, n_out=1 + n_states, **attrs)
        return [g.squeeze(names[0], [1])] + [g.squeeze(n, [0]) for n in names[1:]]
    return convert


def _array(t):
    return t._data if hasattr(t, "_data") else np.asarray(t)


converts(LSTMFunction)(_function("LSTM", 2))
converts(GRUFunction)(_function("GRU", 1))
converts(RNNFunction)(_function("RNN", 1))
