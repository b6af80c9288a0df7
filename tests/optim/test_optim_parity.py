"""Every optimizer and option combination against PyTorch: same start, same loss, 25+ steps,
float64, parameters equal to rtol 1e-8 after every step."""
import itertools

import numpy as np
import pytest
from optim_testutil import assert_params_close, config_id

import chainrule
from chainrule import optim

STEPS = 25


def _combos(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


def _sgd_configs():
    configs = []
    for c in _combos(momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=[False, True],
                     weight_decay=[0.0, 0.1], maximize=[False, True]):
        if c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0):
            continue
        if c["momentum"] == 0 and c["dampening"] != 0:
            continue  # dampening only acts on the momentum buffer
        configs.append(dict(lr=0.05, **c))
    return configs


CONFIGS = (
    [("SGD", c) for c in _sgd_configs()]
    + [("Adam", dict(lr=0.05, **c)) for c in _combos(
        amsgrad=[False, True], weight_decay=[0.0, 0.1], maximize=[False, True],
        betas=[(0.9, 0.999), (0.3, 0.6)])]
    + [("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, eps=1e-3))]
    + [("AdamW", dict(lr=0.05, **c)) for c in _combos(
        amsgrad=[False, True], weight_decay=[0.0, 0.2], maximize=[False, True],
        betas=[(0.9, 0.999), (0.6, 0.9)])]
    + [("RMSprop", dict(lr=0.01, **c)) for c in _combos(
        centered=[False, True], momentum=[0.0, 0.8], weight_decay=[0.0, 0.1],
        maximize=[False, True])]
    + [("RMSprop", dict(lr=0.01, alpha=0.3, eps=1e-4, centered=True))]
    + [("Adagrad", dict(lr=0.1, **c)) for c in _combos(
        lr_decay=[0.0, 0.1], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
        maximize=[False, True])]
    + [("Adagrad", dict(lr=0.1, eps=1e-3))]
)


class Problem:
    """A small nonlinear regression, built identically in both libraries."""

    def __init__(self, rng):
        self.x = rng.standard_normal((16, 5))
        self.y = rng.standard_normal((16, 3))
        self.w0 = rng.standard_normal((3, 5)) * 0.5
        self.b0 = rng.standard_normal(3) * 0.1
        self.v0 = rng.standard_normal((2, 3)) * 0.5

    def params(self, lib):
        make = (lambda a: chainrule.tensor(a.copy(), requires_grad=True)) if lib is chainrule \
            else (lambda a: lib.tensor(a.copy(), requires_grad=True))
        return [make(self.w0), make(self.b0), make(self.v0)]

    def backward(self, lib, params):
        w, b, v = params
        x, y = lib.tensor(self.x), lib.tensor(self.y)
        h = lib.tanh(x @ w.T + b)
        loss = ((h - y) ** 2).mean() + (h @ v.T).sum() * 0.01 + (w ** 4).sum() * 0.01
        loss.backward()


def _step_both(problem, ours, theirs, opt_c, opt_t, torch):
    for p in ours:
        p.grad = None
    opt_t.zero_grad()
    problem.backward(chainrule, ours)
    problem.backward(torch, theirs)
    opt_c.step()
    opt_t.step()


def _assert_close(ours, theirs, what):
    assert_params_close(ours, theirs, what, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=[config_id(c) for c in CONFIGS])
def test_trajectory_matches_torch(config, torch, rng):
    name, kw = config
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    opt_c = getattr(optim, name)(ours, **kw)
    opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kw)
    for step in range(STEPS):
        _step_both(problem, ours, theirs, opt_c, opt_t, torch)
        _assert_close(ours, theirs, f"{name} step {step + 1}")
    moved = np.abs(ours[0]._data - problem.w0).max()
    assert moved > 1e-3, "the optimizer barely moved the weights; the test would prove nothing"


@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.9)), ("Adam", {}), ("AdamW", {}),
                                     ("RMSprop", dict(momentum=0.5, centered=True)),
                                     ("Adagrad", dict(lr_decay=0.01))])
def test_param_groups_with_own_lrs_match_torch(name, kw, torch, rng):
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)

    def groups(ps):
        return [{"params": ps[:2], "lr": 0.03}, {"params": ps[2:], "lr": 0.2}]

    opt_c = getattr(optim, name)(groups(ours), **kw)
    opt_t = getattr(torch.optim, name)(groups(theirs), foreach=False, **kw)
    for step in range(STEPS):
        _step_both(problem, ours, theirs, opt_c, opt_t, torch)
        _assert_close(ours, theirs, f"{name} groups step {step + 1}")


@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.9)), ("Adam", {}),
                                     ("RMSprop", dict(centered=True)), ("Adagrad", {})])
