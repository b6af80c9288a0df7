"""LBFGS against PyTorch: Rosenbrock and small least-squares models, fixed step and strong
Wolfe, float64; the parameters after every step(closure), the loss it returns and the
evaluation counts equal PyTorch's. Resumption from state dicts; argument errors."""
import copy

import numpy as np
import pytest

import chainrule
from chainrule import optim
from chainrule.optim._strong_wolfe import cubic_minimum
from chainrule.optim.lbfgs import add_scaled_

STEPS = 10


pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


def _values(lib, params):
    return np.concatenate([np.asarray(p.detach().numpy() if lib is not chainrule else p._data,
                                      dtype=np.float64).ravel() for p in params])


def _run(lib, problem, kw, steps=STEPS, state_from=None):
    """Run LBFGS on ``problem`` in ``lib``; the parameters and loss after every step."""
    params = problem.params(lib)
    opt = (optim if lib is chainrule else lib.optim).LBFGS(params, **kw)

    def closure():
        opt.zero_grad()
        loss = problem.loss(lib, params)
        loss.backward()
        return loss

    trajectory, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).item()))
        trajectory.append(_values(lib, params))
    return np.array(trajectory), np.array(losses), opt, params


class Rosenbrock:
    start = np.array([-1.5, 2.0])

    def params(self, lib):
        return [lib.tensor(self.start.copy(), requires_grad=True)]

    def loss(self, lib, params):
        (x,) = params
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


class LeastSquares:
    """A linear model fit by least squares (``tanh=True``: a non-linear one), with a third
    parameter the loss never uses (its gradient stays None: LBFGS counts it as zeros)."""

    def __init__(self, tanh=False, dtype=np.float64):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((20, 4)).astype(dtype)
        self.y = rng.standard_normal((20, 2)).astype(dtype)
        self.start = [(rng.standard_normal((2, 4)) * 0.5).astype(dtype),
                      (rng.standard_normal(2) * 0.1).astype(dtype), np.ones(3, dtype)]
        self.tanh = tanh

    def params(self, lib):
        return [lib.tensor(a.copy(), requires_grad=True) for a in self.start]

    def loss(self, lib, params):
        w, b, _ = params
        out = lib.tensor(self.x) @ w.T + b
        if self.tanh:
            out = lib.tanh(out)
        return ((out - lib.tensor(self.y)) ** 2).mean()


def _assert_same_run(problem, kw, torch, atol=1e-8):
    ours, ours_loss, opt_c, params_c = _run(chainrule, problem, kw)
    theirs, theirs_loss, opt_t, params_t = _run(torch, problem, kw)
    for step in range(STEPS):
        np.testing.assert_allclose(ours[step], theirs[step], rtol=1e-8, atol=atol,
                                   err_msg=f"LBFGS {kw}: step {step + 1}")
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-10, atol=1e-14)
    state_c, state_t = opt_c.state[params_c[0]], opt_t.state[params_t[0]]
    assert (state_c["func_evals"], state_c["n_iter"]) == (state_t["func_evals"],
                                                          state_t["n_iter"])
    assert set(state_c) == set(state_t)
    start = _values(chainrule, problem.params(chainrule))
    assert np.abs(ours[-1] - start).max() > 1e-2  # it did move


ROSENBROCK = [dict(line_search_fn="strong_wolfe"),
              dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5),
              dict(line_search_fn="strong_wolfe", max_iter=4, max_eval=6),  # line search cut
              dict(line_search_fn="strong_wolfe", lr=0.5, tolerance_change=1e-4),
              dict(lr=0.1),
              dict(lr=0.01, history_size=2)]


@pytest.mark.parametrize("kw", ROSENBROCK, ids=[str(kw) for kw in ROSENBROCK])
def test_rosenbrock_trajectory_matches_torch(kw, torch):
    _assert_same_run(Rosenbrock(), kw, torch)


def test_rosenbrock_converges_with_strong_wolfe():
    trajectory, losses, _, _ = _run(chainrule, Rosenbrock(), dict(line_search_fn="strong_wolfe"))
    np.testing.assert_allclose(trajectory[-1], [1.0, 1.0], atol=1e-5)
    assert losses[-1] < 1e-9


