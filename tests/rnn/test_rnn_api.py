"""Module API of RNN, LSTM and GRU: names, shapes and init as torch, state_dict both ways,
dropout between layers, repr, and clear errors."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn.rnn import GRU, LSTM, RNN
from rnn_testutil import flat_outputs

CLASSES = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_names_shapes_and_state_dict_match_torch(name, torch):
    kwargs = dict(num_layers=2, bidirectional=True)
    ours, theirs = CLASSES[name](5, 7, **kwargs), getattr(torch.nn, name)(5, 7, **kwargs)
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_o) == list(sd_t)
    for k in sd_t:
        assert sd_o[k].shape == tuple(sd_t[k].shape) and sd_o[k].dtype == np.float32
    # torch -> ours gives torch's outputs; ours -> torch loads too
    ours.load_state_dict({k: v.numpy() for k, v in sd_t.items()})
    x = np.random.default_rng(0).normal(size=(4, 2, 5)).astype(np.float32)
    outs_o = flat_outputs(ours(cr.tensor(x)))
    with torch.no_grad():
        outs_t = flat_outputs(theirs(torch.from_numpy(x)))
    for o, t in zip(outs_o, outs_t):
        np.testing.assert_allclose(o._data, t.numpy(), rtol=1e-5, atol=1e-6)
    fresh = CLASSES[name](5, 7, **kwargs)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in fresh.state_dict().items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), fresh.state_dict()[k].numpy())


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_init_is_uniform_within_torch_bound(name):
    cr.manual_seed(0)
    m = CLASSES[name](3, 16, num_layers=2)
    bound = 1 / np.sqrt(16)
    values = np.concatenate([p._data.ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.9 * bound and abs(values.mean()) < 0.1 * bound
    assert len(np.unique(values)) == values.size
    cr.manual_seed(0)
    again = CLASSES[name](3, 16, num_layers=2)
    for p, q in zip(m.parameters(), again.parameters()):
        np.testing.assert_array_equal(p._data, q._data)


def test_repr_matches_torch(torch):
    cases = [("LSTM", (10, 20), {}), ("GRU", (3, 4), dict(num_layers=2, bias=False,
                                                         batch_first=True, dropout=0.5,
                                                         bidirectional=True)),
             ("RNN", (3, 4), dict(nonlinearity="relu"))]
    for name, args, kwargs in cases:
        assert repr(CLASSES[name](*args, **kwargs)) == repr(getattr(torch.nn, name)(*args,
                                                                                   **kwargs))


def test_rnn_positional_nonlinearity_as_torch():
    assert RNN(3, 4, 2, "relu").nonlinearity == "relu"


def test_dropout_between_layers():
    cr.manual_seed(0)
    m = LSTM(3, 4, num_layers=2, dropout=1.0, dtype=np.float64)
    x = cr.tensor(np.random.default_rng(0).normal(size=(5, 2, 3)))
    out_train, _ = m(x)
    # p = 1 drops every input of layer 2, so training output is layer 2 run on zeros
    second = LSTM(4, 4, dtype=np.float64)
    second.load_state_dict({k.replace("l1", "l0"): v for k, v in m.state_dict().items()
                            if "l1" in k})
    expected, _ = second(cr.zeros(5, 2, 4, dtype=np.float64))
    np.testing.assert_allclose(out_train._data, expected._data, rtol=1e-12)
    m.eval()
    out_eval, _ = m(x)
    m.dropout = 0.0
    np.testing.assert_array_equal(out_eval._data, m(x)[0]._data)


def test_dropout_is_random_in_training_and_scaled():
    cr.manual_seed(0)
    m = GRU(3, 50, num_layers=2, dropout=0.5, dtype=np.float64)
    x = cr.tensor(np.random.default_rng(0).normal(size=(2, 1, 3)))
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(a._data, b._data)


def test_constructor_errors():
    with pytest.raises(NotImplementedError, match="proj_size"):
        LSTM(3, 4, proj_size=2)
    with pytest.raises(TypeError):
        GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="RNN: Unknown nonlinearity 'gelu'"):
        RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        LSTM(3, 0)
    with pytest.raises(TypeError, match="input_size should be of type int"):
        LSTM(3.0, 4)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        LSTM(3, 4, dropout=0.2)


def test_forward_errors():
    m = LSTM(3, 4, num_layers=2)
    x = cr.randn(5, 2, 3)
    with pytest.raises(ValueError, match="LSTM: input.size\\(-1\\) must be equal to input_size. "
                                         "Expected 3, got 6"):
        m(cr.randn(5, 2, 6))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D"):
        m(cr.randn(1, 5, 2, 3))
    with pytest.raises(ValueError, match=r"LSTM: Expected hidden\[1\] size \(2, 2, 4\), got "
                                         r"\[2, 3, 4\]"):
        m(x, (cr.zeros(2, 2, 4), cr.zeros(2, 3, 4)))
    with pytest.raises(ValueError, match="For batched 3-D input, hx should also be 3-D but got "
                                         "2-D"):
        m(x, (cr.zeros(2, 4), cr.zeros(2, 4)))
    with pytest.raises(ValueError, match="For unbatched 2-D input, hx should also be 2-D but "
                                         "got 3-D"):
        m(cr.randn(5, 3), (cr.zeros(2, 1, 4), cr.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        m(x, cr.zeros(2, 2, 4))
    with pytest.raises(ValueError, match=r"GRU: Expected hidden size \(1, 2, 4\), got "
                                         r"\[2, 2, 4\]"):
        GRU(3, 4)(x, cr.zeros(2, 2, 4))
    with pytest.raises(TypeError, match="LSTM: input is float64 but the parameters are float32"):
        m(cr.tensor(np.zeros((5, 2, 3))))
    with pytest.raises(TypeError, match="LSTM: hx is float64 but the parameters are float32"):
        m(x, (cr.zeros(2, 2, 4), cr.zeros(2, 2, 4, dtype=cr.float64)))


def test_no_warnings_and_no_nan_for_huge_inputs():
    m = LSTM(3, 4, num_layers=2, bidirectional=True)
    x = cr.tensor(np.array([1e30, -1e30, 3.0], np.float32) * np.ones((6, 2, 3), np.float32),
                  requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, (h, c) = m(x)
        (out.sum() + h.sum() + c.sum()).backward()
    assert np.isfinite(out._data).all() and np.isfinite(x.grad._data).all()
