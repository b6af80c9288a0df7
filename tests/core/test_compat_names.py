"""torch's smaller names that scripts call: Size, compile, the determinism and matmul-precision
switches, autograd.Variable, nn.init.trunc_normal_, utils.checkpoint."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_size_is_a_tuple_with_numel(torch):
    s = cr.Size([2, 3, 4])
    assert s == (2, 3, 4) == tuple(torch.Size([2, 3, 4])) and s.numel() == 24
    with pytest.raises(TypeError, match="Size: expected a sequence of ints"):
        cr.Size([2.5])


def test_compile_returns_what_it_gets():
    model = nn.Linear(2, 2)
    assert cr.compile(model) is model
    assert cr.compile(mode="max-autotune")(len) is len
    with pytest.raises(TypeError, match="compile: expected a Module or function"):
        cr.compile(3)


def test_flags_round_trip_and_check_their_values():
    cr.use_deterministic_algorithms(True, warn_only=True)
    assert cr.are_deterministic_algorithms_enabled()
    assert cr.is_deterministic_algorithms_warn_only_enabled()
    cr.use_deterministic_algorithms(False)
    assert not cr.are_deterministic_algorithms_enabled()
    cr.set_float32_matmul_precision("high")
    assert cr.get_float32_matmul_precision() == "high"
    cr.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="set_float32_matmul_precision: expected"):
        cr.set_float32_matmul_precision("low")


def test_variable_is_a_tensor():
    v = cr.autograd.Variable(cr.ones(2), requires_grad=True)
    assert isinstance(v, cr.Tensor) and v.requires_grad and v.is_leaf


def test_trunc_normal_stays_in_bounds_with_the_right_spread():
    w = cr.empty(200, 200)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=2.0, generator=cr.Generator(0))
    d = w._data
    assert d.dtype == np.float32 and d.min() >= -1.0 and d.max() <= 2.0
    # mean of N(0.5, 1) truncated to [-1.5, 1.5] std units around its mean is 0.5
    assert abs(d.mean() - 0.5) < 0.01 and 0.6 < d.std() < 0.8
    with pytest.raises(ValueError, match="trunc_normal_: needs a < b"):
        nn.init.trunc_normal_(w, a=1.0, b=0.0)


def test_checkpoint_gives_the_plain_forward_and_gradients():
    from chainrule.utils.checkpoint import checkpoint, checkpoint_sequential
    layer = nn.Linear(3, 3)
    x = cr.randn(4, 3, requires_grad=True)
    out = checkpoint(layer, x, use_reentrant=False)
    np.testing.assert_array_equal(out._data, layer(x)._data)
    out.sum().backward()
    assert x.grad is not None
    seq = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    np.testing.assert_array_equal(checkpoint_sequential(seq, 2, x)._data, seq(x)._data)
