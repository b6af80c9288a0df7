"""Every learning-rate schedule against PyTorch's: the same sequence of rates (and momenta),
bit for bit, over 30+ steps and several settings; resume from state dicts."""
import copy
import math

import numpy as np
import pytest

import chainrule
from chainrule import optim
from chainrule.optim import lr_scheduler as sched

STEPS = 40


def _opts(torch, name="SGD", lrs=(0.1,), **kw):
    ours = getattr(optim, name)([{"params": [chainrule.tensor(np.zeros(2), requires_grad=True)],
                                  "lr": lr} for lr in lrs], **kw)
    theirs = getattr(torch.optim, name)([{"params": [torch.zeros(2, requires_grad=True)],
                                          "lr": lr} for lr in lrs], **kw)
    return ours, theirs


def _run(sched_c, sched_t, opt_c, opt_t, steps=STEPS, metrics=None, extra=()):
    """Step both schedulers, collecting rates and the named group entries after each step."""
    seq_c = [(sched_c.get_last_lr(), [tuple(g.get(k) for k in extra) for g in opt_c.param_groups])]
    seq_t = [(sched_t.get_last_lr(), [tuple(g.get(k) for k in extra) for g in opt_t.param_groups])]
    for i in range(steps):
        opt_c.step()
        opt_t.step()
        if metrics is None:
            sched_c.step()
            sched_t.step()
        else:
            sched_c.step(metrics[i])
            sched_t.step(metrics[i])
        seq_c.append((list(sched_c.get_last_lr()),
                      [tuple(g.get(k) for k in extra) for g in opt_c.param_groups]))
        seq_t.append((list(sched_t.get_last_lr()),
                      [tuple(g.get(k) for k in extra) for g in opt_t.param_groups]))
    assert [lr for lr, _ in seq_c] == [lr for lr, _ in seq_t]
    assert [m for _, m in seq_c] == [m for _, m in seq_t]
    assert [g["lr"] for g in opt_c.param_groups] == [g["lr"] for g in opt_t.param_groups]
    return [lr for lr, _ in seq_c]


CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5), (0.1,)),
    ("StepLR", dict(step_size=7), (0.1, 0.03)),
    ("MultiStepLR", dict(milestones=[3, 8, 8, 20], gamma=0.3), (0.1,)),
    ("MultiStepLR", dict(milestones=[15, 5]), (0.1, 1.0)),
    ("ExponentialLR", dict(gamma=0.9), (0.1,)),
    ("ExponentialLR", dict(gamma=0.5), (0.2, 0.01)),
    ("CosineAnnealingLR", dict(T_max=7), (0.1,)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01), (0.1, 0.5)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.001), (0.1,)),
    ("LinearLR", {}, (0.1,)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.1, total_iters=10), (0.1, 0.3)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=4), (0.1,)),
]