def test_params_without_grad_are_skipped_like_torch(name, kw, torch, rng):
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    frozen_c = chainrule.tensor(rng.standard_normal(4), requires_grad=True)
    frozen_t = torch.tensor(frozen_c._data.copy(), requires_grad=True)
    start = frozen_c._data.copy()
    opt_c = getattr(optim, name)(ours + [frozen_c], lr=0.05, **kw)
    opt_t = getattr(torch.optim, name)(theirs + [frozen_t], lr=0.05, foreach=False, **kw)
    for step in range(STEPS):
        _step_both(problem, ours, theirs, opt_c, opt_t, torch)
        _assert_close(ours, theirs, f"{name} step {step + 1}")
    np.testing.assert_array_equal(frozen_c._data, start)
    assert len(opt_c.state.get(frozen_c, {})) == len(opt_t.state.get(frozen_t, {}))


@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.9)), ("Adam", dict(amsgrad=True))])
def test_add_param_group_matches_torch(name, kw, torch, rng):
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    opt_c = getattr(optim, name)(ours[:2], lr=0.05, **kw)
    opt_t = getattr(torch.optim, name)(theirs[:2], lr=0.05, foreach=False, **kw)
    for step in range(STEPS):
        if step == 10:
            opt_c.add_param_group({"params": [ours[2]], "lr": 0.01})
            opt_t.add_param_group({"params": [theirs[2]], "lr": 0.01})
        _step_both(problem, ours, theirs, opt_c, opt_t, torch)
        _assert_close(ours, theirs, f"{name} step {step + 1}")
    assert opt_c.param_groups[1]["lr"] == 0.01
    assert opt_c.param_groups[1]["momentum" if name == "SGD" else "betas"] == \
        opt_t.param_groups[1]["momentum" if name == "SGD" else "betas"]


@pytest.mark.parametrize("shape", [(64, 32), (128, 96)])  # below / above the BLAS axpby size
def test_float32_params_stay_float32_and_track_torch(shape, torch, rng):
    w0 = rng.standard_normal(shape).astype(np.float32)
    ours = [chainrule.tensor(w0.copy(), requires_grad=True)]
    theirs = [torch.tensor(w0.copy(), requires_grad=True)]
    opt_c, opt_t = optim.Adam(ours, lr=1e-2, weight_decay=0.1), torch.optim.Adam(theirs, lr=1e-2,
                                                                                  weight_decay=0.1)
    for _ in range(10):
        g = rng.standard_normal(w0.shape).astype(np.float32)
        ours[0].grad = chainrule.tensor(g)
        theirs[0].grad = torch.tensor(g)
        opt_c.step()
        opt_t.step()
    assert ours[0]._data.dtype == np.float32
    assert opt_c.state[ours[0]]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(ours[0]._data, theirs[0].detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, l1=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
])
def test_large_params_split_over_threads_match_serial_and_torch(name, kw, torch, rng,
                                                                monkeypatch):
    """Parameters big enough to be cut into slices for several threads: the result is
    bit-identical to the single-threaded update, and tracks PyTorch."""
    shapes = [(300, 500), (7,), (2, 40000)]
    start = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(4)]
    results = {}
    for threads in ("1", "3"):
        monkeypatch.setenv("CHAINRULE_NUM_THREADS", threads)
        ps = [chainrule.tensor(a.copy(), requires_grad=True) for a in start]
        opt = getattr(optim, name)(ps, **kw)
        for step_grads in grads:
            for p, g in zip(ps, step_grads):
                p.grad = chainrule.tensor(g.copy())
            opt.step()
        results[threads] = [p._data for p in ps]
    for a, b in zip(results["1"], results["3"]):
        np.testing.assert_array_equal(a, b)
    if "l1" in kw:
        return
    qs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_t = getattr(torch.optim, name)(qs, foreach=False, **kw)
    for step_grads in grads:
        for q, g in zip(qs, step_grads):
            q.grad = torch.tensor(g.copy())
        opt_t.step()
    _assert_close([chainrule.tensor(a) for a in results["3"]], qs, name)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2)),
                                     ("SGD", dict(lr=0.05)),
                                     ("Adam", dict(lr=0.05, amsgrad=True)),
                                     ("AdamW", dict(lr=0.05)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.05))])
def test_intermittent_grads_and_replaced_data_match_torch(name, kw, torch, rng):
    """Steps where one parameter has no gradient (its state must not move), then steps where
    all do; and a parameter whose ._data is replaced mid-training (as a cast would do)."""
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    opt_c = getattr(optim, name)(ours, **kw)
    opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kw)
    for step in range(STEPS):
        for p in ours:
            p.grad = None
        opt_t.zero_grad()
        problem.backward(chainrule, ours)
        problem.backward(torch, theirs)
        if step % 7 in (2, 3):  # parameter 2 sits these steps out
            ours[2].grad = None
            theirs[2].grad = None
        if step == 12:
            ours[0]._data = ours[0]._data.copy()
        opt_c.step()
        opt_t.step()
        _assert_close(ours, theirs, f"{name} step {step + 1}")
    for p in ours:
        p._data[...] += 0.0  # still plain writable arrays of the right shape
        assert p._data.shape == p.shape
