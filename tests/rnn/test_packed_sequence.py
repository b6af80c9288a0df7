"""torch.nn.utils.rnn: packing, padding and RNNs on PackedSequence, against torch."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn.utils import rnn as rnn_utils


def _both(torch, a, grad=False):
    return cr.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True),
                                                    ([2, 5, 1, 3], False),
                                                    ([3, 3, 3, 3], False)])
def test_pack_and_pad_match_torch(torch, rng, batch_first, lengths, enforce_sorted):
    from torch.nn.utils import rnn as trnn
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    x, xt = _both(torch, rng.standard_normal(shape), grad=True)
    ours = rnn_utils.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    theirs = trnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(ours.data._data, theirs.data.detach().numpy())
    np.testing.assert_array_equal(ours.batch_sizes._data, theirs.batch_sizes.numpy())
    for a, b in [(ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)]:
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a._data, b.numpy())
    padded, lens = rnn_utils.pad_packed_sequence(ours, batch_first, padding_value=-1.0,
                                                 total_length=6)
    padded_t, lens_t = trnn.pad_packed_sequence(theirs, batch_first, padding_value=-1.0,
                                                total_length=6)
    np.testing.assert_array_equal(padded._data, padded_t.detach().numpy())
    np.testing.assert_array_equal(lens._data, lens_t.numpy())
    up = rng.standard_normal(padded.shape)
    padded.backward(cr.tensor(up))
    padded_t.backward(torch.tensor(up))
    np.testing.assert_array_equal(x.grad._data, xt.grad.numpy())


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_on_packed_input_matches_torch(torch, rng, kind, batch_first):
    from torch.nn.utils import rnn as trnn
    ours = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first,
                             dtype=cr.float64)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True,
                                     batch_first=batch_first, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})
    lengths = [2, 5, 1, 4]
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    x, xt = _both(torch, rng.standard_normal(shape), grad=True)
    h = rng.standard_normal((4, 4, 4))
    hx = (cr.tensor(h), cr.tensor(h * 0.5)) if kind == "LSTM" else cr.tensor(h)
    hxt = (torch.tensor(h), torch.tensor(h * 0.5)) if kind == "LSTM" else torch.tensor(h)
    out, state = ours(rnn_utils.pack_padded_sequence(x, lengths, batch_first, False), hx)
    out_t, state_t = theirs(trnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first,
                                                      False), hxt)
    assert isinstance(out, rnn_utils.PackedSequence)
    np.testing.assert_allclose(out.data._data, out_t.data.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    h_n, h_n_t = (state[0], state_t[0]) if kind == "LSTM" else (state, state_t)
    np.testing.assert_allclose(h_n._data, h_n_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    padded, _ = rnn_utils.pad_packed_sequence(out, batch_first)
    padded_t, _ = trnn.pad_packed_sequence(out_t, batch_first)
    up = rng.standard_normal(padded.shape)
    ((padded * cr.tensor(up)).sum() + h_n.sum()).backward()
    ((padded_t * torch.tensor(up)).sum() + h_n_t.sum()).backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.weight_hh_l1_reverse.grad._data,
                               theirs.weight_hh_l1_reverse.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_and_pack_sequence_match_torch(torch, rng, batch_first, side):
    from torch.nn.utils import rnn as trnn
    arrays = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    p = rnn_utils.pad_sequence(ours, batch_first, 7.0, side)
    pt = trnn.pad_sequence(theirs, batch_first, 7.0, side)
    np.testing.assert_array_equal(p._data, pt.detach().numpy())
    packed = rnn_utils.pack_sequence(ours, enforce_sorted=False)
    packed_t = trnn.pack_sequence(theirs, enforce_sorted=False)
    np.testing.assert_array_equal(packed.data._data, packed_t.data.detach().numpy())
    back = rnn_utils.unpack_sequence(packed)
    assert [tuple(b.shape) for b in back] == [a.shape for a in arrays]
    (p.sum() + sum((b * b).sum() for b in back)).backward()
    (pt.sum() + sum((b * b).sum() for b in trnn.unpack_sequence(packed_t))).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-12)


def test_packing_errors_name_the_op(rng):
    x = cr.tensor(rng.standard_normal((4, 2, 3)))
    with pytest.raises(RuntimeError, match="pack_padded_sequence: .*sorted in decreasing"):
        rnn_utils.pack_padded_sequence(x, [1, 3])
    with pytest.raises(ValueError, match="pack_padded_sequence: a length of 5 exceeds"):
        rnn_utils.pack_padded_sequence(x, [5, 3])
    with pytest.raises(ValueError, match="pack_padded_sequence: lengths must be a 1-D"):
        rnn_utils.pack_padded_sequence(x, [3])
    with pytest.raises(RuntimeError, match="at least 1"):
        rnn_utils.pack_padded_sequence(x, [3, 0], enforce_sorted=False)
    with pytest.raises(TypeError, match="pad_sequence: expected a non-empty sequence"):
        rnn_utils.pad_sequence([])
