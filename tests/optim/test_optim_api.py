"""Optimizer bookkeeping: argument checks, zero_grad, param groups, and exact resume from a
state dict."""
import copy

import numpy as np
import pytest
from optim_testutil import check_resume_from_torch, train

import chainrule
from chainrule import optim
from chainrule.nn.parameter import Parameter

ALL = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, l1=1e-3)),
       ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
       ("AdamW", dict(lr=0.05)),
       ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
       ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1))]


def _params(rng):
    return [Parameter(rng.standard_normal((4, 3))), Parameter(rng.standard_normal(3))]


def _set_grads(params, rng):
    for p in params:
        p.grad = chainrule.tensor(rng.standard_normal(p.shape))


# ---- argument checks --------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw,message", [
    ("Adam", dict(lr=-1.0), "Adam: invalid learning rate: -1.0 (expected lr >= 0)"),
    ("Adam", dict(betas=(1.0, 0.999)), "Adam: invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1e-8), "Adam: invalid epsilon value: -1e-08"),
    ("Adam", dict(weight_decay=-0.1), "Adam: invalid weight_decay value: -0.1"),
    ("Adam", dict(betas=0.9), "Adam: betas must be a pair (beta1, beta2), got 0.9"),
    ("AdamW", dict(lr=-0.5), "AdamW: invalid learning rate: -0.5"),
    ("SGD", dict(lr=-0.1), "SGD: invalid learning rate: -0.1"),
    ("SGD", dict(momentum=-0.9), "SGD: invalid momentum: -0.9 (expected momentum >= 0)"),
    ("SGD", dict(weight_decay=-1), "SGD: invalid weight_decay: -1"),
    ("SGD", dict(l1=-0.1), "SGD: invalid l1: -0.1"),
    ("SGD", dict(nesterov=True), "nesterov=True requires momentum > 0 and dampening = 0"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "dampening = 0"),
    ("RMSprop", dict(alpha=-0.5), "RMSprop: invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.5), "RMSprop: invalid momentum value: -0.5"),
    ("RMSprop", dict(eps=-1.0), "RMSprop: invalid epsilon value"),
    ("Adagrad", dict(lr_decay=-0.1), "Adagrad: invalid lr_decay value: -0.1"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "invalid initial_accumulator_value"),
    ("Adagrad", dict(eps=-1.0), "Adagrad: invalid epsilon value"),
])
def test_invalid_hyper_parameters_raise_naming_the_argument(name, kw, message, rng):
    with pytest.raises(ValueError) as info:
        getattr(optim, name)(_params(rng), **kw)
    assert message in str(info.value)


def test_invalid_group_override_is_rejected(rng):
    opt = optim.SGD(_params(rng)[:1], lr=0.1)
    with pytest.raises(ValueError, match="SGD: invalid learning rate: -2"):
        opt.add_param_group({"params": [Parameter(np.zeros(2))], "lr": -2})
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.Adam(_params(rng), lr="0.1")


def test_bad_params_raise(rng):
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(Parameter(np.zeros(3)))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.Adam([np.zeros(3)])
    leaf = chainrule.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.Adam([leaf * 2])
    with pytest.raises(TypeError, match="ordered collection"):
        optim.Adam({leaf})
    shared = Parameter(np.zeros(2))
    opt = optim.SGD([shared], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [shared]})
    with pytest.raises(ValueError, match="contains the same parameter twice"):
        optim.Adam([leaf, leaf])


def test_gradient_shape_mismatch_is_reported(rng):
    p = Parameter(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(3,\) but the tensor has "
                                           r"shape \(2, 3\)"):
        p.grad = chainrule.tensor(np.zeros(3))
    p.grad = chainrule.tensor(np.zeros((2, 3)))
    p.grad._data = np.zeros(3)  # swapped behind the setter's back: the optimizer still refuses
    with pytest.raises(ValueError, match=r"shape \(2, 3\) has a gradient of shape \(3,\)"):
        optim.SGD([p], lr=0.1).step()


