"""Reverse-mode automatic differentiation: the chain rule, applied by a graph walk."""
from .ctx_function import FunctionCtx
from .function import Function, once_differentiable
from .gradcheck import GradcheckError, grad, gradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)

__all__ = ["Function", "FunctionCtx", "once_differentiable", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]
