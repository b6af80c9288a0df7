"""The cheat sheet's claim, measured: L1 can give sparse models, L2 cannot, and only the
proximal step makes L1's zeros exact."""
import numpy as np

import chainrule
from chainrule import optim
from chainrule.nn.utils import l1_penalty, l2_penalty

N_RELEVANT, N_FEATURES = 5, 60


def _data(rng):
    x = rng.standard_normal((400, N_FEATURES))
    w_true = np.zeros(N_FEATURES)
    w_true[:N_RELEVANT] = [3.0, -2.5, 2.0, -1.5, 2.5]
    y = (x @ w_true + 0.3 * rng.standard_normal(400) > 0).astype(np.float64)
    return chainrule.tensor(x), chainrule.tensor(y)


def _logistic_loss(x, y, w, b):
    z = x @ w + b
    # log(1 + exp(z)) - y z, written so exp never overflows
    return (z.relu() - z * y + (1 + (-z.abs()).exp()).log()).mean()


def _fit(rng, penalty=None, lam=0.0, **opt_kw):
    x, y = _data(rng)
    w = chainrule.tensor(0.1 * rng.standard_normal(N_FEATURES), requires_grad=True)
    b = chainrule.tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w, b], lr=0.5, **opt_kw)
    for _ in range(300):
        opt.zero_grad()
        loss = _logistic_loss(x, y, w, b)
        if penalty is not None:
            loss = loss + lam * penalty([w])
        loss.backward()
        opt.step()
    return w._data


def test_proximal_l1_zeroes_irrelevant_weights_exactly(rng):
    w = _fit(rng, l1=0.02)
    irrelevant = w[N_RELEVANT:]
    assert np.count_nonzero(irrelevant == 0.0) >= 0.8 * irrelevant.size
    assert np.all(w[:N_RELEVANT] != 0.0), "a relevant feature was zeroed"
    assert np.all(np.sign(w[:N_RELEVANT]) == [1, -1, 1, -1, 1])


def test_l2_shrinks_but_zeroes_nothing(rng):
    for w in (_fit(rng, weight_decay=0.02), _fit(rng, penalty=l2_penalty, lam=0.01)):
        assert np.count_nonzero(w == 0.0) == 0
        assert np.abs(w[N_RELEVANT:]).max() < np.abs(w[:N_RELEVANT]).min()


def test_subgradient_l1_hovers_around_zero_instead_of_reaching_it(rng):
    w = _fit(rng, penalty=l1_penalty, lam=0.02)
    irrelevant = w[N_RELEVANT:]
    assert np.count_nonzero(irrelevant == 0.0) <= 2
    # ... yet those weights are tiny: they oscillate within one step (lr * lam) of zero
    assert np.median(np.abs(irrelevant)) < 0.5 * 0.02


def test_proximal_step_is_soft_thresholding(rng):
    w0 = np.array([0.5, -0.5, 0.05, -0.05, 0.0, 0.1])
    w = chainrule.tensor(w0.copy(), requires_grad=True)
    w.grad = chainrule.tensor(np.zeros(6))
    optim.SGD([w], lr=0.5, l1=0.2).step()
    np.testing.assert_array_equal(w._data, np.sign(w0) * np.maximum(np.abs(w0) - 0.1, 0))