# ---- zero_grad, closure, groups ---------------------------------------------------------------
def test_zero_grad_to_none_and_to_zeros(rng):
    params = _params(rng)
    opt = optim.SGD(params, lr=0.1)
    _set_grads(params, rng)
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is g and not p.grad._data.any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_with_closure_returns_its_loss(rng):
    w = Parameter(np.array([1.0, -2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.item()) == 5.0
    np.testing.assert_allclose(w._data, [0.5, -1.0])


def test_named_params_are_recorded(rng):
    a, b = _params(rng)
    opt = optim.Adam([("layer.weight", a), ("layer.bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]


def test_repr_lists_groups(rng):
    text = repr(optim.Adam(_params(rng), lr=0.1))
    assert text.startswith("Adam (\nParameter Group 0\n") and "    lr: 0.1\n" in text


def test_state_dict_layout_matches_torch(torch, rng):
    for name, kw in ALL:
        ours = _params(rng)
        theirs = [torch.tensor(p._data.copy(), requires_grad=True) for p in ours]
        opt_c = getattr(optim, name)(ours, foreach=False, **kw)
        kw_t = {k: v for k, v in kw.items() if k != "l1"}
        opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kw_t)
        for p, q in zip(ours, theirs):
            p.grad = chainrule.tensor(rng.standard_normal(p.shape))
            q.grad = torch.tensor(p.grad._data.copy())
        opt_c.step()
        opt_t.step()
        sd_c, sd_t = opt_c.state_dict(), opt_t.state_dict()
        assert sd_c["state"].keys() == sd_t["state"].keys()
        for i in sd_t["state"]:
            assert set(sd_c["state"][i]) == set(sd_t["state"][i]), name
            assert sd_c["state"][i]["step" if "step" in sd_t["state"][i] else
                                    "momentum_buffer"] is not None
        assert [g["params"] for g in sd_c["param_groups"]] == \
            [g["params"] for g in sd_t["param_groups"]]
        assert set(sd_t["param_groups"][0]) <= set(sd_c["param_groups"][0]), name
        for key, value in sd_c["param_groups"][0].items():
            if key in sd_t["param_groups"][0]:
                assert value == sd_t["param_groups"][0][key], (name, key)


# ---- resume -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", ALL, ids=[n for n, _ in ALL])
@pytest.mark.parametrize("as_arrays", [False, True], ids=["tensors", "arrays"])
def test_resume_from_state_dict_is_bit_identical(name, kw, as_arrays, rng):
    params = _params(rng)
    start = [p._data.copy() for p in params]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(20)]
    # one uninterrupted run
    opt = getattr(optim, name)(params, **kw)
    train(opt, params, grads)
    expected = [p._data.copy() for p in params]
    # the same run stopped after 8 steps, checkpointed, and continued by a fresh optimizer
    params = [Parameter(a.copy()) for a in start]
    first = getattr(optim, name)(params, **kw)
    train(first, params, grads[:8])
    checkpoint = copy.deepcopy(first.state_dict())
    if as_arrays:  # as after a round trip through a file of plain arrays
        checkpoint["state"] = {k: {n: (v._data if hasattr(v, "data") else v) for n, v in s.items()}
                               for k, s in checkpoint["state"].items()}
    train(first, params, grads[8:9])  # must not leak into the checkpoint
    resumed_params = [Parameter(a.copy()) for a in start]
    train(getattr(optim, name)(resumed_params, **kw), resumed_params, grads[:8])
    resumed = getattr(optim, name)(resumed_params, **kw)
    resumed.load_state_dict(checkpoint)
    train(resumed, resumed_params, grads[8:])
    for got, want in zip(resumed_params, expected):
        np.testing.assert_array_equal(got._data, want)


def test_load_state_dict_restores_hyper_parameters_and_copies_buffers(rng):
    params = _params(rng)
    opt = optim.Adam(params, lr=0.1)
    _set_grads(params, rng)
    opt.step()
    other = optim.Adam([Parameter(p._data.copy()) for p in params], lr=0.5, betas=(0.5, 0.6))
    sd = opt.state_dict()
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["betas"] == (0.9, 0.999)
    mine = other.state[other.param_groups[0]["params"][0]]["exp_avg"]
    assert mine._data is not sd["state"][0]["exp_avg"]._data
    assert other.state[other.param_groups[0]["params"][0]]["step"] == 1


def test_load_state_dict_rejects_mismatches(rng):
    params = _params(rng)
    opt = optim.Adam(params, lr=0.1)
    _set_grads(params, rng)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state dict but 1"):
        optim.Adam([Parameter(np.zeros(2))], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="has 1 parameter groups but the optimizer has 2"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(4, 3\)"):
        optim.Adam([Parameter(np.zeros(5)), Parameter(np.zeros(3))]).load_state_dict(sd)


def test_adamw_stays_decoupled_after_loading_an_adam_state(rng):
    params = _params(rng)
    sd = optim.Adam(params, lr=0.1, weight_decay=0.1).state_dict()
    opt = optim.AdamW(params, lr=0.1)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)),
                                     ("Adam", dict(lr=0.05, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1))])
