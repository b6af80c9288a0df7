"""Slow reference recurrent layers built only from primitive ops (linear, sigmoid, tanh, where,
stack), one autograd node per operation. Tests hold the fused kernels of recurrent_*.py against
them; nothing else should call them.

Each function takes Tensors shaped like the fused Functions' arguments (x (T, B, I), states
(B, H) or None, torch-layout weights, biases or None) and returns the same outputs.
Variable lengths are handled by masking: a sequence's state is frozen past its length and its
outputs there are zero.
"""
from .._backend import xp
from ..tensor import Tensor
from .activation import relu, sigmoid, tanh
from .elementwise import where
from .linalg import linear
from .shape import stack


def _zeros_like_state(x, w_hh):
    return Tensor._from_array(xp.zeros((x.shape[1], w_hh.shape[1]), x.dtype))


def _masks(T, B, lengths):
    """Per step a (B, 1) bool array (True where the step is within the sequence), or None."""
    if lengths is None:
        return [None] * T
    L = xp.asarray(lengths)
    return [(t < L)[:, None] for t in range(T)]


def _scan(step, x, states, reverse, lengths):
    """Run ``step(x_t, states) -> (h_new, new_states)`` over time with length masking."""
    T = x.shape[0]
    masks = _masks(T, x.shape[1], lengths)
    outs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        h_new, new = step(x[t], states)
        m = masks[t]
        if m is None:
            states, outs[t] = new, h_new
        else:
            states = tuple(where(m, s_new, s) for s_new, s in zip(new, states))
            outs[t] = where(m, h_new, Tensor._from_array(xp.zeros((), h_new.dtype)))
    return stack(outs), states


def rnn_reference(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None,
                  nonlinearity="tanh"):
    act = relu if nonlinearity == "relu" else tanh
    h0 = _zeros_like_state(x, w_hh) if h0 is None else h0

    def step(x_t, states):
        h = act(linear(x_t, w_ih, b_ih) + linear(states[0], w_hh, b_hh))
        return h, (h,)

    out, (h,) = _scan(step, x, (h0,), reverse, lengths)
    return out, h


def lstm_reference(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None):
    H = w_hh.shape[1]
    h0 = _zeros_like_state(x, w_hh) if h0 is None else h0
    c0 = _zeros_like_state(x, w_hh) if c0 is None else c0

    def step(x_t, states):
        h, c = states
        gates = linear(x_t, w_ih, b_ih) + linear(h, w_hh, b_hh)
        i, f = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2 * H])
        g, o = tanh(gates[:, 2 * H:3 * H]), sigmoid(gates[:, 3 * H:])
        c = f * c + i * g
        h = o * tanh(c)
        return h, (h, c)

    out, (h, c) = _scan(step, x, (h0, c0), reverse, lengths)
    return out, h, c


def gru_reference(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, lengths=None):
    H = w_hh.shape[1]
    h0 = _zeros_like_state(x, w_hh) if h0 is None else h0

    def step(x_t, states):
        (h,) = states
        gi, gh = linear(x_t, w_ih, b_ih), linear(h, w_hh, b_hh)
        r = sigmoid(gi[:, :H] + gh[:, :H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        return h, (h,)

    out, (h,) = _scan(step, x, (h0,), reverse, lengths)
    return out, h
