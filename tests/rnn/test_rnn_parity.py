"""RNN, LSTM and GRU modules against PyTorch: outputs, final states, input and state gradients
and every weight gradient, float64, rtol 1e-7, over every combination of layers 1-2,
uni/bidirectional, batch_first and given/zero initial state."""
import itertools

import numpy as np
import pytest

import chainrule as cr
from rnn_testutil import (GATES, assert_module_grads, assert_run_matches, backward_both,
                          flat_outputs, make_pair)

KINDS = sorted(GATES)
COMBOS = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


def _states(torch, kind, shape, rng):
    arrays = [rng.normal(size=shape) for _ in range(2 if kind == "lstm" else 1)]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    if kind == "lstm":
        return ours, theirs, tuple(ours), tuple(theirs)
    return ours, theirs, ours[0], theirs[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers,bidirectional,batch_first,given_hx", COMBOS,
                         ids=[f"L{a}-{'bi' if b else 'uni'}-{'bf' if c else 'tf'}-"
                              f"{'hx' if d else 'nohx'}" for a, b, c, d in COMBOS])
def test_module_matches_torch(kind, layers, bidirectional, batch_first, given_hx, torch):
    T, B, I, H = 4, 3, 5, 4
    ours, theirs = make_pair(torch, kind, I, H, num_layers=layers, bidirectional=bidirectional,
                             batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, I) if batch_first else (T, B, I))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves_o, leaves_t, hx_o, hx_t = [], [], None, None
    if given_hx:
        D = 2 if bidirectional else 1
        leaves_o, leaves_t, hx_o, hx_t = _states(torch, kind, (layers * D, B, H), rng)
    outs_o = flat_outputs(ours(xo, hx_o))
    outs_t = flat_outputs(theirs(xt, hx_t))
    assert_run_matches(torch, ours, theirs, outs_o, outs_t, [xo] + leaves_o,
                       [xt] + leaves_t)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("given_hx", [False, True])
def test_unbatched_input_matches_torch(kind, given_hx, torch):
    T, I, H = 3, 2, 3
    ours, theirs = make_pair(torch, kind, I, H, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(T, I))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves_o, leaves_t, hx_o, hx_t = [], [], None, None
    if given_hx:
        leaves_o, leaves_t, hx_o, hx_t = _states(torch, kind, (4, H), rng)
    outs_o, outs_t = flat_outputs(ours(xo, hx_o)), flat_outputs(theirs(xt, hx_t))
    assert_run_matches(torch, ours, theirs, outs_o, outs_t, [xo] + leaves_o,
                       [xt] + leaves_t)


@pytest.mark.parametrize("kind", KINDS)
def test_no_bias_matches_torch(kind, torch):
    ours, theirs = make_pair(torch, kind, 3, 4, num_layers=2, bias=False)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = np.random.default_rng(2).normal(size=(5, 2, 3))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs_o, outs_t = flat_outputs(ours(xo)), flat_outputs(theirs(xt))
    for o, t in zip(outs_o, outs_t):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-7, atol=1e-10)
    backward_both(torch, outs_o, outs_t)
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-7, atol=1e-10)
    assert_module_grads(ours, theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_module_matches_torch_float32(kind, torch):
    ours, theirs = make_pair(torch, kind, 6, 8, num_layers=2, bidirectional=True)
    ours.float()
    theirs.float()
    x = np.random.default_rng(3).normal(size=(7, 4, 6)).astype(np.float32)
    xo = cr.tensor(x, requires_grad=True)
    outs_o, outs_t = flat_outputs(ours(xo)), flat_outputs(theirs(torch.from_numpy(x)))
    for o, t in zip(outs_o, outs_t):
        assert o.dtype == np.float32
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-4, atol=1e-6)
    sum(o.sum() for o in outs_o).backward()
    assert xo.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in ours.parameters())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("B", [4, 5])
def test_batch_halves_on_two_threads_match_torch(kind, bidirectional, B, torch, monkeypatch):
    # large batches may run the time loops as two halves of the batch on two threads
    # (recurrent.run_batch_halves); forced here for a small batch, odd sizes included
    from chainrule import _autotune
    from chainrule.ops import recurrent
    monkeypatch.setattr(recurrent, "MIN_SPLIT_BATCH", 2)
    monkeypatch.setattr(_autotune, "FORCE", 1)
    ran = []
    real = recurrent._parallel.run_two
    monkeypatch.setattr(recurrent._parallel, "run_two",
                        lambda *fns: ran.append(len(fns)) or real(*fns))
    T, I, H = 4, 5, 4
    ours, theirs = make_pair(torch, kind, I, H, num_layers=2, bidirectional=bidirectional)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, I))
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves_o, leaves_t, hx_o, hx_t = _states(torch, kind, (2 * (1 + bidirectional), B, H), rng)
    assert_run_matches(torch, ours, theirs, flat_outputs(ours(xo, hx_o)),
                       flat_outputs(theirs(xt, hx_t)), [xo] + leaves_o, [xt] + leaves_t)
    if recurrent._threads.get_blas_threads() > 1:      # (one thread: nothing to split over)
        assert len(ran) == 2 * 2 * (1 + bidirectional)  # forward and backward of each layer


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_batch_halves_without_grad_match_torch(kind, torch, monkeypatch):
    # inference (no saved derivatives, one reused slot of the GRU's gates) in halves too
    from chainrule import _autotune
    from chainrule.ops import recurrent
    monkeypatch.setattr(recurrent, "MIN_SPLIT_BATCH", 2)
    monkeypatch.setattr(_autotune, "FORCE", 1)
    ours, theirs = make_pair(torch, kind, 5, 4, num_layers=2)
    x = np.random.default_rng(0).normal(size=(6, 5, 5))
    with cr.no_grad():
        out_o = flat_outputs(ours(cr.tensor(x)))
    with torch.no_grad():
        out_t = flat_outputs(theirs(torch.tensor(x)))
    for a, b in zip(out_o, out_t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
