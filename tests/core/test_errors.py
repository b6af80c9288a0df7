"""Errors a user can cause name the op, what was expected and what arrived."""
import numpy as np
import pytest

import chainrule as cr


def test_matmul_inner_size_message():
    with pytest.raises(ValueError, match=r"matmul: \(32, 100\) @ \(64, 10\): inner sizes 100 "
                                         r"and 64 differ"):
        cr.randn(32, 100) @ cr.randn(64, 10)


@pytest.mark.parametrize("op,sym", [("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/")])
def test_broadcast_errors_name_op_and_shapes(op, sym):
    a, b = cr.ones(2, 3), cr.ones(4)
    with pytest.raises(ValueError, match=rf"{op}: shapes \(2, 3\) and \(4,\)"):
        eval(f"a {sym} b")


def test_shape_op_errors():
    x = cr.ones(2, 3)
    with pytest.raises(ValueError, match=r"reshape: shape \(4, 2\) is invalid .* \(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="permute"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        x.sum(2)
    with pytest.raises(ValueError, match=r"cat: .* \(2, 3\) and \(3, 3\)"):
        cr.cat([x, cr.ones(3, 3)], dim=1)
    with pytest.raises(ValueError, match="expand"):
        x.expand(4, 4)
    with pytest.raises(IndexError, match=r"getitem: .* shape \(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match="split"):
        x.split([1, 2])


def test_backward_shape_check_names_the_op():
    class Bad(cr.autograd.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return np.ones(7)

    with pytest.raises(RuntimeError, match=r"Bad: backward produced a gradient of shape \(7,\)"):
        Bad.apply(cr.ones(3, requires_grad=True)).sum().backward()


def test_non_numeric_data():
    with pytest.raises(TypeError, match="tensor"):
        cr.tensor(["a", "b"])


def test_linear_refuses_mixed_dtypes_like_torch():
    from chainrule.ops.linalg import linear
    with pytest.raises(TypeError, match=r"linear: input is float64 but weight is float32"):
        linear(cr.ones(2, 3, dtype=cr.float64), cr.ones(4, 3))
