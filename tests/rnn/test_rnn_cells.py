"""RNNCell, LSTMCell and GRUCell against PyTorch (values and every gradient, float64)."""
import numpy as np
import pytest

import chainrule as cr
from rnn_testutil import (GATES, assert_run_matches, flat_outputs, make_cell_pair)

KINDS = sorted(GATES)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_hx", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(kind, batched, given_hx, bias, torch):
    I, H, B = 3, 4, 2
    ours, theirs = make_cell_pair(torch, kind, I, H, bias=bias)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, I) if batched else (I,))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves_o, leaves_t, hx_o, hx_t = [], [], None, None
    if given_hx:
        shape = (B, H) if batched else (H,)
        arrays = [rng.normal(size=shape) for _ in range(2 if kind == "lstm" else 1)]
        leaves_o = [cr.tensor(a, requires_grad=True) for a in arrays]
        leaves_t = [torch.tensor(a, requires_grad=True) for a in arrays]
        hx_o, hx_t = (tuple(leaves_o), tuple(leaves_t)) if kind == "lstm" else \
            (leaves_o[0], leaves_t[0])
    outs_o, outs_t = flat_outputs(ours(xo, hx_o)), flat_outputs(theirs(xt, hx_t))
    assert len(outs_o) == len(outs_t) == (2 if kind == "lstm" else 1)
    assert_run_matches(torch, ours, theirs, outs_o, outs_t, [xo] + leaves_o,
                       [xt] + leaves_t)


@pytest.mark.parametrize("kind", KINDS)
def test_cell_unrolled_equals_layer(kind, torch):
    """Stepping a cell over a sequence gives the layer's outputs with the same weights."""
    from chainrule.nn import rnn, rnn_cells
    name = {"lstm": "LSTM", "gru": "GRU"}.get(kind, "RNN")
    extra = {"nonlinearity": kind[4:]} if kind.startswith("rnn") else {}
    layer = getattr(rnn, name)(3, 4, dtype=np.float64, **extra)
    cell = getattr(rnn_cells, name + "Cell")(3, 4, dtype=np.float64, **extra)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = cr.tensor(np.random.default_rng(1).normal(size=(5, 2, 3)))
    out, _ = layer(x)
    state = None
    for t in range(5):
        state = cell(x[t], state)
        h = state[0] if kind == "lstm" else state
        np.testing.assert_allclose(h.data, out.data[t], rtol=1e-12)


def test_cell_errors():
    from chainrule.nn.rnn_cells import GRUCell, LSTMCell, RNNCell
    cell = LSTMCell(3, 4)
    x = cr.randn(2, 3)
    with pytest.raises(ValueError, match="LSTMCell: input has inconsistent input_size: got 5 "
                                         "expected 3"):
        cell(cr.randn(2, 5))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        cell(cr.randn(1, 2, 3))
    with pytest.raises(ValueError, match="hidden1 has inconsistent hidden_size: got 5"):
        cell(x, (cr.randn(2, 4), cr.randn(2, 5)))
    with pytest.raises(ValueError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        cell(x, (cr.randn(3, 4), cr.randn(3, 4)))
    with pytest.raises(ValueError, match="batched and unbatched cannot be mixed"):
        cell(cr.randn(3), (cr.randn(2, 4), cr.randn(2, 4)))
    with pytest.raises(TypeError, match=r"LSTMCell: hx must be a tuple \(h, c\)"):
        cell(x, cr.randn(2, 4))
    with pytest.raises(ValueError, match="GRUCell: hidden0 has inconsistent hidden_size"):
        GRUCell(3, 4)(x, cr.randn(2, 3))
    with pytest.raises(ValueError, match="RNNCell: Unknown nonlinearity: gelu"):
        RNNCell(3, 4, nonlinearity="gelu")
