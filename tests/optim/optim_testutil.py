"""Shared by the optimizer tests: plain training on given gradients, and the check that a
torch optimizer's state_dict resumes training identically in chainrule."""
import numpy as np

import chainrule
from chainrule import optim
from chainrule.nn.parameter import Parameter


def config_id(config):
    """A test id for a (name, kwargs) config: the name and every option but lr."""
    name, kw = config
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items() if k != "lr")


def assert_params_close(ours, theirs, what, rtol, atol):
    """Our parameters equal torch's, one by one."""
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{what}: parameter {i}")


def train(opt, params, grads):
    """One opt.step() per entry of ``grads`` (a list of per-parameter gradient arrays)."""
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = chainrule.tensor(g.copy())
        opt.step()


def check_resume_from_torch(torch, rng, name, kw):
    """Train torch's ``name`` optimizer 12 steps; after 6, load its state_dict into ours (same
    state and group keys) and train on: the parameters at the end agree to 1e-10."""
    start = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(a.shape) for a in start] for _ in range(12)]
    qs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_t = getattr(torch.optim, name)(qs, foreach=False, **kw)
    for step, step_grads in enumerate(grads):
        if step == 6:
            ps = [Parameter(q.detach().numpy().copy()) for q in qs]
            opt_c = getattr(optim, name)(ps, **kw)
            opt_c.load_state_dict(opt_t.state_dict())
            sd_c, sd_t = opt_c.state_dict(), opt_t.state_dict()
            assert set(sd_c["state"][0]) == set(sd_t["state"][0])
            assert set(sd_t["param_groups"][0]) <= set(sd_c["param_groups"][0])
        if step >= 6:
            train(opt_c, ps, [step_grads])
        for q, g in zip(qs, step_grads):
            q.grad = torch.tensor(g.copy())
        opt_t.step()
    for p, q in zip(ps, qs):
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=1e-10)
