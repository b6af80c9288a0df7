"""Variable-length batches: ``forward(input, hx, lengths)`` against torch's
pack_padded_sequence / pad_packed_sequence path and against running each sequence alone."""
import numpy as np
import pytest

import chainrule as cr
from rnn_testutil import GATES, assert_module_grads, backward_both, flat_outputs, make_pair

KINDS = sorted(GATES)
LENGTHS = [4, 1, 3, 4, 2]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_lengths_match_torch_packed(kind, batch_first, torch):
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    T, B, I, H = max(LENGTHS), len(LENGTHS), 3, 4
    ours, theirs = make_pair(torch, kind, I, H, num_layers=2, bidirectional=True,
                             batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, I) if batch_first else (T, B, I))
    states = [rng.normal(size=(4, B, H)) for _ in range(2 if kind == "lstm" else 1)]
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    so = [cr.tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    hx_o, hx_t = (tuple(so), tuple(st)) if kind == "lstm" else (so[0], st[0])
    outs_o = flat_outputs(ours(xo, hx_o, lengths=LENGTHS))
    packed = pack_padded_sequence(xt, torch.tensor(LENGTHS), batch_first=batch_first,
                                  enforce_sorted=False)
    out_t, hn_t = theirs(packed, hx_t)
    out_t, _ = pad_packed_sequence(out_t, batch_first=batch_first, total_length=T)
    outs_t = flat_outputs((out_t, hn_t))
    for o, t in zip(outs_o, outs_t):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-7, atol=1e-10)
    backward_both(torch, outs_o, outs_t)
    for o, t in zip([xo] + so, [xt] + st):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-7, atol=1e-10)
    assert_module_grads(ours, theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_lengths_match_each_sequence_alone(kind, torch):
    T, B, I, H = max(LENGTHS), len(LENGTHS), 3, 4
    ours, _ = make_pair(torch, kind, I, H, num_layers=2, bidirectional=True, batch_first=True)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(B, T, I))
    x[1, 1:] = np.nan                      # padding is never read, even when it is garbage
    xo = cr.tensor(x, requires_grad=True)
    out, *states = flat_outputs(ours(xo, lengths=cr.tensor(LENGTHS)))
    sum((s * s).sum() for s in states).backward()
    for b, L in enumerate(LENGTHS):
        assert not out.data[b, L:].any()
        assert not xo.grad.data[b, L:].any()
        alone = cr.tensor(x[b:b + 1, :L].copy(), requires_grad=True)
        out_b, *states_b = flat_outputs(ours(alone))
        np.testing.assert_allclose(out.data[b, :L], out_b.data[0], rtol=1e-12)
        for s, s_b in zip(states, states_b):
            np.testing.assert_allclose(s.data[:, b], s_b.data[:, 0], rtol=1e-12)
        sum((s * s).sum() for s in states_b).backward()
        np.testing.assert_allclose(xo.grad.data[b, :L], alone.grad.data[0], rtol=1e-10)


def test_full_lengths_equal_no_lengths():
    from chainrule.nn.rnn import LSTM
    m = LSTM(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    x = cr.tensor(np.random.default_rng(2).normal(size=(5, 3, 3)))
    a, (h_a, c_a) = m(x)
    b, (h_b, c_b) = m(x, lengths=[5, 5, 5])
    for u, v in ((a, b), (h_a, h_b), (c_a, c_b)):
        np.testing.assert_allclose(u.data, v.data, rtol=1e-12)


def test_lengths_errors():
    from chainrule.nn.rnn import GRU
    m = GRU(3, 4)
    x = cr.randn(5, 2, 3)
    with pytest.raises(ValueError, match=r"GRU: lengths must lie in \[0, 5\]"):
        m(x, lengths=[6, 1])
    with pytest.raises(ValueError, match="GRU: lengths must be a 1-D sequence of 2 integers"):
        m(x, lengths=[1, 2, 3])
    with pytest.raises(ValueError, match="GRU: lengths must be a 1-D sequence of 2 integers"):
        m(x, lengths=[1.5, 2.0])
    with pytest.raises(ValueError, match="GRU: lengths needs batched"):
        m(cr.randn(5, 3), lengths=[5])