@pytest.mark.parametrize("name,kw,lrs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_schedule_matches_torch(name, kw, lrs, torch):
    opt_c, opt_t = _opts(torch, lrs=lrs)
    seq = _run(getattr(sched, name)(opt_c, **kw),
               getattr(torch.optim.lr_scheduler, name)(opt_t, **kw), opt_c, opt_t,
               steps=65 if name == "CosineAnnealingLR" else STEPS)
    assert len({tuple(s) for s in seq}) >= 2, "the schedule never changed the rate"


def test_cosine_annealing_follows_the_closed_form_over_three_periods(torch):
    opt_c, opt_t = _opts(torch, lrs=(0.1,))
    seq = _run(sched.CosineAnnealingLR(opt_c, T_max=8, eta_min=0.002),
               torch.optim.lr_scheduler.CosineAnnealingLR(opt_t, T_max=8, eta_min=0.002),
               opt_c, opt_t, steps=6 * 8)
    closed = [0.002 + (0.1 - 0.002) * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(49)]
    np.testing.assert_allclose([s[0] for s in seq], closed, rtol=1e-12, atol=1e-15)


def test_lambda_lr_matches_torch(torch):
    opt_c, opt_t = _opts(torch, lrs=(0.1, 0.2))
    fns = [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e)]
    _run(sched.LambdaLR(opt_c, fns), torch.optim.lr_scheduler.LambdaLR(opt_t, fns), opt_c, opt_t)
    opt_c, opt_t = _opts(torch)
    _run(sched.LambdaLR(opt_c, lambda e: 0.9 ** (e // 4)),
         torch.optim.lr_scheduler.LambdaLR(opt_t, lambda e: 0.9 ** (e // 4)), opt_c, opt_t)
    with pytest.raises(ValueError, match="one value per parameter group"):
        sched.LambdaLR(opt_c, fns)


ONE_CYCLE = [
    ("SGD", dict(momentum=0.9), dict(max_lr=0.5, total_steps=STEPS)),
    ("SGD", dict(momentum=0.9), dict(max_lr=[0.5, 0.1], total_steps=STEPS,
                                     anneal_strategy="linear")),
    ("SGD", dict(momentum=0.9), dict(max_lr=0.5, total_steps=STEPS, three_phase=True)),
    ("SGD", dict(momentum=0.9), dict(max_lr=0.5, epochs=4, steps_per_epoch=10,
                                     three_phase=True, anneal_strategy="linear",
                                     pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("Adam", {}, dict(max_lr=0.01, total_steps=STEPS, base_momentum=0.8, max_momentum=0.9)),
    ("Adam", {}, dict(max_lr=[0.01, 0.02], total_steps=STEPS, three_phase=True)),
    ("SGD", {}, dict(max_lr=0.5, total_steps=STEPS, cycle_momentum=False)),
]


@pytest.mark.parametrize("opt_name,opt_kw,kw", ONE_CYCLE)
def test_one_cycle_matches_torch_including_momentum(opt_name, opt_kw, kw, torch):
    lrs = (0.1, 0.1) if isinstance(kw["max_lr"], list) else (0.1,)
    opt_c, opt_t = _opts(torch, opt_name, lrs=lrs, **opt_kw)
    _run(sched.OneCycleLR(opt_c, **kw), torch.optim.lr_scheduler.OneCycleLR(opt_t, **kw),
         opt_c, opt_t, steps=STEPS, extra=("betas", "momentum"))


def test_one_cycle_rejects_bad_arguments(torch):
    opt_c, _ = _opts(torch)
    with pytest.raises(ValueError, match="either total_steps or both epochs"):
        sched.OneCycleLR(opt_c, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear'"):
        sched.OneCycleLR(opt_c, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="needs an optimizer with momentum or betas"):
        sched.OneCycleLR(_opts(torch, "Adagrad")[0], max_lr=0.1, total_steps=10)
    s = sched.OneCycleLR(opt_c, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt_c.step()
        s.step()
    with pytest.raises(ValueError, match="tried to step 4 times, but total_steps is 3"):
        s.step()


PLATEAU = [
    dict(),
    dict(mode="min", patience=2, factor=0.5),
    dict(mode="max", threshold_mode="abs", threshold=0.1, patience=1, cooldown=2, factor=0.3),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=0, min_lr=0.02),
    dict(mode="max", patience=3, cooldown=1, min_lr=[0.001, 0.05], eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_on_plateau_matches_torch(kw, torch, rng):
    # a noisy metric that improves, then stalls, then improves a little
    metrics = np.concatenate([np.linspace(1.0, 0.5, 10), 0.5 + 0.02 * rng.standard_normal(15),
                              np.linspace(0.5, 0.45, 10), np.full(10, 0.45)])
    metrics = [float(m) for m in (metrics if kw.get("mode") != "max" else -metrics)]
    opt_c, opt_t = _opts(torch, lrs=(0.1, 0.2))
    seq = _run(sched.ReduceLROnPlateau(opt_c, **kw),
               torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kw), opt_c, opt_t,
               steps=len(metrics), metrics=metrics)
    assert seq[-1] != seq[0], "the metric never triggered a cut"


def test_reduce_on_plateau_accepts_tensor_metric_and_checks_arguments(torch):
    opt_c, _ = _opts(torch)
    s = sched.ReduceLROnPlateau(opt_c, patience=0)
    s.step(chainrule.tensor(1.0))
    s.step(chainrule.tensor(2.0))
    assert s.get_last_lr() == [pytest.approx(0.01)]
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        sched.ReduceLROnPlateau(opt_c, factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        sched.ReduceLROnPlateau(opt_c, mode="lowest")


def test_two_chained_schedulers_match_torch(torch):
    opt_c, opt_t = _opts(torch, lrs=(0.1,))
    a_c, a_t = sched.LinearLR(opt_c, 0.2, total_iters=6), \
        torch.optim.lr_scheduler.LinearLR(opt_t, 0.2, total_iters=6)
    b_c, b_t = sched.ExponentialLR(opt_c, 0.93), torch.optim.lr_scheduler.ExponentialLR(opt_t,
                                                                                        0.93)
    for _ in range(STEPS):
        opt_c.step()
        opt_t.step()
        for s in (a_c, b_c, a_t, b_t):
            s.step()
        assert b_c.get_last_lr() == b_t.get_last_lr()


def test_closed_form_step_with_epoch_matches_torch(torch):
    opt_c, opt_t = _opts(torch)
    s_c, s_t = sched.StepLR(opt_c, 3, 0.5), torch.optim.lr_scheduler.StepLR(opt_t, 3, 0.5)
    opt_c.step(), opt_t.step()
    with pytest.warns(UserWarning, match="deprecated"):
        s_c.step(7)
    with pytest.warns(UserWarning):
        s_t.step(7)
    assert s_c.get_last_lr() == s_t.get_last_lr() and s_c.last_epoch == 7


RESUMABLE = [
    (sched.StepLR, dict(step_size=4, gamma=0.5)),
    (sched.MultiStepLR, dict(milestones=[3, 12, 15])),
    (sched.ExponentialLR, dict(gamma=0.9)),
    (sched.CosineAnnealingLR, dict(T_max=6, eta_min=0.01)),
    (sched.LinearLR, dict(start_factor=0.25, total_iters=15)),
    (sched.LambdaLR, dict(lr_lambda=lambda e: 1 / (1 + e))),
    (sched.OneCycleLR, dict(max_lr=0.5, total_steps=30)),
]


@pytest.mark.parametrize("cls,kw", RESUMABLE, ids=[c.__name__ for c, _ in RESUMABLE])
def test_resume_scheduler_from_state_dicts(cls, kw):
    def make():
        opt = optim.SGD([chainrule.tensor(np.zeros(2), requires_grad=True)], lr=0.1,
                        momentum=0.9)
        return opt, cls(opt, **kw)

    opt, s = make()
    full = []
    for i in range(25):
        opt.step()
        s.step()
        full.append(s.get_last_lr())
        if i == 9:
            saved = copy.deepcopy((opt.state_dict(), s.state_dict()))
    opt2, s2 = make()
    opt2.load_state_dict(saved[0])
    s2.load_state_dict(saved[1])
    rest = []
    for _ in range(15):
        opt2.step()
        s2.step()
        rest.append(s2.get_last_lr())
    assert rest == full[10:]
    assert s2.last_epoch == s.last_epoch


def test_reduce_on_plateau_resume():
    def make():
        opt = optim.SGD([chainrule.tensor(np.zeros(2), requires_grad=True)], lr=0.1)
        return opt, sched.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    metrics = [1.0, 0.9, 0.95, 0.97, 0.99, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2]
    opt, s = make()
    for m in metrics[:5]:
        s.step(m)
    saved = copy.deepcopy((opt.state_dict(), s.state_dict()))
    lrs = []
    for m in metrics[5:]:
        s.step(m)
        lrs.append(s.get_last_lr())
    opt2, s2 = make()
    opt2.load_state_dict(saved[0])
    s2.load_state_dict(saved[1])
    assert [s2.step(m) or s2.get_last_lr() for m in metrics[5:]] == lrs


def test_schedulers_check_their_arguments(torch):
    opt_c, _ = _opts(torch)
    with pytest.raises(TypeError, match="expected a chainrule.optim.Optimizer"):
        sched.StepLR(object(), 3)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        sched.StepLR(opt_c, 0)
    with pytest.raises(ValueError, match="T_max must be positive"):
        sched.CosineAnnealingLR(opt_c, T_max=0)
    with pytest.raises(ValueError, match="start_factor must be in"):
        sched.LinearLR(opt_c, start_factor=0)
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(optim.SGD([chainrule.tensor(np.zeros(2), requires_grad=True)]), 3,
                     last_epoch=4)


def test_multistep_state_survives_a_plain_dict_round_trip(torch):
    opt_c, opt_t = _opts(torch)
    s = sched.MultiStepLR(opt_c, milestones=[2, 5, 5])
    state = s.state_dict()
    state["milestones"] = {str(k): v for k, v in state["milestones"].items()}  # as from JSON
    fresh = sched.MultiStepLR(_opts(torch)[0], milestones=[1])
    fresh.load_state_dict(state)
    with pytest.warns(UserWarning):
        fresh.step(6)
    s_t = torch.optim.lr_scheduler.MultiStepLR(opt_t, milestones=[2, 5, 5])
    with pytest.warns(UserWarning):
        s_t.step(6)
    assert fresh.get_last_lr() == s_t.get_last_lr()
