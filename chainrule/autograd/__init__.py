"""Reverse-mode automatic differentiation: the chain rule, applied by a graph walk."""
from .ctx_function import FunctionCtx
from .function import Function, once_differentiable
from .gradcheck import GradcheckError, grad, gradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)



def Variable(data, requires_grad=False, volatile=False):
    """torch's old wrapper, now the Tensor itself: a tensor sharing ``data``'s array."""
    from ..tensor import Tensor
    t = Tensor(data)
    return t.requires_grad_(True) if requires_grad else t


__all__ = ["Variable", "Function", "FunctionCtx", "once_differentiable", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]