LEAST_SQUARES = [dict(), dict(lr=0.5), dict(line_search_fn="strong_wolfe"),
                 dict(max_iter=3, history_size=2),
                 dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4),
                 dict(line_search_fn="strong_wolfe", lr=0.3, max_iter=7, max_eval=9)]


# (A fixed step of 0.5 on the tanh model is left out: that run is chaotic, and the last-bit
# differences of the two autograds grow to 1e-2 within ten steps.)
LEAST_SQUARES_RUNS = [(tanh, kw) for tanh in (False, True) for kw in LEAST_SQUARES
                      if not (tanh and kw == dict(lr=0.5))]


@pytest.mark.parametrize("tanh,kw", LEAST_SQUARES_RUNS,
                         ids=[f"{'tanh' if t else 'linear'}-{kw}" for t, kw in LEAST_SQUARES_RUNS])
def test_least_squares_trajectory_matches_torch(tanh, kw, torch):
    _assert_same_run(LeastSquares(tanh), kw, torch)


def test_float32_least_squares_tracks_torch_and_stays_float32(torch):
    problem = LeastSquares(dtype=np.float32)
    kw = dict(line_search_fn="strong_wolfe", max_iter=5)
    ours, _, opt, params = _run(chainrule, problem, kw, steps=3)
    theirs, _, _, _ = _run(torch, problem, kw, steps=3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert all(p._data.dtype == np.float32 for p in params)
    assert opt.state[params[0]]["d"]._data.dtype == np.float32


@pytest.mark.parametrize("kw", [dict(history_size=3), dict(line_search_fn="strong_wolfe")],
                         ids=["fixed", "strong_wolfe"])
def test_resume_from_state_dict_is_bit_identical(kw, tmp_path):
    problem = LeastSquares(tanh=True)
    kw = dict(kw, max_iter=4)
    expected, expected_loss, _, _ = _run(chainrule, problem, kw, steps=6)

    _, _, first, params = _run(chainrule, problem, kw, steps=3)
    chainrule.save(first.state_dict(), tmp_path / "lbfgs.safetensors")
    saved = copy.deepcopy(first.state_dict())
    at_three = [p._data.copy() for p in params]
    for checkpoint in (saved, chainrule.load(tmp_path / "lbfgs.safetensors")):
        resumed_params = [chainrule.tensor(a.copy(), requires_grad=True) for a in at_three]
        resumed = optim.LBFGS(resumed_params, **kw)
        resumed.load_state_dict(checkpoint)

        def closure():
            resumed.zero_grad()
            loss = problem.loss(chainrule, resumed_params)
            loss.backward()
            return loss

        for step in range(3, 6):
            assert float(resumed.step(closure).item()) == expected_loss[step]
            np.testing.assert_array_equal(_values(chainrule, resumed_params), expected[step])


def test_torch_state_dict_loads_and_training_continues_identically(torch):
    problem = Rosenbrock()
    kw = dict(line_search_fn="strong_wolfe", max_iter=3)
    theirs, _, opt_t, params_t = _run(torch, problem, kw, steps=3)
    params = [chainrule.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params_t]
    opt = optim.LBFGS(params, **kw)
    opt.load_state_dict(opt_t.state_dict())
    assert set(opt.state_dict()["param_groups"][0]) == set(opt_t.state_dict()["param_groups"][0])

    def closure_for(lib, o, ps):
        def closure():
            o.zero_grad()
            loss = problem.loss(lib, ps)
            loss.backward()
            return loss
        return closure

    for _ in range(4):
        opt.step(closure_for(chainrule, opt, params))
        opt_t.step(closure_for(torch, opt_t, params_t))
        np.testing.assert_allclose(_values(chainrule, params), _values(torch, params_t),
                                   rtol=0, atol=1e-10)
    assert opt.state[params[0]]["n_iter"] == opt_t.state[params_t[0]]["n_iter"]


def test_already_optimal_returns_at_once(torch):
    x = chainrule.tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    assert float(opt.step(closure).item()) == 0.0
    assert len(calls) == 1 and opt.state[x] == {"func_evals": 1, "n_iter": 0}


@pytest.mark.parametrize("kw,error,message", [
    (dict(lr=-1.0), ValueError, "LBFGS: invalid learning rate: -1.0 (expected lr >= 0)"),
    (dict(max_iter=0), ValueError, "LBFGS: invalid max_iter: 0 (expected max_iter >= 1)"),
    (dict(max_iter=2.5), TypeError, "LBFGS: max_iter must be an int, got 2.5"),
    (dict(max_eval=0), ValueError, "LBFGS: invalid max_eval: 0"),
    (dict(history_size=0), ValueError, "LBFGS: invalid history_size: 0"),
    (dict(tolerance_grad=-1.0), ValueError, "LBFGS: invalid tolerance_grad: -1.0"),
    (dict(tolerance_change=-1.0), ValueError, "LBFGS: invalid tolerance_change: -1.0"),
    (dict(line_search_fn="armijo"), ValueError,
     "LBFGS: line_search_fn must be None or 'strong_wolfe', got 'armijo'"),
])
def test_invalid_arguments_raise_naming_them(kw, error, message):
    with pytest.raises(error) as info:
        optim.LBFGS([chainrule.tensor(np.zeros(2), requires_grad=True)], **kw)
    assert message in str(info.value)


def test_one_group_only_and_a_closure_is_required():
    a, b = (chainrule.tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [b]})
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="the closure returned None"):
        opt.step(lambda: None)


