"""Dropout1d/2d/3d and AlphaDropout (masks from chainrule's generator, so properties rather
than torch's draws are compared), Unflatten parity."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F


@pytest.mark.parametrize("cls,shape,lead", [("Dropout1d", (4, 16, 5), 2),
                                            ("Dropout1d", (16, 5), 1),
                                            ("Dropout2d", (4, 16, 3, 3), 2),
                                            ("Dropout3d", (2, 16, 2, 2, 2), 2),
                                            ("Dropout3d", (16, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels(cls, shape, lead):
    p = 0.25
    m = getattr(cr.nn, cls)(p)
    x = cr.tensor(np.random.default_rng(0).random(shape) + 1, requires_grad=True)
    y = m(x)
    ratio = (y.detach().numpy() / x.detach().numpy()).reshape(shape[:lead] + (-1,))
    # every channel is either all zero or all scaled by 1 / (1 - p)
    per_channel = ratio[..., :1]
    np.testing.assert_allclose(ratio, np.broadcast_to(per_channel, ratio.shape))
    assert set(np.round(np.unique(per_channel), 6)) <= {0.0, round(1 / (1 - p), 6)}
    assert 0 < (per_channel == 0).sum() < per_channel.size
    y.backward(cr.ones(*shape, dtype=cr.float64))
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(per_channel,
                                                               ratio.shape).reshape(shape))
    m.eval()
    assert m(x) is x
    assert repr(m) == f"{cls}(p=0.25, inplace=False)"


def test_channel_dropout_rate_and_seed():
    x = cr.ones(200, 50, 4)
    cr.manual_seed(3)
    a = F.dropout1d(x, 0.3).numpy()
    cr.manual_seed(3)
    b = F.dropout1d(x, 0.3).numpy()
    np.testing.assert_array_equal(a, b)
    assert abs((a[:, :, 0] == 0).mean() - 0.3) < 0.02
    assert F.dropout2d(cr.ones(2, 3, 4, 4), 0.0).numpy().min() == 1
    assert F.dropout2d(cr.ones(2, 3, 4, 4), 1.0).numpy().max() == 0
    assert F.dropout2d(cr.ones(2, 3, 4, 4), 0.5).dtype == cr.float32


def test_channel_dropout_errors_and_warnings():
    with pytest.raises(RuntimeError, match="dropout1d: expected 2D or 3D input"):
        F.dropout1d(cr.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        F.dropout2d(cr.ones(2, 3, 4))
    with pytest.raises(ValueError, match="between 0 and 1"):
        cr.nn.Dropout2d(1.5)


def test_alpha_dropout_keeps_mean_and_variance():
    p = 0.2
    x = cr.tensor(np.random.default_rng(0).standard_normal((400, 250)), requires_grad=True)
    y = F.alpha_dropout(x, p, training=True)
    out = y.detach().numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out, -alpha * a * (1 - p))
    assert abs(dropped.mean() - p) < 0.01
    kept = ~dropped
    np.testing.assert_allclose(out[kept], a * x.detach().numpy()[kept] + alpha * a * p)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0))
    assert F.alpha_dropout(x, p) is x                 # training=False by default, as torch
    m = cr.nn.AlphaDropout(p).eval()
    assert m(x) is x


@pytest.mark.parametrize("dim,sizes", [(1, (2, 3)), (-1, (2, -1)), (0, (1, 4))])
def test_unflatten_matches_torch(torch, dim, sizes):
    x = np.arange(24.0).reshape(4, 6)
    ours, theirs = cr.nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    with pytest.raises(RuntimeError, match="does not multiply"):
        cr.nn.Unflatten(1, (4, 4))(cr.tensor(x))


def test_flatten_then_unflatten_round_trip():
    x = cr.randn(2, 3, 4, 5)
    seq = cr.nn.Sequential(cr.nn.Flatten(), cr.nn.Unflatten(1, (3, 4, 5)), cr.nn.Identity())
    np.testing.assert_array_equal(seq(x).numpy(), x.numpy())


def test_gradcheck_with_a_fixed_mask():
    from chainrule.autograd import gradcheck
    x = cr.tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)

    def seeded(fn):
        def run(x):
            cr.manual_seed(5)                         # the same mask on every call
            return fn(x)
        return run
    assert gradcheck(seeded(lambda x: F.dropout1d(x, 0.4)), (x,))
    assert gradcheck(seeded(lambda x: F.alpha_dropout(x, 0.3, training=True)), (x,))
