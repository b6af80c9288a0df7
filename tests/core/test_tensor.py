"""Tensor basics: dtype inference, conversion, repr, and the autograd engine's semantics."""
import sys

import numpy as np
import pytest

import chainrule as cr


def test_dtype_inference_follows_torch():
    assert cr.tensor([1.0, 2.0]).dtype == cr.float32
    assert cr.tensor(1.5).dtype == cr.float32
    assert cr.tensor([1, 2]).dtype == cr.int64
    assert cr.tensor([True, False]).dtype == cr.bool
    assert cr.tensor(np.zeros(3)).dtype == cr.float64
    assert cr.tensor(np.zeros(3, np.float32)).dtype == cr.float32
    assert cr.tensor(np.arange(3, dtype=np.int32)).dtype == cr.int32
    assert cr.tensor([1, 2], dtype=cr.float64).dtype == cr.float64
    assert cr.zeros(2, 3).dtype == cr.float32 and cr.randn(2).dtype == cr.float32
    assert cr.arange(5).dtype == cr.int64 and cr.arange(0.0, 1.0, 0.25).dtype == cr.float32


def test_tensor_copies_but_as_tensor_shares():
    a = np.zeros(3)
    t = cr.tensor(a)
    a[0] = 1
    assert t.numpy()[0] == 0
    assert cr.as_tensor(a).numpy() is a


def test_python_scalars_keep_float32():
    x = cr.ones(3)
    for y in (x * 2.0, 2.0 * x, x / 3, x ** 2, 1 - x, x + np.float32(1)):
        assert y.dtype == cr.float32


def test_attributes_and_conversions():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and x.size(1) == 2
    assert x.is_leaf and x.grad is None
    assert x.sum().item() == 10.0
    assert x.detach().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    with pytest.raises(ValueError, match="one-element"):
        x.item()


@pytest.mark.parametrize("data", [[1.0, 2.5], [0.1, 2.0, 3.14159], [1.0, 2.0], [1e-5, 1.0],
                                  [[1.5, 2.0], [3.0, 4.0]], [1, 2], [True, False], []])
def test_repr_matches_torch(data, torch):
    assert repr(cr.tensor(data)) == repr(torch.tensor(data))
    assert repr(cr.zeros(0, 3)) == repr(torch.zeros(0, 3))


def test_repr_extras():
    assert "requires_grad=True" in repr(cr.tensor([1.0], requires_grad=True))
    assert "dtype=chainrule.float64" in repr(cr.tensor(np.ones(2)))
    assert "grad_fn=<MulBackward>" in repr(cr.tensor([1.0], requires_grad=True) * 2)


def test_grad_accumulates_until_zeroed():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_shared_gradient_arrays_are_not_aliased():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(10)
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_backward_on_non_scalar_needs_gradient():
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(cr.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_backward_without_grad_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.ones(2).sum().backward()


def test_retain_graph():
    x = cr.tensor([2.0], requires_grad=True)
    y = (x * x).exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    g = 2 * 2 * 2.0 * np.exp(4.0)
    np.testing.assert_allclose(x.grad.numpy(), [g], rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_no_grad_and_enable_grad():
    x = cr.ones(2, requires_grad=True)
    with cr.no_grad():
        y = x * 2
        with cr.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @cr.no_grad()
    def f(v):
        return v * 3

    assert not f(x).requires_grad
    assert cr.is_grad_enabled()
    with cr.set_grad_enabled(False):
        assert not (x * 1).requires_grad
    assert cr.is_grad_enabled()


def test_deep_chain_has_no_recursion_limit():
    x = cr.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert 100_000 > sys.getrecursionlimit()
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_diamond_graph_accumulates():
    x = cr.tensor([3.0], requires_grad=True)
    a = x * 2
    b = a * a + a.exp() + a  # a used three times
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * (2 * 6.0 + np.exp(6.0) + 1)], rtol=1e-6)


def test_retain_grad_on_intermediate():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


def test_autograd_grad_leaves_dot_grad_alone():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (gx,) = cr.autograd.grad(y, [x])
    np.testing.assert_allclose(gx.numpy(), [3.0, 12.0])
    assert x.grad is None
    h = x * 2
    (gh,) = cr.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), [4.0, 8.0])