def test_cubic_minimum_finds_the_minimum_of_a_cubic():
    def f(x):  # minimum at x = 2 / 3 (f' = 3x^2 - 2x = x (3x - 2))
        return x ** 3 - x ** 2, 3 * x ** 2 - 2 * x
    (f1, g1), (f2, g2) = f(0.2), f(1.5)
    assert cubic_minimum(0.2, f1, g1, 1.5, f2, g2) == pytest.approx(2 / 3, rel=1e-12)
    assert cubic_minimum(1.5, f2, g2, 0.2, f1, g1) == pytest.approx(2 / 3, rel=1e-12)
    assert cubic_minimum(0.2, f1, g1, 1.5, f2, g2, bounds=(1.0, 2.0)) == 1.0
    # slopes 1 at both ends and a rise of 2/3: the cubic x^3 - x^2 + x only increases, so
    # the middle of the bounds
    assert cubic_minimum(0.0, 0.0, 1.0, 1.0, 2 / 3, 1.0, bounds=(0.0, 4.0)) == 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_scaled_rounds_once_like_a_fused_multiply_add(dtype, torch):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(50).astype(dtype), rng.standard_normal(50).astype(dtype)
    alpha = 0.3712345678901
    expected = torch.tensor(y.copy()).add_(torch.tensor(x), alpha=alpha).numpy()
    got = add_scaled_(y.copy(), alpha, x, np.empty_like(y))
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=2 * np.finfo(dtype).eps)


def test_training_checkpoint_of_a_model_resumes_exactly(tmp_path):
    """Through chainrule.train's save_checkpoint / load_checkpoint, as a training script
    would: LBFGS's lists of flat vectors and its scalars survive the file."""
    from chainrule.train.checkpoint import load_checkpoint, save_checkpoint
    rng = np.random.default_rng(3)
    x = chainrule.tensor(rng.standard_normal((16, 3)))
    y = chainrule.tensor(rng.standard_normal((16, 2)))

    def make():
        chainrule.manual_seed(0)
        model = chainrule.nn.Sequential(chainrule.nn.Linear(3, 4), chainrule.nn.Tanh(),
                                        chainrule.nn.Linear(4, 2)).double()
        return model, optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=4,
                                  history_size=3)

    def train(model, opt, steps):
        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss
        return [float(opt.step(closure).item()) for _ in range(steps)]

    model, opt = make()
    train(model, opt, 3)
    save_checkpoint(tmp_path / "run.ckpt", model, opt, epoch=3)
    expected = train(model, opt, 3)
    model2, opt2 = make()
    load_checkpoint(tmp_path / "run.ckpt", model2, opt2)
    assert train(model2, opt2, 3) == expected
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(a._data, b._data)
