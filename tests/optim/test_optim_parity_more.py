"""Adadelta, Adamax, NAdam and RAdam against PyTorch: the same start on a small non-convex
problem, float64, parameters equal to 1e-10 after every one of 15 steps; resumption from a
state dict (ours and PyTorch's); hyper-parameter errors."""
import copy
import itertools

import numpy as np
import pytest
from optim_testutil import assert_params_close, check_resume_from_torch, config_id, train

import chainrule
from chainrule import optim
from chainrule.nn.parameter import Parameter

STEPS = 15


pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


def _combos(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


CONFIGS = (
    [("Adadelta", dict(lr=0.5, **c)) for c in _combos(
        rho=[0.9, 0.5], weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adadelta", dict(eps=1e-3))]
    + [("Adamax", dict(lr=0.05, **c)) for c in _combos(
        betas=[(0.9, 0.999), (0.5, 0.8)], weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adamax", dict(lr=0.05, eps=1e-2))]
    + [("NAdam", dict(lr=0.05, **c)) for c in _combos(
        betas=[(0.9, 0.999), (0.6, 0.9)], weight_decay=[0.0, 0.1], maximize=[False, True],
        decoupled_weight_decay=[False, True])]
    + [("NAdam", dict(lr=0.05, momentum_decay=0.1, eps=1e-3))]
    + [("RAdam", dict(lr=0.05, **c)) for c in _combos(
        betas=[(0.9, 0.999), (0.6, 0.9)], weight_decay=[0.0, 0.1], maximize=[False, True],
        decoupled_weight_decay=[False, True])]
    # beta2 = 0.5: rho_inf = 3, so never rectified (plain momentum steps throughout)
    + [("RAdam", dict(lr=0.05, betas=(0.3, 0.5), eps=1e-3))]
)


class Problem:
    """A small two-layer regression with a non-convex quartic term, built identically in both
    libraries."""

    def __init__(self, rng):
        self.x = rng.standard_normal((12, 4))
        self.y = rng.standard_normal((12, 2))
        self.start = [rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(3) * 0.1,
                      rng.standard_normal((2, 3)) * 0.5]

    def params(self, lib):
        return [lib.tensor(a.copy(), requires_grad=True) for a in self.start]

    def loss(self, lib, params):
        w, b, v = params
        h = lib.tanh(lib.tensor(self.x) @ w.T + b)
        return ((h @ v.T - lib.tensor(self.y)) ** 2).mean() + (w ** 4).sum() * 0.01

    def backward(self, lib, params):
        for p in params:
            p.grad = None
        self.loss(lib, params).backward()


def _assert_close(ours, theirs, what, rtol=1e-10):
    assert_params_close(ours, theirs, what, rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("config", CONFIGS, ids=[config_id(c) for c in CONFIGS])
def test_trajectory_matches_torch(config, torch, rng):
    name, kw = config
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    opt_c = getattr(optim, name)(ours, **kw)
    opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kw)
    for step in range(STEPS):
        problem.backward(chainrule, ours)
        problem.backward(torch, theirs)
        opt_c.step()
        opt_t.step()
        _assert_close(ours, theirs, f"{name} step {step + 1}")
    moved = np.abs(ours[0]._data - problem.start[0]).max()
    assert moved > 1e-3, "the optimizer barely moved the weights; the test would prove nothing"


NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam"]
RESUME = [("Adadelta", dict(lr=0.5, weight_decay=0.1)),
          ("Adamax", dict(lr=0.05, maximize=True)),
          ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
          ("RAdam", dict(lr=0.05, weight_decay=0.1))]


@pytest.mark.parametrize("name,kw", RESUME, ids=[n for n, _ in RESUME])
def test_groups_with_own_lrs_and_an_added_group_match_torch(name, kw, torch, rng):
    problem = Problem(rng)
    ours, theirs = problem.params(chainrule), problem.params(torch)
    kw = {k: v for k, v in kw.items() if k != "lr"}
    opt_c = getattr(optim, name)([{"params": ours[:1], "lr": 0.03}, {"params": ours[1:2]}],
                                 lr=0.1, **kw)
    opt_t = getattr(torch.optim, name)([{"params": theirs[:1], "lr": 0.03},
                                        {"params": theirs[1:2]}], lr=0.1, foreach=False, **kw)
    for step in range(STEPS):
        if step == 5:
            opt_c.add_param_group({"params": [ours[2]], "lr": 0.07})
            opt_t.add_param_group({"params": [theirs[2]], "lr": 0.07})
        if step == 9:  # as a hand-written schedule does
            opt_c.param_groups[0]["lr"] = opt_t.param_groups[0]["lr"] = 0.01
        problem.backward(chainrule, ours)
        problem.backward(torch, theirs)
        opt_c.step()
        opt_t.step()
        _assert_close(ours, theirs, f"{name} step {step + 1}")


@pytest.mark.parametrize("name,kw", RESUME, ids=[n for n, _ in RESUME])
def test_resume_from_state_dict_is_bit_identical(name, kw, rng, tmp_path):
    start = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(a.shape) for a in start] for _ in range(14)]
    params = [Parameter(a.copy()) for a in start]
    train(getattr(optim, name)(params, **kw), params, grads)
    expected = [p._data.copy() for p in params]

    params = [Parameter(a.copy()) for a in start]
    first = getattr(optim, name)(params, **kw)
    train(first, params, grads[:6])
    at_six = [p._data.copy() for p in params]
    # through a file, as chainrule.train.save_checkpoint writes it
    chainrule.save(first.state_dict(), tmp_path / "opt.safetensors")
    saved = copy.deepcopy(first.state_dict())
    train(first, params, grads[6:7])  # must not leak into what was saved
    for checkpoint in (saved, chainrule.load(tmp_path / "opt.safetensors")):
        resumed_params = [Parameter(a.copy()) for a in at_six]
        resumed = getattr(optim, name)(resumed_params, **kw)
        resumed.load_state_dict(checkpoint)
        train(resumed, resumed_params, grads[6:])
        for got, want in zip(resumed_params, expected):
            np.testing.assert_array_equal(got._data, want)


@pytest.mark.parametrize("name,kw", RESUME, ids=[n for n, _ in RESUME])
def test_torch_state_dict_loads_and_training_continues_identically(name, kw, torch, rng):
    check_resume_from_torch(torch, rng, name, kw)


@pytest.mark.parametrize("name,kw,message", [
    ("Adadelta", dict(lr=-1.0), "Adadelta: invalid learning rate: -1.0 (expected lr >= 0)"),
    ("Adadelta", dict(rho=1.5), "Adadelta: invalid rho value: 1.5 (expected 0 <= rho <= 1)"),
    ("Adadelta", dict(eps=-1e-6), "Adadelta: invalid epsilon value: -1e-06"),
    ("Adadelta", dict(weight_decay=-0.1), "Adadelta: invalid weight_decay value: -0.1"),
    ("Adamax", dict(lr=-1.0), "Adamax: invalid learning rate: -1.0"),
    ("Adamax", dict(betas=(1.0, 0.999)), "Adamax: invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(betas=0.9), "Adamax: betas must be a pair (beta1, beta2), got 0.9"),
    ("Adamax", dict(eps=-1.0), "Adamax: invalid epsilon value: -1.0"),
    ("Adamax", dict(weight_decay=-0.1), "Adamax: invalid weight_decay value: -0.1"),
    ("NAdam", dict(lr=-1.0), "NAdam: invalid learning rate: -1.0"),
    ("NAdam", dict(betas=(0.9, 1.0)), "NAdam: invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(eps=-1.0), "NAdam: invalid epsilon value: -1.0"),
    ("NAdam", dict(weight_decay=-0.1), "NAdam: invalid weight_decay value: -0.1"),
    ("NAdam", dict(momentum_decay=-0.1), "NAdam: invalid momentum_decay value: -0.1"),
    ("RAdam", dict(lr=-1.0), "RAdam: invalid learning rate: -1.0"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "RAdam: invalid beta parameter at index 0: -0.1"),
    ("RAdam", dict(betas=(0.9, 0.99, 0.9)), "RAdam: betas must be a pair"),
    ("RAdam", dict(eps=-1.0), "RAdam: invalid epsilon value: -1.0"),
    ("RAdam", dict(weight_decay=-0.1), "RAdam: invalid weight_decay value: -0.1"),
])
def test_invalid_hyper_parameters_raise_naming_the_argument(name, kw, message, rng):
    params = [Parameter(rng.standard_normal(3))]
    with pytest.raises(ValueError) as info:
        getattr(optim, name)(params, **kw)
    assert message in str(info.value)
    opt = getattr(optim, name)(params)
    with pytest.raises(ValueError, match=f"{name}: "):  # a group override is checked too
        opt.add_param_group({"params": [Parameter(np.zeros(2))], **kw})


@pytest.mark.parametrize("name", NAMES)
def test_unsupported_switches_are_refused_and_accepted_ones_kept(name, rng):
    params = [Parameter(rng.standard_normal(3))]
    with pytest.raises(ValueError, match=f"{name}: differentiable=True is not supported"):
        getattr(optim, name)(params, differentiable=True)
    with pytest.raises(ValueError, match=f"{name}: capturable=True is not supported"):
        getattr(optim, name)(params, capturable=True)
    with pytest.raises(TypeError, match="real number"):
        getattr(optim, name)(params, lr="0.1")
    opt = getattr(optim, name)(params, foreach=True)
    assert opt.param_groups[0]["foreach"] is True
