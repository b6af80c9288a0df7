"""Gradient clipping, L1/L2 penalties and flattening of parameters.

The penalties are the cheat sheet's regularizers as terms of the objective:
``loss = data_loss + lam * l2_penalty(model.parameters())``. (With plain gradient descent an L2
penalty ``lam/2 * l2_penalty`` is the same as ``weight_decay=lam``. For exact zeros from L1, use
``SGD(..., l1=lam)``, whose proximal step is explained there; adding ``l1_penalty`` to the loss
only gives weights that hover around zero.)
"""
import math
import warnings

from ..._backend import xp
from ...autograd import Function
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "l1_penalty", "l2_penalty", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters, op):
    if isinstance(parameters, Tensor):
        return [parameters]
    params = list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(p).__name__}")
    return params


def _vector_norm(a, norm_type):
    a = a.reshape(-1)
    if norm_type == 2.0:
        return xp.sqrt(xp.dot(a, a))
    if norm_type == math.inf:
        return xp.max(xp.abs(a)) if a.size else xp.zeros((), a.dtype)
    if norm_type == -math.inf:
        return xp.min(xp.abs(a)) if a.size else xp.array(xp.inf, a.dtype)
    if norm_type == 0.0:
        return xp.asarray(xp.count_nonzero(a), dtype=a.dtype)
    if norm_type == 1.0:
        return xp.sum(xp.abs(a))
    return xp.sum(xp.abs(a) ** norm_type) ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` seen as one concatenated vector (a 0-d Tensor).

    Args:
        tensors: a Tensor or an iterable of Tensors (typically gradients).
        norm_type: the p of the p-norm; ``float('inf')`` for the largest magnitude.
        error_if_nonfinite: raise RuntimeError when the norm is nan or inf.
        foreach: accepted for PyTorch compatibility.
    """
    arrays = [t._data for t in _as_list(tensors, "get_total_norm")]
    if not arrays:
        return Tensor._from_array(xp.zeros((), xp.float32))
    norm_type = float(norm_type)
    norms = xp.stack([_vector_norm(a, norm_type) for a in arrays])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(f"get_total_norm: the total norm of order {norm_type} of the "
                           f"gradients is {float(total)}, so clipping cannot scale them; pass "
                           "error_if_nonfinite=False to scale by it anyway")
    return Tensor._from_array(xp.asarray(total))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, in place."""
    grads = [p.grad._data for p in _as_list(parameters, "clip_grads_with_norm_")
             if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else xp.asarray(total_norm)
    if not xp.isfinite(total):
        warnings.warn(f"clip_grad_norm_: the total gradient norm is {float(total)}; scaling the "
                      "gradients by it leaves nan in them", RuntimeWarning, stacklevel=3)
    coef = xp.minimum(float(max_norm) / (total + 1e-6), 1.0).astype(total.dtype)
    with xp.errstate(invalid="ignore"):
        for g in grads:
            xp.multiply(g, coef, out=g, casting="same_kind")


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    r"""Rescale the gradients so that their total norm is at most ``max_norm``, in place.

    .. math::
        g \leftarrow g \cdot \min\left(\frac{\text{max\_norm}}{\|g\|_p + 10^{-6}}, 1\right)

    where :math:`\|g\|_p` is the norm of all gradients concatenated into one vector.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` to clip (those without a
            gradient are skipped).
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm (default 2); ``float('inf')`` for the largest magnitude.
        error_if_nonfinite: raise RuntimeError when the total norm is nan or inf.
        foreach: accepted for PyTorch compatibility.
    Returns:
        The total norm of the gradients before clipping, a 0-d Tensor.
    """
    params = _as_list(parameters, "clip_grad_norm_")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters, "clip_grad_value_"):
        if p.grad is not None:
            xp.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


class _Penalty(Function):
    """sum_i sum |p_i| (order 1) or sum_i sum p_i^2 (order 2) over any number of tensors."""

    def forward(self, *arrays, order):
        self.arrays = arrays
        self.order = order
        dtype = xp.result_type(*arrays)
        if order == 1:
            total = sum(xp.sum(xp.abs(a), dtype=dtype) for a in arrays)
        else:
            total = sum(_sum_squares(a) for a in arrays)
        return xp.asarray(total, dtype=dtype)

    def backward(self, grad):
        if self.order == 1:
            return tuple(xp.sign(a) * grad if need else None
                         for a, need in zip(self.arrays, self.needs_input_grad))
        return tuple(a * (2 * grad) if need else None
                     for a, need in zip(self.arrays, self.needs_input_grad))


def _sum_squares(a):
    a = a.reshape(-1)
    return xp.dot(a, a)


def _penalty(params, order, op):
    params = _as_list(params, op)
    if not params:
        raise ValueError(f"{op}: got no parameters")
    return _Penalty.apply(*params, order=order)


def l1_penalty(params):
    r"""The L1 penalty :math:`\sum_i |w_i|` over all elements of ``params`` (differentiable).

    Its gradient is :math:`\operatorname{sign}(w)` (0 at 0). Added to a loss it shrinks weights
    by a constant amount per step, but they hover around zero rather than reach it; see
    :class:`chainrule.optim.SGD`'s ``l1`` for exact zeros.

    Args:
        params: a Tensor or an iterable of Tensors.
    Returns:
        A 0-d Tensor.
    """
    return _penalty(params, 1, "l1_penalty")


def l2_penalty(params):
    r"""The L2 penalty :math:`\sum_i w_i^2` over all elements of ``params`` (differentiable).

    Its gradient :math:`2w` shrinks each weight in proportion to its size, so weights get small
    but not zero.

    Args:
        params: a Tensor or an iterable of Tensors.
    Returns:
        A 0-d Tensor.
    """
    return _penalty(params, 2, "l2_penalty")


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-D Tensor (differentiable)."""
    from ...ops.shape import cat
    return cat([p.reshape(-1) for p in _as_list(parameters, "parameters_to_vector")])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D Tensor ``vec`` into ``parameters``' data, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got "
                        f"{type(vec).__name__}")
    params = _as_list(parameters, "vector_to_parameters")
    total = sum(p._data.size for p in params)
    if vec._data.ndim != 1 or vec._data.size != total:
        raise ValueError(f"vector_to_parameters: vec has shape {vec._data.shape} but the "
                         f"parameters hold {total} elements")
    start = 0
    for p in params:
        n = p._data.size
        p._data[...] = vec._data[start:start + n].reshape(p._data.shape)
        start += n