def test_custom_function():
    class Cube(cr.autograd.Function):
        def forward(self, x):
            self.x = x
            return x ** 3

        def backward(self, grad):
            return 3 * self.x ** 2 * grad

    x = cr.tensor(np.array([1.0, -2.0]), requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert cr.autograd.gradcheck(Cube.apply, (x,))


def test_inplace_on_leaf_requiring_grad_is_refused():
    w = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w.add_(1)
    with cr.no_grad():
        w.add_(1)
    np.testing.assert_array_equal(w.detach().numpy(), [2.0, 2.0])


def test_requires_grad_only_for_floats():
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)


def test_integer_outputs_do_not_require_grad():
    x = cr.randn(3, 4, requires_grad=True)
    assert not x.argmax(1).requires_grad
    assert not x.max(1).indices.requires_grad
    assert not (x > 0).requires_grad


def test_numpy_on_the_left_defers_to_tensor():
    x = cr.ones(3, requires_grad=True)
    y = np.arange(3.0) * x
    assert isinstance(y, cr.Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 2.0])


def test_manual_seed_reproducible():
    cr.manual_seed(123)
    a = cr.randn(4).numpy()
    cr.manual_seed(123)
    np.testing.assert_array_equal(a, cr.randn(4).numpy())
    state = cr.get_rng_state()
    b = cr.rand(3).numpy()
    cr.set_rng_state(state)
    np.testing.assert_array_equal(b, cr.rand(3).numpy())


def test_factories():
    assert cr.full((2, 2), 3.0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert cr.eye(3).numpy().trace() == 3
    assert cr.zeros_like(cr.ones(2, 3, dtype=cr.float64)).dtype == cr.float64
    assert cr.ones_like(cr.zeros(4)).sum().item() == 4


def test_max_min_return_values_and_indices():
    x = cr.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    v, i = x.max(dim=1)
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
    assert x.min(0).indices.tolist() == [0, 1, 0]
    assert x.max().item() == 7.0


def test_tie_gradient_is_shared_for_full_max():
    x = cr.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5])


def test_augmented_assignment_updates_in_place_under_no_grad():
    w = cr.ones(2, requires_grad=True)
    ref = w
    with cr.no_grad():
        w -= 0.5 * cr.ones(2)
    assert w is ref and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), [0.5, 0.5])
    with pytest.raises(RuntimeError, match="in-place"):
        w += 1
    h = w * 2
    h += w  # recorded: rebinds h to a new node
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_requested_dtype_converts_without_float32_rounding():
    assert cr.tensor(0.8, dtype=cr.float64).item() == 0.8
    assert cr.tensor([0.1, 0.2], dtype=cr.float64).tolist() == [0.1, 0.2]


def test_grad_mode_decorators_with_and_without_parentheses():
    x = cr.ones(2, requires_grad=True)

    @cr.no_grad
    def bare(v):
        return v * 2

    @cr.inference_mode()
    def called(v):
        return v * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    assert bare.__name__ == "bare"
    with cr.inference_mode(False):
        assert (x * 2).requires_grad


def test_autograd_grad_runs_only_the_part_of_the_graph_it_needs():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    h = (w * 2).exp()
    z = (h * h).sum()
    (gh,) = cr.autograd.grad(z, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())
    h.sum().backward()  # the part below h was neither run nor freed
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.exp(2 * np.array([1.0, 2.0])), rtol=1e-6)


def test_dtypes_are_the_objects_tensors_report():
    x = cr.ones(2)
    assert x.dtype is cr.float32 and {cr.float32: 1}[x.dtype] == 1


def test_dataloader_accepts_torch_only_arguments():
    from chainrule.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(cr.randn(10, 2)), batch_size=4, num_workers=2,
                        pin_memory=True, persistent_workers=False)
    assert [b[0].shape for b in loader] == [(4, 2), (4, 2), (2, 2)]
    with pytest.raises(TypeError, match="unexpected"):
        DataLoader(TensorDataset(cr.randn(10, 2)), bogus=1)


def test_dir_lists_lazy_submodules_and_save_load():
    import subprocess
    import sys
    code = ("import sys, chainrule; d = dir(chainrule); "
            "print(all(n in d for n in ('nn', 'optim', 'save', 'load', 'data', 'train')), "
            "'chainrule.nn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]  # listed, yet still not imported
