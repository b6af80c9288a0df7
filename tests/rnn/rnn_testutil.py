"""Helpers shared by the recurrent tests: random layer arrays and a run that returns every output
and every input gradient for a fixed random upstream gradient."""
import numpy as np

import chainrule as cr
from chainrule.ops.recurrent_gru import GRUFunction
from chainrule.ops.recurrent_lstm import LSTMFunction
from chainrule.ops.recurrent_reference import gru_reference, lstm_reference, rnn_reference
from chainrule.ops.recurrent_rnn import RNNFunction

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def layer_arrays(kind, T, B, I, H, rng, bias=True, h0=True, dtype=np.float64):
    """x, h0, (c0,) w_ih, w_hh, b_ih, b_hh as arrays in the fused Function's argument order."""
    G = GATES[kind]
    k = 1 / np.sqrt(H)
    arrays = [rng.normal(size=(T, B, I))]
    arrays.append(rng.normal(size=(B, H)) if h0 else None)
    if kind == "lstm":
        arrays.append(rng.normal(size=(B, H)) if h0 else None)
    arrays += [rng.uniform(-k, k, size=(G * H, I)), rng.uniform(-k, k, size=(G * H, H))]
    arrays += [rng.uniform(-k, k, size=G * H) if bias else None for _ in range(2)]
    return [None if a is None else a.astype(dtype) for a in arrays]


def fused(kind, *args, **options):
    if kind.startswith("rnn"):
        return RNNFunction.apply(*args, nonlinearity=kind[4:], **options)
    return (LSTMFunction if kind == "lstm" else GRUFunction).apply(*args, **options)


def reference(kind, *args, **options):
    if kind.startswith("rnn"):
        return rnn_reference(*args, nonlinearity=kind[4:], **options)
    return (lstm_reference if kind == "lstm" else gru_reference)(*args, **options)


def run(fn, kind, arrays, seed=1, **options):
    """Outputs of ``fn(kind, *tensors, **options)`` and the gradients of a random projection of
    them with respect to every array given (None stays None)."""
    tensors = [None if a is None else cr.tensor(a.copy(), requires_grad=True) for a in arrays]
    outs = fn(kind, *tensors, **options)
    rng = np.random.default_rng(seed)
    loss = None
    for o in outs:
        term = (o * cr.tensor(rng.normal(size=o.shape).astype(o.dtype))).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    grads = [None if t is None else t.grad._data for t in tensors]
    return [o._data for o in outs], grads


def assert_close(ours, theirs, rtol=1e-7, atol=1e-10, what=""):
    assert len(ours) == len(theirs), what
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if a is None or b is None:
            assert a is None and b is None, f"{what}[{k}]: one side is None"
            continue
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what}[{k}]")


def make_pair(torch, kind, *args, **kwargs):
    """(chainrule module, torch module) of ``kind`` in float64 with the same weights."""
    from chainrule.nn import rnn
    if kind.startswith("rnn"):
        kwargs["nonlinearity"] = kind[4:]
    name = {"lstm": "LSTM", "gru": "GRU"}.get(kind, "RNN")
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(rnn, name)(*args, **kwargs, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def make_cell_pair(torch, kind, *args, **kwargs):
    from chainrule.nn import rnn_cells
    if kind.startswith("rnn"):
        kwargs["nonlinearity"] = kind[4:]
    name = {"lstm": "LSTMCell", "gru": "GRUCell"}.get(kind, "RNNCell")
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(rnn_cells, name)(*args, **kwargs, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def flat_outputs(result):
    """(output, h) or (output, (h, c)) -> [output, h(, c)]; a cell's h or (h, c) -> list."""
    if not isinstance(result, tuple):
        return [result]
    out, rest = result
    if isinstance(out, tuple) or not isinstance(rest, tuple):
        return [out] + (list(rest) if isinstance(rest, tuple) else [rest])
    return [out] + list(rest)


def backward_both(torch, ours_outs, theirs_outs, seed=3):
    """Back-propagate the same random projection through both libraries' outputs."""
    rng = np.random.default_rng(seed)
    loss_o = loss_t = 0
    for o, t in zip(ours_outs, theirs_outs):
        w = rng.normal(size=tuple(t.shape))
        loss_o = loss_o + (o * cr.tensor(w)).sum()
        loss_t = loss_t + (t * torch.from_numpy(w)).sum()
    loss_o.backward()
    loss_t.backward()


def assert_module_grads(ours, theirs, rtol=1e-7, atol=1e-10):
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, named[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


def assert_run_matches(torch, ours, theirs, outs_o, outs_t, leaves_o, leaves_t):
    """Outputs equal in shape and value, then every input, state and weight gradient equal."""
    for o, t in zip(outs_o, outs_t):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-7, atol=1e-10)
    backward_both(torch, outs_o, outs_t)
    for o, t in zip(leaves_o, leaves_t):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-7, atol=1e-10)
    assert_module_grads(ours, theirs)