def test_torch_state_dict_loads_and_training_continues_identically(name, kw, torch, rng):
    check_resume_from_torch(torch, rng, name, kw)


def test_centered_rmsprop_stays_finite_on_a_constant_gradient():
    import warnings

    import chainrule as cr
    g = (0.01 * np.random.default_rng(0).standard_normal(1000)).astype(np.float32)
    p = cr.nn.Parameter(np.zeros(1000, np.float32))
    opt = cr.optim.RMSprop([p], lr=1e-3, centered=True, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3000):
            p.grad = cr.tensor(g)
            opt.step()
    assert np.isfinite(p.detach().numpy()).all()


# ---- PyTorch's constructor arguments ------------------------------------------------------------
EVERY = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "LBFGS"]


@pytest.mark.parametrize("name", EVERY)
def test_constructor_takes_torch_arguments_and_groups_hold_torch_keys(name, torch, rng):
    """Same argument names, kinds (positional or keyword-only), order and defaults as
    PyTorch's constructor, and the same hyper-parameters in each group, so code written for
    torch.optim (including code reading ``param_groups[0]["foreach"]``) runs unchanged."""
    import inspect
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    positional = [a for a, p in theirs.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert [a for a, p in ours.items() if p.kind == p.POSITIONAL_OR_KEYWORD][:len(positional)] \
        == positional
    for arg, p in theirs.items():
        assert arg in ours, f"{name} lacks PyTorch's argument {arg!r}"
        assert ours[arg].kind == p.kind, (name, arg)
        assert ours[arg].default == p.default, (name, arg)
    w = rng.standard_normal(3)
    group_c = getattr(optim, name)([chainrule.tensor(w, requires_grad=True)]).param_groups[0]
    group_t = getattr(torch.optim, name)([torch.tensor(w, requires_grad=True)]).param_groups[0]
    assert set(group_t) <= set(group_c), name
    for key in set(group_t) - {"params"}:
        assert group_c[key] == group_t[key], (name, key)


def test_param_group_edits_take_effect_like_torch(torch, rng):
    w0 = rng.standard_normal(4)
    ours, theirs = chainrule.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt_c, opt_t = optim.NAdam([ours], lr=0.1), torch.optim.NAdam([theirs], lr=0.1)
    for step in range(6):
        if step == 3:
            for opt in (opt_c, opt_t):
                opt.param_groups[0]["lr"] = 0.01
                opt.param_groups[0]["weight_decay"] = 0.5
        g = rng.standard_normal(4)
        ours.grad, theirs.grad = chainrule.tensor(g), torch.tensor(g)
        opt_c.step()
        opt_t.step()
        opt_c.zero_grad(set_to_none=True)
        opt_t.zero_grad(set_to_none=True)
        assert ours.grad is None
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "SGD", "RMSprop", "Adagrad"])
def test_unsupported_switches_are_refused(name, rng):
    params = [Parameter(rng.standard_normal(3))]
    with pytest.raises(ValueError, match=f"{name}: differentiable=True is not supported"):
        getattr(optim, name)(params, differentiable=True)
    if name in ("Adam", "AdamW", "SGD", "Adagrad"):
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
            getattr(optim, name)(params, fused=True, foreach=True)
        assert getattr(optim, name)(params, fused=True).param_groups[0]["fused"] is True
    opt = getattr(optim, name)(params)
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        opt.add_param_group({"params": [Parameter(np.zeros(2))], "differentiable": True})
